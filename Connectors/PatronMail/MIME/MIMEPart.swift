/// One entity of a message: its header, its decoded content, and its children for multiparts
/// or the embedded message for `message/rfc822` parts.
public struct MIMEPart: Sendable {
    /// The IMAP section number (`"1"`, `"2.1"` …); `""` for a multipart message's own body.
    public let partNumber: String
    /// The part's header fields (for a message's root part, the message header).
    public let headers: MIMEHeaders
    /// The content type; `text/plain` when absent or unreadable (`message/rfc822` inside a digest).
    public let contentType: MIMEContentType
    /// The Content-Disposition, if present.
    public let contentDisposition: MIMEContentDisposition?
    /// The Content-Transfer-Encoding as declared.
    public let transferEncoding: MIMETransferEncoding
    /// The parts of a multipart, in order; empty otherwise.
    public let children: [MIMEPart]
    /// The content with the transfer encoding removed; empty for multiparts.
    public let content: [UInt8]
    /// For text parts (and delivery/feedback reports), the content in its charset, line ends as LF.
    public let text: String?
    /// The file name from `filename`/`name`, RFC 2231 and RFC 2047 decoded.
    public let filename: String?
    private let embedded: EmbeddedMessage?

    init(
        partNumber: String, headers: MIMEHeaders, contentType: MIMEContentType,
        contentDisposition: MIMEContentDisposition?, transferEncoding: MIMETransferEncoding,
        children: [MIMEPart] = [], content: [UInt8] = [], text: String? = nil, filename: String? = nil,
        message: MIMEMessage? = nil
    ) {
        self.partNumber = partNumber
        self.headers = headers
        self.contentType = contentType
        self.contentDisposition = contentDisposition
        self.transferEncoding = transferEncoding
        self.children = children
        self.content = content
        self.text = text
        self.filename = filename
        self.embedded = message.map(EmbeddedMessage.init)
    }

    /// The parsed message inside a `message/rfc822` part.
    public var message: MIMEMessage? { embedded?.message }

    /// The Content-ID without angle brackets, as referenced by `cid:` URLs.
    public var contentID: String? {
        guard let raw = headers["Content-ID"] else { return nil }
        let id = MessageIDList.parse(raw).first ?? raw
        return id.isEmpty ? nil : id
    }

    /// Whether the part is a file rather than body text: disposition `attachment`, a file name,
    /// or a non-text leaf type (images, applications …). Report parts and unnamed embedded
    /// messages are not attachments.
    public var isAttachment: Bool {
        if contentType.isMultipart { return false }
        if contentDisposition?.isAttachment == true || filename != nil { return true }
        switch contentType.type {
        case "text", "message", "multipart": return false
        default: return true
        }
    }

    /// This part and all its descendants in document order, not entering embedded messages.
    public var allParts: [MIMEPart] {
        var result: [MIMEPart] = []
        func visit(_ part: MIMEPart) {
            result.append(part)
            part.children.forEach(visit)
        }
        visit(self)
        return result
    }
}

/// Breaks the value recursion MIMEMessage → MIMEPart → MIMEMessage. Immutable, hence `Sendable`.
final class EmbeddedMessage: Sendable {
    let message: MIMEMessage

    init(_ message: MIMEMessage) {
        self.message = message
    }
}
