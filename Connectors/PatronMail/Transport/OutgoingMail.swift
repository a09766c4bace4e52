/// A message to send, before it is written out: addresses, subject, plain-text body and the
/// headers that say how it relates to other mail.
public struct OutgoingMail: Sendable {
    /// The author, and the SMTP envelope sender.
    public var from: MailAddress
    /// The primary recipients.
    public var to: [MailAddress]
    /// Copy recipients (they receive it and are named in the header).
    public var cc: [MailAddress]
    /// The subject; non-ASCII text is RFC 2047 encoded when written.
    public var subject: String
    /// The plain-text body (any line ends; written as CRLF, UTF-8, quoted-printable).
    public var body: String
    /// The Message-ID (without angle brackets) this message answers.
    public var inReplyTo: String?
    /// The thread's Message-IDs, oldest first, without angle brackets.
    public var references: [String]
    /// Marks mail sent by software, not a person (`Auto-Submitted: auto-generated`, RFC 3834),
    /// so that auto-responders do not answer it.
    public var isAutomatic: Bool
    /// Unsubscribe links for campaign mail (RFC 2369 / RFC 8058).
    public var listUnsubscribe: ListUnsubscribe?

    /// Creates a message.
    public init(
        from: MailAddress, to: [MailAddress], cc: [MailAddress] = [], subject: String, body: String,
        inReplyTo: String? = nil, references: [String] = [], isAutomatic: Bool = false,
        listUnsubscribe: ListUnsubscribe? = nil
    ) {
        self.from = from
        self.to = to
        self.cc = cc
        self.subject = subject
        self.body = body
        self.inReplyTo = inReplyTo
        self.references = references
        self.isAutomatic = isAutomatic
        self.listUnsubscribe = listUnsubscribe
    }

    /// A reply to `original`: addressed to its Reply-To (or From), `Re:` subject, and
    /// In-Reply-To / References that keep it in the same thread (RFC 5322 §3.6.4).
    public static func reply(
        to original: MIMEMessage, from: MailAddress, body: String, isAutomatic: Bool = false
    ) -> OutgoingMail {
        let recipients = original.replyTo.isEmpty ? original.from.map { [$0] } ?? [] : original.replyTo
        let subject = original.subject ?? ""
        let replySubject = subject.lowercased().hasPrefix("re:") ? subject : "Re: \(subject)"
        var references = original.references
        if references.isEmpty { references = Array(original.inReplyTo.prefix(1)) }
        if let id = original.messageID { references.append(id) }
        return OutgoingMail(
            from: from, to: recipients, subject: replySubject, body: body, inReplyTo: original.messageID,
            references: references, isAutomatic: isAutomatic)
    }
}

/// Where a recipient can unsubscribe from campaign mail.
public struct ListUnsubscribe: Sendable, Hashable {
    /// An HTTPS URL that unsubscribes on a POST (RFC 8058 one-click) when `oneClick` is set.
    public var url: String?
    /// A mail address that unsubscribes whoever writes to it.
    public var mailto: String?
    /// Whether `url` accepts `List-Unsubscribe=One-Click` POSTs (adds `List-Unsubscribe-Post`).
    public var oneClick: Bool

    /// Creates unsubscribe links; at least one of `url` and `mailto` should be given.
    public init(url: String? = nil, mailto: String? = nil, oneClick: Bool = true) {
        self.url = url
        self.mailto = mailto
        self.oneClick = oneClick
    }
}
