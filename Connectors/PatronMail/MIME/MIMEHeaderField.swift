/// One header field, unfolded (RFC 5322 §2.2.3).
public struct MIMEHeaderField: Sendable, Hashable {
    /// The field name as written, e.g. `Content-Type`.
    public let name: String
    /// The unfolded value with surrounding whitespace trimmed, before RFC 2047 decoding.
    /// Raw 8-bit bytes are read as UTF-8 when valid, else as Windows-1252.
    public let rawValue: String

    /// Creates a field.
    public init(name: String, rawValue: String) {
        self.name = name
        self.rawValue = rawValue
    }

    /// The value with RFC 2047 encoded words decoded, for unstructured fields such as Subject.
    public var decodedValue: String {
        EncodedWordDecoder.decode(rawValue).text
    }

    /// Whether the field has this name, ignoring case.
    public func hasName(_ other: String) -> Bool {
        ByteScanning.equalsIgnoringCase(name, other)
    }
}
