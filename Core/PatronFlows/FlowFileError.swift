/// A problem in a flow file, at a place in it: `abandoned-cart.yaml:12:9: unknown trigger
/// 'cart_abandonned' — did you mean 'cart_abandoned'?`.
public struct FlowFileError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file as it was named to ``FlowFile``.
    public var file: String
    /// 1-based line.
    public var line: Int
    /// 1-based column, in characters.
    public var column: Int
    /// What is wrong, and where it helps, what was probably meant.
    public var message: String

    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `file:line:column: message`, the form editors and terminals link to the spot.
    public var description: String { "\(file):\(line):\(column): \(message)" }
}
