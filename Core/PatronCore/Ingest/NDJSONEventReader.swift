import Foundation

/// Streams ``IngestEvent``s from an NDJSON file or standard input. Blank lines are skipped; a
/// file with no event at all is an error (an empty export is more likely a mistake than news).
public final class NDJSONEventReader {
    private let lines: LineReader
    private var events = 0

    /// Opens `path` (`-` for standard input).
    public init(path: String) throws(PatronError) {
        lines = try LineReader(path: path)
    }

    /// The name used in error messages.
    public var name: String { lines.name }
    /// Bytes read so far.
    public var bytesRead: Int64 { lines.bytesRead }

    /// The next event, or `nil` at the end of the input.
    public func next() throws(PatronError) -> IngestEvent? {
        // (the line's text, or where its bytes stop being UTF-8)
        while let (line, invalidByte) = try lines.nextLine({ bytes -> (String, Int?) in
            if bytes.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) { return ("", nil) }
            if let text = String(validating: bytes, as: UTF8.self) { return (text, nil) }
            return ("", UTF8Validation.firstInvalidByte(in: bytes))
        }) {
            let location = InputLocation(file: lines.name, line: lines.lineNumber)
            if let invalidByte {
                throw PatronError(
                    .malformedInput, "not UTF-8 at byte \(invalidByte + 1) of the line (NDJSON is UTF-8 text)",
                    at: location)
            }
            if line.isEmpty { continue }
            events += 1
            return try NDJSONCodec.decode(line: line, at: location)
        }
        guard events > 0 else {
            throw PatronError(.malformedInput, "empty file: no events", at: InputLocation(file: lines.name))
        }
        return nil
    }
}
