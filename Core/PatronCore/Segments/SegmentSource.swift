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

    /// The description, then the line (at most 120 characters of it, around the spot) and a
    /// caret under the spot.
    public var rendered: String {
        let (excerpt, caret) = Self.excerpt(of: sourceLine, around: position.column)
        return "\(description)\n  \(excerpt)\n  \(String(repeating: " ", count: caret))^"
    }

    /// Up to `radius` characters either side of `column` (1-based), with `…` where the line is
    /// cut, and the caret's offset in the excerpt.
    public static func excerpt(of line: String, around column: Int, radius: Int = 60) -> (String, Int) {
        let characters = Array(line)
        let spot = min(max(0, column - 1), characters.count)
        let start = max(0, spot - radius)
        let end = min(characters.count, spot + radius)
        guard start > 0 || end < characters.count else { return (line, spot) }
        let head = start > 0 ? "…" : ""
        let tail = end < characters.count ? "…" : ""
        return (head + String(characters[start..<end]) + tail, spot - start + head.count)
    }

    /// As a ``PatronError`` (code invalid-value, field `segment`).
    public var patronError: PatronError {
        PatronError(.invalidValue, rendered, at: InputLocation(field: nil))
    }
}
