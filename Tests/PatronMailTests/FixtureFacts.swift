import Foundation
import Testing

@testable import PatronMail

/// What must be true of one fixture message. Every field is checked: `nil` means "absent".
struct FixtureFacts: Sendable {
    /// The decoded subject.
    var subject: String?
    /// The From address (domain lowercased).
    var from: String?
    /// The attachment file names, in order.
    var attachments: [String?] = []
    var autoReply = false
    /// The failed recipients of a bounce; `nil` when the message must not be a bounce.
    var bounce: [String]?
    /// The ARF feedback type; `nil` when the message must not be a feedback report.
    var feedbackType: String?
    /// A phrase the decoded body text must contain.
    var bodyContains: String?
    /// The kinds of warning the parser must report (exactly).
    var warnings: Set<MIMEParseWarning.Kind> = []
    /// Further fixture-specific checks.
    var check: (@Sendable (MIMEMessage) -> Void)?

    func verify(_ message: MIMEMessage, _ name: String) {
        #expect(message.subject == subject, "subject of \(name)")
        #expect(message.from?.address == from, "from of \(name)")
        #expect(message.attachments.map(\.filename) == attachments, "attachments of \(name)")
        #expect(message.isAutoReply == autoReply, "isAutoReply of \(name)")
        #expect(message.deliveryStatus?.failedRecipients == bounce, "bounce recipients of \(name)")
        #expect(message.feedbackReport?.feedbackType == feedbackType, "feedback report of \(name)")
        if let bodyContains {
            #expect(message.bodyText.contains(bodyContains), "body of \(name): \(message.bodyText.prefix(200))")
        }
        #expect(Set(message.warnings.map(\.kind)) == warnings, "warnings of \(name): \(message.warnings)")
        check?(message)
    }
}
