import Foundation
import PatronCore

/// The NDJSON codec: any line either is refused with a `PatronError` or decodes to an event
/// that encodes and decodes to the same event; and the fast path (`NDJSONFastDecoder`) gives
/// the same event or the same error as `JSONDecoder`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    func outcome(fastPath: Bool) -> String {
        do {
            return "event \(try NDJSONCodec.decode(line: text, at: InputLocation(), fastPath: fastPath))"
        } catch {
            return "error \(error)"
        }
    }
    let fast = outcome(fastPath: true)
    let slow = outcome(fastPath: false)
    precondition(fast == slow, "the fast path says \(fast), JSONDecoder \(slow)")
    guard let event = try? NDJSONCodec.decode(line: text, at: InputLocation()) else { return 0 }
    let line = NDJSONCodec.encode(event)
    guard let again = try? NDJSONCodec.decode(line: line, at: InputLocation()) else {
        fatalError("an event that decoded does not decode once encoded: \(line)")
    }
    precondition(again.kind == event.kind && again.id == event.id && again.occurredAt == event.occurredAt, line)
    return 0
}
