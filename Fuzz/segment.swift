import Foundation
import PatronCore

/// The segment language: lexer, parser, limits and type checks, on any bytes. Crashes, hangs
/// and memory errors are what libFuzzer looks for; a refusal is a `SegmentError`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let expression = try? SegmentParser.parse(
        text, savedSegment: { name in name == "loop" ? "in_segment(\"loop\")" : "orders >= 1" })
    {
        _ = expression.description
    }
    return 0
}
