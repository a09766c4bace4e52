/// A parsed Content-Disposition (RFC 2183): `inline` or `attachment` plus parameters.
public struct MIMEContentDisposition: Sendable, Hashable, CustomStringConvertible {
    /// The disposition type, lowercased (`inline`, `attachment`, or whatever was written).
    public let kind: String
    /// Parameters keyed by lowercased name; RFC 2231 values are already joined and decoded.
    public let parameters: [String: String]

    /// Creates a disposition; `kind` is lowercased.
    public init(kind: String, parameters: [String: String] = [:]) {
        self.kind = kind.lowercased()
        self.parameters = parameters
    }

    /// Whether the sender asked for the part to be shown as an attachment.
    public var isAttachment: Bool { kind == "attachment" }
    /// Whether the sender asked for the part to be shown inline.
    public var isInline: Bool { kind == "inline" }
    /// The `filename` parameter, not RFC 2047 decoded.
    public var filename: String? { parameters["filename"] }

    public var description: String { kind }

    static func parse(_ header: String) -> (disposition: MIMEContentDisposition, issues: [ParseIssue]) {
        let parsed = MIMEParameterParser.parse(header)
        return (MIMEContentDisposition(kind: parsed.value, parameters: parsed.parameters), parsed.issues)
    }
}
