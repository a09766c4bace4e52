import Foundation
import PatronCore
import Yams

/// Flow files: a campaign flow written in YAML (see `docs/flows.md`), read into a ``Flow`` with
/// every problem reported at its line and column.
public enum FlowFile {
    /// Parses and validates a flow file's text.
    ///
    /// - Parameters:
    ///   - file: How errors name the file (`abandoned-cart.yaml`).
    ///   - currencyDigits: Fraction digits of the store's currency, for amounts.
    ///   - savedSegment: The expression of a saved segment, for `in_segment("name")`.
    ///   - channels: The channels templates may name (the process's registered ones).
    /// - Throws: Every problem of the file, sorted by position.
    public static func parse(
        _ text: String, file: String, currencyDigits: Int = 2,
        savedSegment: @escaping (String) throws -> String? = { _ in nil }, channels: ChannelRegistry = .registered
    ) throws(FlowFileErrors) -> Flow {
        let (root, source) = try YAMLDocument.compose(text, file: file)
        var reader = FlowReader(
            file: file, source: source, currencyDigits: currencyDigits, savedSegment: savedSegment, channels: channels)
        let flow = reader.read(root)
        guard let flow, reader.errors.isEmpty else { throw FlowFileErrors(reader.errors) }
        return flow
    }

    /// Reads the file at `path` and parses it; errors name the file by `path` as given. A file
    /// that cannot be read is one error at 1:1.
    public static func load(
        path: String, currencyDigits: Int = 2, savedSegment: @escaping (String) throws -> String? = { _ in nil }
    ) throws(FlowFileErrors) -> Flow {
        let text = try YAMLDocument.read(path: path)
        return try parse(text, file: path, currencyDigits: currencyDigits, savedSegment: savedSegment)
    }
}
