import Foundation
import PatronCore

extension FlowFile {
    /// Reads and parses the flow file at `path`; a file that cannot be read is an error at 1:1.
    /// Returns the flow and the file's text (what a store keeps).
    public static func read(
        path: String, currencyDigits: Int, savedSegment: @escaping (String) throws -> String? = { _ in nil }
    ) throws(FlowFileErrors) -> (flow: Flow, text: String) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw FlowFileErrors([
                FlowFileError(file: path, line: 1, column: 1, message: "cannot read the file: \(error)")
            ])
        }
        return (try parse(text, file: path, currencyDigits: currencyDigits, savedSegment: savedSegment), text)
    }

    /// Parses a flow as a store keeps it: its file's text, named in errors by the path it was
    /// stored from (else its id) — the one way every app reads a stored flow.
    public static func parseStored(
        id: String, source: String, path: String?, currencyDigits: Int,
        savedSegment: @escaping (String) throws -> String? = { _ in nil }
    ) throws(FlowFileErrors) -> Flow {
        try parse(source, file: path ?? id, currencyDigits: currencyDigits, savedSegment: savedSegment)
    }
}
