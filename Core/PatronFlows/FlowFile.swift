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
        let source = SourceText(text)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw FlowFileErrors([FlowFileError(file: file, line: 1, column: 1, message: "the file is empty")])
            }
            root = node
        } catch let error as FlowFileErrors {
            throw error
        } catch {
            let (position, message) = describe(error, in: source)
            throw FlowFileErrors([
                FlowFileError(file: file, line: position.line, column: position.column, message: message)
            ])
        }
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
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? error.localizedDescription
            throw FlowFileErrors([
                FlowFileError(file: path, line: 1, column: 1, message: "cannot read the file: \(reason)")
            ])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw FlowFileErrors([FlowFileError(file: path, line: 1, column: 1, message: "the file is not UTF-8 text")])
        }
        return try parse(text, file: path, currencyDigits: currencyDigits, savedSegment: savedSegment)
    }

    /// A Yams error as a position and a message.
    private static func describe(_ error: any Error, in source: SourceText) -> (SourcePosition, String) {
        switch error as? YamlError {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let while_ = context.map { " (\($0.text))" } ?? ""
            return (source.position(of: mark), "invalid YAML: \(problem)\(while_)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let first = source.position(of: context.mark)
            guard duplicates.count == 1, let key = duplicates.first,
                let second = source.repeatedKey(key, after: first)
            else {
                return (first, "duplicate keys \(duplicates.map { "'\($0)'" }.joined(separator: ", "))")
            }
            return (second, "duplicate key '\(key)' (first at line \(first.line))")
        case .reader(let problem, _, _, _):
            return (.start, "invalid YAML: \(problem)")
        default:
            return (.start, "invalid YAML: \(error)")
        }
    }
}
