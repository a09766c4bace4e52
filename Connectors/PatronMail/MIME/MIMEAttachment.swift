/// A file carried by a message: an attachment or an inline image, with its decoded bytes.
public struct MIMEAttachment: Sendable {
    /// The file name (RFC 2231 / RFC 2047 decoded), if the sender gave one.
    public let filename: String?
    /// The declared content type.
    public let contentType: MIMEContentType
    /// The bytes with the transfer encoding removed (for an attached message, the message itself).
    public let data: [UInt8]
    /// The Content-ID without angle brackets, referenced by `cid:` URLs in HTML bodies.
    public let contentID: String?
    /// The Content-Disposition, if the sender gave one.
    public let disposition: MIMEContentDisposition?
    /// The IMAP section number of the part, for fetching it again from the server.
    public let partNumber: String

    /// Creates the attachment view of a part.
    public init(part: MIMEPart) {
        filename = part.filename
        contentType = part.contentType
        data = part.content
        contentID = part.contentID
        disposition = part.contentDisposition
        partNumber = part.partNumber
    }

    /// `type/subtype`, e.g. `application/pdf`.
    public var mimeType: String { contentType.mimeType }
    /// The decoded size in bytes.
    public var size: Int { data.count }
    /// Whether the sender asked for it to be shown inline (typically an image in an HTML body).
    public var isInline: Bool { disposition?.isInline ?? (contentID != nil) }
}
