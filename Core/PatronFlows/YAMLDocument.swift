import Foundation
import Yams

/// What every Patron YAML file (flows, loyalty rules) shares before its own reader: reading the
/// file, and composing the text into nodes with a YAML error reported at its line and column.
enum YAMLDocument {
    /// The text of the file at `path`; a file that cannot be read, or is not UTF-8, is one error
    /// at 1:1 naming the file by `path` as given.
    static func read(path: String) throws(FlowFileErrors) -> String {
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
        return text
    }

    /// The root node of `text` and its source (for positions); an empty file or invalid YAML
    /// is one error at its place.
    static func compose(_ text: String, file: String) throws(FlowFileErrors) -> (Node, SourceText) {
        let source = SourceText(text)
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw FlowFileErrors([FlowFileError(file: file, line: 1, column: 1, message: "the file is empty")])
            }
            return (node, source)
        } catch let error as FlowFileErrors {
            throw error
        } catch {
            let (position, message) = describe(error, in: source)
            throw FlowFileErrors([
                FlowFileError(file: file, line: position.line, column: position.column, message: message)
            ])
        }
    }

    /// A Yams error as a position and a message.
    static func describe(_ error: any Error, in source: SourceText) -> (SourcePosition, String) {
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
