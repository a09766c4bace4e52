/// A parsed Content-Type: `type/subtype` plus parameters (RFC 2045 §5, RFC 2231).
public struct MIMEContentType: Sendable, Hashable, CustomStringConvertible {
    /// The top-level type, lowercased (`text`, `multipart`, `image` …).
    public let type: String
    /// The subtype, lowercased (`plain`, `mixed` …).
    public let subtype: String
    /// Parameters keyed by lowercased name; RFC 2231 values are already joined and decoded.
    public let parameters: [String: String]

    /// Creates a content type; `type` and `subtype` are lowercased.
    public init(type: String, subtype: String, parameters: [String: String] = [:]) {
        self.type = type.lowercased()
        self.subtype = subtype.lowercased()
        self.parameters = parameters
    }

    /// `text/plain; charset=us-ascii`, the default when a part has no Content-Type.
    public static let textPlain = MIMEContentType(type: "text", subtype: "plain")
    /// `message/rfc822`, the default for parts of a `multipart/digest`.
    public static let messageRFC822 = MIMEContentType(type: "message", subtype: "rfc822")

    /// `type/subtype`, e.g. `text/html`.
    public var mimeType: String { "\(type)/\(subtype)" }
    /// The `charset` parameter, if any.
    public var charset: String? { parameters["charset"] }
    /// The `boundary` parameter of a multipart, if any.
    public var boundary: String? { parameters["boundary"] }
    /// The `name` parameter (an old way to give a file name), not RFC 2047 decoded.
    public var name: String? { parameters["name"] }
    /// Whether this is a `multipart/*` type.
    public var isMultipart: Bool { type == "multipart" }
    /// Whether this is an embedded message (`message/rfc822` or `message/global`).
    public var isEmbeddedMessage: Bool { type == "message" && (subtype == "rfc822" || subtype == "global") }

    public var description: String { mimeType }

    /// Parses a Content-Type header value; `nil` when it has no usable `type/subtype`.
    static func parse(_ header: String) -> (contentType: MIMEContentType?, issues: [ParseIssue]) {
        let parsed = MIMEParameterParser.parse(header)
        let pieces = parsed.value.split(separator: "/", maxSplits: 1)
        guard pieces.count == 2 else { return (nil, parsed.issues) }
        let type = ByteScanning.trimmed(pieces[0])
        let subtype = ByteScanning.trimmed(pieces[1])
        guard !type.isEmpty, !subtype.isEmpty else { return (nil, parsed.issues) }
        return (MIMEContentType(type: type, subtype: subtype, parameters: parsed.parameters), parsed.issues)
    }
}
