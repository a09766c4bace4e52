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
        while let line = try lines.next() {
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            let location = InputLocation(file: lines.name, line: lines.lineNumber)
            events += 1
            return try NDJSONCodec.decode(line: line, at: location)
        }
        guard events > 0 else {
            throw PatronError(.malformedInput, "empty file: no events", at: InputLocation(file: lines.name))
        }
        return nil
    }
}
