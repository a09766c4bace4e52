/// A form body that cannot be decoded, with where it went wrong.
public struct FormEncodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Byte offset in the body of the bad escape (or of the name/value that is not UTF-8).
    public var offset: Int
    /// Index of the pair (0-based) being decoded.
    public var field: Int
    /// The pair's name when its value was at fault; `nil` when the name itself was.
    public var name: String?
    /// What is wrong.
    public var problem: String

    public init(offset: Int, field: Int, name: String?, problem: String) {
        self.offset = offset
        self.field = field
        self.name = name
        self.problem = problem
    }

    public var description: String {
        let place = name.map { "value of '\($0)'" } ?? "name of pair \(field + 1)"
        return "form body: byte \(offset), \(place): \(problem)"
    }
}
