/// The header fields of a message or part, in their original order, looked up without regard to case.
public struct MIMEHeaders: Sendable, Hashable, RandomAccessCollection {
    /// The fields in the order they appeared.
    public let fields: [MIMEHeaderField]

    /// Creates headers from fields.
    public init(_ fields: [MIMEHeaderField] = []) {
        self.fields = fields
    }

    public var startIndex: Int { fields.startIndex }
    public var endIndex: Int { fields.endIndex }
    public subscript(position: Int) -> MIMEHeaderField { fields[position] }

    /// The raw (unfolded, not RFC 2047 decoded) value of the first field with this name.
    public subscript(name: String) -> String? {
        first(named: name)?.rawValue
    }

    /// The first field with this name.
    public func first(named name: String) -> MIMEHeaderField? {
        fields.first { $0.hasName(name) }
    }

    /// Every field with this name, in order (e.g. all `Received` fields).
    public func all(named name: String) -> [MIMEHeaderField] {
        fields.filter { $0.hasName(name) }
    }

    /// Whether a field with this name is present.
    public func contains(_ name: String) -> Bool {
        first(named: name) != nil
    }
}
