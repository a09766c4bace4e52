import Foundation

/// Writes `OutgoingMail` as an RFC 5322 message ready for SMTP: UTF-8 plain text in
/// quoted-printable, RFC 2047 header text, CRLF line ends, a fresh Message-ID.
public struct MailComposer: Sendable {
    /// The right-hand side of generated Message-IDs (`<random@domain>`), normally the
    /// sending domain.
    public var messageIDDomain: String

    /// Creates a composer whose Message-IDs end in `@messageIDDomain`.
    public init(messageIDDomain: String) {
        self.messageIDDomain = messageIDDomain
    }

    /// Writes the message. `date` and `messageID` are parameters so tests can pin them.
    public func compose(_ mail: OutgoingMail, date: Date = Date(), messageID: String? = nil) -> ComposedMail {
        let id = messageID ?? "\(UUID().uuidString.lowercased())@\(messageIDDomain)"
        var headers: [(String, String)] = [
            ("Date", Self.rfc5322Date(date)),
            ("From", Self.addressList([mail.from])),
            ("To", Self.addressList(mail.to)),
        ]
        if !mail.cc.isEmpty { headers.append(("Cc", Self.addressList(mail.cc))) }
        headers.append(("Subject", MIMEEncoding.headerText(mail.subject)))
        headers.append(("Message-ID", "<\(id)>"))
        if let parent = mail.inReplyTo { headers.append(("In-Reply-To", "<\(parent)>")) }
        if !mail.references.isEmpty {
            headers.append(("References", mail.references.map { "<\($0)>" }.joined(separator: "\r\n ")))
        }
        if mail.isAutomatic { headers.append(("Auto-Submitted", "auto-generated")) }
        if let unsubscribe = mail.listUnsubscribe {
            let links = [unsubscribe.url, unsubscribe.mailto.map { "mailto:\($0)" }].compactMap { $0 }
            headers.append(("List-Unsubscribe", links.map { "<\($0)>" }.joined(separator: ",\r\n ")))
            if unsubscribe.oneClick, unsubscribe.url != nil {
                headers.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
            }
        }
        headers += [
            ("MIME-Version", "1.0"),
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Transfer-Encoding", "quoted-printable"),
        ]
        var text = headers.map { "\($0): \($1)\r\n" }.joined()
        text += "\r\n" + MIMEEncoding.quotedPrintable(mail.body) + "\r\n"
        return ComposedMail(
            messageID: id, bytes: Array(text.utf8), sender: mail.from.address,
            recipients: (mail.to + mail.cc).map(\.address))
    }

    /// `name <address>, …`, names encoded as needed, one address per folded line.
    static func addressList(_ addresses: [MailAddress]) -> String {
        addresses.map { address in
            guard let name = address.name else { return "<\(address.address)>" }
            return "\(MIMEEncoding.displayName(name)) <\(address.address)>"
        }.joined(separator: ",\r\n ")
    }

    /// `Tue, 01 Jul 2025 09:30:00 +0000`.
    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}
