/// Every problem found in one flow file, in the order they appear in it, so one run shows them
/// all.
public struct FlowFileErrors: Error, Sendable, CustomStringConvertible {
    /// Sorted by line, then column; problems at the same place keep the order they were found in.
    public var errors: [FlowFileError]

    public init(_ errors: [FlowFileError]) {
        var seen = Set<FlowFileError>()
        self.errors = errors.enumerated()
            .sorted {
                ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset)
            }
            .map(\.element)
            .filter { seen.insert($0).inserted }
    }

    /// One error per line.
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
