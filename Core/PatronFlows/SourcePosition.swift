/// A 1-based line and column (in characters) in a flow file.
struct SourcePosition: Hashable, Comparable {
    var line: Int
    var column: Int

    static let start = SourcePosition(line: 1, column: 1)

    static func < (a: SourcePosition, b: SourcePosition) -> Bool { (a.line, a.column) < (b.line, b.column) }
}
