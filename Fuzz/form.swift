import Foundation
import PatronSMS

/// Form decoding as Twilio posts it, and what is read from the fields: any body is refused with
/// a `FormEncodingError` or decodes to fields that encode and decode to the same fields; status
/// callbacks and inbound messages read from them are refused or read, never crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let fields = try? FormEncoding.decode(bytes: bytes) else { return 0 }
    let body = FormEncoding.encode(fields)
    guard let again = try? FormEncoding.decode(body) else {
        fatalError("fields that decoded do not decode once encoded: \(body)")
    }
    precondition(again == fields, "encode-decode changed the fields: \(body)")
    _ = try? TwilioStatusCallback(fields: fields)
    if let message = try? InboundSMS(fields: fields) {
        // A reply is at most one of stop, start and help.
        let kinds = [message.isOptOut, message.isOptIn, message.isHelp].filter { $0 }.count
        precondition(kinds <= 1 || message.optOutType != nil, "keyword '\(message.keyword)' is several kinds")
    }
    return 0
}
