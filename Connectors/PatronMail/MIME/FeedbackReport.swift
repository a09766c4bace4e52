import Foundation
import PatronCore

/// An abuse or complaint report in the Abuse Reporting Format (ARF, RFC 5965): a
/// `multipart/report; report-type=feedback-report` sent by a mailbox provider's feedback loop.
public struct FeedbackReport: Sendable {
    /// The Feedback-Type, lowercased: `abuse`, `fraud`, `virus`, `not-spam`, `other` …
    public let feedbackType: String
    /// Every field of the machine-readable part, in order.
    public let fields: MIMEHeaders
    /// The reported message (from the `message/rfc822` or `text/rfc822-headers` part), if included.
    public let originalMessage: MIMEMessage?

    /// Creates a report.
    public init(feedbackType: String, fields: MIMEHeaders, originalMessage: MIMEMessage?) {
        self.feedbackType = feedbackType
        self.fields = fields
        self.originalMessage = originalMessage
    }

    /// The User-Agent of the reporting software.
    public var userAgent: String? { fields["User-Agent"] }
    /// The Source-IP of the reported message.
    public var sourceIP: String? { fields["Source-IP"] }
    /// The Reported-Domain fields.
    public var reportedDomains: [String] { fields.all(named: "Reported-Domain").map(\.rawValue) }
    /// The Original-Mail-From address, if reported.
    public var originalMailFrom: String? { ReportFieldBlocks.address(fields["Original-Mail-From"]) }
    /// When the reported message arrived (Arrival-Date, or the older Received-Date).
    public var arrivalDate: Date? {
        (fields["Arrival-Date"] ?? fields["Received-Date"]).flatMap(RFC5322Date.parse)
    }

    /// Who complained: the Original-Rcpt-To fields, else the To addresses of the reported message.
    /// Providers often redact these; a redacted address has no domain or a placeholder local part.
    public var originalRecipients: [String] {
        let reported = fields.all(named: "Original-Rcpt-To").compactMap { ReportFieldBlocks.address($0.rawValue) }
        if !reported.isEmpty { return reported }
        return originalMessage?.to.map(\.address) ?? []
    }
}
