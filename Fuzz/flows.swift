import Foundation
import PatronCore
import PatronFlows

/// The flow YAML reader and the template checker it runs on every message, and the loyalty
/// programme file (same YAML reader): any text is a flow or a list of errors, each at a line and
/// column inside the text; nothing traps.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    // YAML breaks lines at \n, \r\n and a lone \r; counted by Character (this harness counted \n
    // only, then replaced "\r\n" first, which joined a "\r" before it with the new "\n")
    let lineCount = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).count
    func checkPlaces(_ errors: FlowFileErrors) {
        for error in errors.errors {
            precondition(
                error.line >= 1 && error.line <= lineCount && error.column >= 1,
                "an error outside the text (\(lineCount) lines): \(error)")
            precondition(!error.message.isEmpty, "an error without a message at \(error.line):\(error.column)")
        }
    }
    do {
        _ = try FlowFile.parse(
            text, file: "fuzz.yaml", savedSegment: { $0 == "vip" ? "orders.count >= 3" : nil }, channels: channels)
    } catch {
        checkPlaces(error)
    }
    do { _ = try LoyaltyFile.parse(text, file: "loyalty.yaml") } catch { checkPlaces(error) }
    return 0
}

/// The channels the apps link (email, SMS, push), as the flow reader sees them.
let channels = ChannelRegistry([
    ChannelDescriptor(
        channel: .email, summary: "email", address: .emailAddress, consent: .optOut, hasSubject: true),
    ChannelDescriptor(
        channel: "sms", summary: "sms", address: .phoneNumber, consent: .optIn, hasSubject: false, maxBodyLength: 1_600),
    ChannelDescriptor(
        channel: "push", summary: "push", address: .contactPoint, consent: .optIn, hasSubject: true,
        maxBodyLength: 4_000),
])
