extension MIMEMessage {
    /// The ARF feedback report when this message is one (RFC 5965), else `nil`.
    public var feedbackReport: FeedbackReport? {
        let parts = root.allParts
        guard let reportPart = parts.first(where: { $0.contentType.mimeType == "message/feedback-report" }),
            let text = reportPart.text
        else { return nil }
        let fields = MIMEHeaders(ReportFieldBlocks.parse(text).flatMap(\.fields))
        let original: MIMEMessage? = parts.lazy.compactMap { part -> MIMEMessage? in
            if let message = part.message { return message }
            if part.contentType.mimeType == "text/rfc822-headers" { return MIMEMessage(parsing: part.content) }
            return nil
        }.first
        let type = fields["Feedback-Type"].map { ByteScanning.trimmed($0).lowercased() } ?? "other"
        return FeedbackReport(feedbackType: type, fields: fields, originalMessage: original)
    }
}
