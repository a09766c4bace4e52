import Foundation
import PatronCore

extension MIMEMessage {
    /// The Subject, RFC 2047 decoded, with runs of whitespace (from folding) collapsed.
    public var subject: String? {
        guard let field = headers.first(named: "Subject") else { return nil }
        return field.decodedValue.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// The first author in From.
    public var from: MailAddress? { addresses(in: "From").first }
    /// All addresses in To, groups flattened.
    public var to: [MailAddress] { addresses(in: "To") }
    /// All addresses in Cc, groups flattened.
    public var cc: [MailAddress] { addresses(in: "Cc") }
    /// All addresses in Reply-To.
    public var replyTo: [MailAddress] { addresses(in: "Reply-To") }

    /// The Message-ID without angle brackets.
    public var messageID: String? {
        headers["Message-ID"].flatMap { MessageIDList.parse($0).first }
    }

    /// The identifiers in In-Reply-To, without angle brackets.
    public var inReplyTo: [String] {
        headers["In-Reply-To"].map(MessageIDList.parse) ?? []
    }

    /// The identifiers in References, oldest first, without angle brackets.
    public var references: [String] {
        headers["References"].map(MessageIDList.parse) ?? []
    }

    /// The Date header, parsed forgivingly (obsolete zones, missing seconds, no day name).
    public var date: Date? {
        headers["Date"].flatMap(RFC5322Date.parse)
    }

    /// Every address in every field with this name (e.g. `"Resent-To"`).
    public func addresses(in fieldName: String) -> [MailAddress] {
        headers.all(named: fieldName).flatMap { MailAddress.parseList($0.rawValue) }
    }
}
