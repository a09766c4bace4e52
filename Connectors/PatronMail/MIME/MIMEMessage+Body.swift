extension MIMEMessage {
    /// The readable body: text/plain is preferred over text/html within multipart/alternative;
    /// HTML-only bodies are turned into plain text. Inline text parts of a multipart/mixed are
    /// joined; attachments and embedded messages are left out. Empty when there is no text.
    public var bodyText: String {
        BodyTextExtractor.text(of: root).map(ByteScanning.trimmingWhitespace) ?? ""
    }

    /// The files carried by the message, in document order (not looking inside attached messages).
    public var attachments: [MIMEAttachment] {
        root.allParts.filter(\.isAttachment).map(MIMEAttachment.init(part:))
    }
}

/// Chooses the parts that make up the readable body.
enum BodyTextExtractor {
    static func text(of part: MIMEPart) -> String? {
        if part.isAttachment { return nil }
        let type = part.contentType
        if type.isMultipart { return multipartText(part) }
        guard type.type == "text", let text = part.text else { return nil }
        switch type.subtype {
        case "plain": return text
        case "html": return HTMLTextConverter.text(fromHTML: text)
        default: return nil
        }
    }

    private static func multipartText(_ part: MIMEPart) -> String? {
        let children = part.children
        switch part.contentType.subtype {
        case "alternative":
            if let plain = children.first(where: { isBodyLeaf($0, subtype: "plain") }), let text = plain.text {
                return text
            }
            for child in children where child.contentType.isMultipart {
                if let text = text(of: child), !isBlank(text) { return text }
            }
            if let html = children.first(where: { isBodyLeaf($0, subtype: "html") }) { return text(of: html) }
            return children.lazy.compactMap(text(of:)).first
        case "related":
            let start = part.contentType.parameters["start"].flatMap { MessageIDList.parse($0).first }
            let root = start.flatMap { id in children.first { $0.contentID == id } } ?? children.first
            return root.flatMap(text(of:))
        case "signed", "encrypted", "report":
            return children.first.flatMap(text(of:))
        default:
            let texts = children.compactMap(text(of:)).filter { !isBlank($0) }
            guard texts.count > 1 else { return texts.first }
            return texts.map(ByteScanning.trimmingWhitespace).joined(separator: "\n\n")
        }
    }

    private static func isBodyLeaf(_ part: MIMEPart, subtype: String) -> Bool {
        part.contentType.type == "text" && part.contentType.subtype == subtype && !part.isAttachment
            && !isBlank(part.text ?? "")
    }

    private static func isBlank(_ text: String) -> Bool {
        text.allSatisfy(\.isWhitespace)
    }
}
