import Foundation
import PatronCore
import PatronMail

/// The MIME parser and the mail mapping: any bytes parse (with warnings) and become a valid
/// `mail.received` event — a hostile mail must never stop a mailbox.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let raw = Array(UnsafeBufferPointer(start: data, count: size))
    let message = MIMEMessage(parsing: raw)
    _ = message.attachments
    let mail = MailMessage(mime: message, raw: raw, receivedAt: 0)
    do {
        try IngestEvent.mailReceived(mail).validate()
    } catch {
        fatalError("the mail of these bytes is no valid event: \(error)")
    }
    return 0
}
