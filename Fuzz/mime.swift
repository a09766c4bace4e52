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
    // No stored or looked-up text holds a NUL (PostgreSQL refuses it; SQLite's C API cuts there),
    // the fields the validator does not look at included.
    var texts = [mail.messageID, mail.subject, mail.body] + mail.inReplyTo + mail.references + mail.to
    texts += [mail.from, mail.fromName].compactMap { $0 } + mail.attachments.flatMap { [$0.name ?? "", $0.type] }
    switch mail.kind {
    case .bounce(let failed): texts += failed
    case .complaint(let recipients): texts += recipients
    default: break
    }
    if let bad = texts.first(where: { $0.utf8.contains(0) }) {
        fatalError("a NUL in the mail's text: \(bad.debugDescription)")
    }
    return 0
}
