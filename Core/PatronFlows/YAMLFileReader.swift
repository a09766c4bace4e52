import Foundation
import Yams

/// A reader of one kind of Patron YAML file: it collects every problem with its place instead of
/// stopping at the first. The shared helpers (maps with known keys, numbers, amounts, durations)
/// are extensions of this protocol; ``FlowReader`` and ``LoyaltyReader`` conform.
protocol YAMLFileReader {
    /// How errors name the file.
    var file: String { get }
    var source: SourceText { get }
    /// Fraction digits of the store's currency, for amounts.
    var currencyDigits: Int { get }
    /// The problems found so far.
    var errors: [FlowFileError] { get set }
}

extension YAMLFileReader {
    mutating func fail(_ message: String, at node: Node) {
        fail(message, at: source.position(of: node))
    }

    mutating func fail(_ message: String, at position: SourcePosition) {
        errors.append(FlowFileError(file: file, line: position.line, column: position.column, message: message))
    }
}
