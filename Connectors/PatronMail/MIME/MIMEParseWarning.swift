/// A departure from the mail standards that the parser met and worked around.
///
/// Parsing never fails: whatever could be read is kept, and each problem is reported as one
/// warning naming the part it was found in, so a caller can log it or flag the message.
public struct MIMEParseWarning: Sendable, Hashable, CustomStringConvertible {
    /// What went wrong. Compare with the static members, e.g. `warning.kind == .missingFinalBoundary`;
    /// new kinds may be added without breaking callers.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private enum Code: String, Sendable, Hashable {
            case missingFinalBoundary = "missing final boundary"
            case boundaryNotFound = "boundary not found"
            case missingBoundaryParameter = "multipart without boundary parameter"
            case unknownTransferEncoding = "unknown transfer encoding"
            case nonstandardTransferEncoding = "nonstandard transfer encoding"
            case unknownCharset = "unknown charset"
            case undecodableText = "undecodable text"
            case invalidEncodedWord = "invalid encoded word"
            case malformedHeader = "malformed header"
            case nestingTooDeep = "nesting too deep"
        }

        private let code: Code

        /// A multipart body ended without its closing `--boundary--` line.
        public static let missingFinalBoundary = Kind(code: .missingFinalBoundary)
        /// A multipart body never contains its boundary; the body was kept as one text part.
        public static let boundaryNotFound = Kind(code: .boundaryNotFound)
        /// A multipart Content-Type has no boundary parameter; the body was kept as text.
        public static let missingBoundaryParameter = Kind(code: .missingBoundaryParameter)
        /// The Content-Transfer-Encoding is not known; the raw bytes were kept.
        public static let unknownTransferEncoding = Kind(code: .unknownTransferEncoding)
        /// The Content-Transfer-Encoding is misspelt (e.g. `quoted printable`) but was understood.
        public static let nonstandardTransferEncoding = Kind(code: .nonstandardTransferEncoding)
        /// A charset label is not known; the text was read as UTF-8 or Windows-1252.
        public static let unknownCharset = Kind(code: .unknownCharset)
        /// Some bytes are not valid in their declared charset; they became U+FFFD or were re-read.
        public static let undecodableText = Kind(code: .undecodableText)
        /// An RFC 2047 encoded word could not be decoded as declared.
        public static let invalidEncodedWord = Kind(code: .invalidEncodedWord)
        /// A header line is not a `Name: value` field or the header block is not closed by a blank line.
        public static let malformedHeader = Kind(code: .malformedHeader)
        /// Parts are nested deeper than the parser follows; the deepest ones were kept unparsed.
        public static let nestingTooDeep = Kind(code: .nestingTooDeep)

        public var description: String { code.rawValue }
    }

    /// What went wrong.
    public let kind: Kind
    /// The IMAP section number of the part concerned (`""` for the top-level header, `"2.1"` …).
    public let part: String
    /// The offending value or a short explanation.
    public let detail: String

    /// Creates a warning.
    public init(_ kind: Kind, part: String, detail: String) {
        self.kind = kind
        self.part = part
        self.detail = detail
    }

    public var description: String {
        let place = part.isEmpty ? "message" : "part \(part)"
        return detail.isEmpty ? "\(place): \(kind)" : "\(place): \(kind): \(detail)"
    }
}

/// A problem found by one of the decoders, before it is tied to a part and becomes a warning.
struct ParseIssue: Sendable, Hashable {
    let kind: MIMEParseWarning.Kind
    let detail: String

    func warning(in part: String) -> MIMEParseWarning {
        MIMEParseWarning(kind, part: part, detail: detail)
    }
}
