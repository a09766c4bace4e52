import Foundation

/// A position in a segment expression: 1-based line and column.
public struct SegmentPosition: Hashable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
    public var description: String { "\(line):\(column)" }
}

/// A segment expression did not parse or type-check: where, what, and the line with a caret.
public struct SegmentError: Error, Hashable, Sendable, CustomStringConvertible {
    public var position: SegmentPosition
    public var message: String
    /// The offending line of the expression, for the caret display.
    public var sourceLine: String

    public init(_ message: String, at position: SegmentPosition, source: String) {
        self.message = message
        self.position = position
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        sourceLine = position.line - 1 < lines.count ? String(lines[position.line - 1]) : ""
    }

    /// `1:17: unknown field 'ordrs.count' — did you mean 'orders.count'?`
    public var description: String { "\(position): \(message)" }

    /// The description, then the line and a caret under the spot.
    public var rendered: String {
        "\(description)\n  \(sourceLine)\n  \(String(repeating: " ", count: max(0, position.column - 1)))^"
    }

    /// As a ``PatronError`` (code invalid-value, field `segment`).
    public var patronError: PatronError {
        PatronError(.invalidValue, rendered, at: InputLocation(field: nil))
    }
}
