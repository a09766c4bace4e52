/// The name/value pairs of an `application/x-www-form-urlencoded` body, in order, repeated names kept.
///
/// Built with a literal (`["To": "+14155550100", "Body": "Hi"]`, duplicates allowed), by
/// `FormEncoding.decode` from a callback body, or field by field with `append`.
public struct FormFields: Hashable, Sendable, ExpressibleByDictionaryLiteral, Sequence {
    /// One name/value pair.
    public struct Field: Hashable, Sendable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The pairs in the order they were sent or appended.
    public var fields: [Field]

    public init(_ fields: [Field] = []) { self.fields = fields }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.fields = elements.map { Field(name: $0.0, value: $0.1) }
    }

    /// The first value sent for `name` (names are case-sensitive, as Twilio sends them).
    public subscript(name: String) -> String? { fields.first { $0.name == name }?.value }

    /// Every value sent for `name`, in order.
    public func values(for name: String) -> [String] { fields.filter { $0.name == name }.map(\.value) }

    /// Adds a pair at the end.
    public mutating func append(_ name: String, _ value: String) { fields.append(Field(name: name, value: value)) }

    /// The number of pairs.
    public var count: Int { fields.count }

    public func makeIterator() -> IndexingIterator<[Field]> { fields.makeIterator() }

    /// The pairs as a form body (see `FormEncoding.encode`).
    public var encoded: String { FormEncoding.encode(self) }
}
