import Foundation

/// An Internet message (RFC 5322) with its MIME structure (RFC 2045–2049) parsed.
///
/// Parsing never throws: malformed mail keeps whatever could be read, and each problem met is
/// listed in `warnings`. Convenience accessors (`subject`, `from`, `bodyText`, `attachments`,
/// `deliveryStatus` …) live in extensions.
public struct MIMEMessage: Sendable {
    /// The top-level entity; its headers are the message header.
    public let root: MIMEPart
    /// Every problem met while parsing, including those inside embedded messages.
    public let warnings: [MIMEParseWarning]

    init(root: MIMEPart, warnings: [MIMEParseWarning]) {
        self.root = root
        self.warnings = warnings
    }

    /// Parses a message from its raw bytes (CRLF or LF line ends; a leading mbox `From ` line
    /// is skipped).
    public init(parsing bytes: [UInt8]) {
        var parser = MIMEEntityParser()
        self = parser.parseMessage(bytes, range: 0..<bytes.count, number: "", depth: 0)
    }

    /// Parses a message from its raw bytes.
    public init(parsing data: Data) {
        self.init(parsing: [UInt8](data))
    }

    /// The message header fields.
    public var headers: MIMEHeaders { root.headers }
}
