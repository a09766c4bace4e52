import Foundation

/// A mail message in the kernel's terms: what the mail connector read from a MIME message (or
/// what Patron sent), ready to become part of a ticket.
public struct MailMessage: Hashable, Sendable {
    /// What kind of mail it is; decides what it may do to tickets and consent.
    public enum Kind: Hashable, Sendable {
        /// A person's mail: opens, joins or reopens a ticket.
        case message
        /// An automatic answer (out of office, `Auto-Submitted`, …): on the timeline only; it never
        /// opens or reopens a ticket and is never answered.
        case autoReply
        /// A delivery-status report: the failed recipients' email consent becomes `bounced`.
        case bounce(failed: [String])
        /// An abuse report (ARF): the complaining recipients are unsubscribed.
        case complaint(recipients: [String])
    }

    /// In from a customer, or out from the shop.
    public enum Direction: String, Hashable, Sendable, Codable {
        case inbound, outbound
    }

    /// Without angle brackets. Also the guard against storing one message twice.
    public var messageID: String
    public var inReplyTo: [String]
    public var references: [String]
    /// The sender's address (normalised by the kernel), if any.
    public var from: String?
    public var fromName: String?
    public var to: [String]
    public var subject: String
    /// When it was sent (its `Date`, else when it was received), seconds since the epoch.
    public var sentAt: Int64
    /// The readable text (plain text preferred, HTML turned into text otherwise).
    public var body: String
    public var attachments: [MailAttachmentInfo]
    public var kind: Kind
    public var direction: Direction
    public var priority: TicketPriority
    /// What the parser could not read cleanly (kept with the message).
    public var warnings: [String]

    public init(
        messageID: String, inReplyTo: [String] = [], references: [String] = [], from: String?,
        fromName: String? = nil, to: [String] = [], subject: String, sentAt: Int64, body: String,
        attachments: [MailAttachmentInfo] = [], kind: Kind = .message, direction: Direction = .inbound,
        priority: TicketPriority = .normal, warnings: [String] = []
    ) {
        self.messageID = messageID
        self.inReplyTo = inReplyTo
        self.references = references
        self.from = from
        self.fromName = fromName
        self.to = to
        self.subject = subject
        self.sentAt = sentAt
        self.body = body
        self.attachments = attachments
        self.kind = kind
        self.direction = direction
        self.priority = priority
        self.warnings = warnings
    }

    /// The ticket number a subject names with a token such as `[#T-1042]`.
    public static func ticketNumber(inSubject subject: String) -> Int64? {
        var rest = Substring(subject)
        while let start = rest.range(of: "[#T-") {
            let digits = rest[start.upperBound...].prefix { $0.isASCII && $0.isNumber }
            if !digits.isEmpty, rest[digits.endIndex...].hasPrefix("]"), let number = Int64(digits) {
                return number
            }
            rest = rest[start.upperBound...]
        }
        return nil
    }
}

/// An attachment, kept as metadata only.
public struct MailAttachmentInfo: Hashable, Sendable, Codable {
    public var name: String?
    public var type: String
    public var size: Int

    public init(name: String?, type: String, size: Int) {
        self.name = name
        self.type = type
        self.size = size
    }
}

/// How far a mailbox has been read: its `UIDVALIDITY` and the last UID stored. Advanced in the
/// same transaction as the message it follows, so a crash never loses or doubles one.
public struct MailboxCursor: Hashable, Sendable {
    /// Which mailbox (`imap://host:port/INBOX` for a user).
    public var key: String
    public var uidValidity: UInt32
    public var lastUID: UInt32

    public init(key: String, uidValidity: UInt32, lastUID: UInt32) {
        self.key = key
        self.uidValidity = uidValidity
        self.lastUID = lastUID
    }
}

/// A message as the store keeps it, on a ticket and the customer's timeline.
public struct StoredMessage: Hashable, Sendable {
    public var messageID: String
    public var ticketID: TicketID?
    public var customerID: CustomerID?
    public var direction: MailMessage.Direction
    /// `message`, `auto_reply`, `bounce`, `complaint`.
    public var kind: String
    public var sender: String?
    public var recipients: [String]
    public var subject: String
    public var body: String
    public var attachments: [MailAttachmentInfo]
    public var sentAt: Int64

    public init(
        messageID: String, ticketID: TicketID?, customerID: CustomerID?, direction: MailMessage.Direction,
        kind: String, sender: String?, recipients: [String], subject: String, body: String,
        attachments: [MailAttachmentInfo], sentAt: Int64
    ) {
        self.messageID = messageID
        self.ticketID = ticketID
        self.customerID = customerID
        self.direction = direction
        self.kind = kind
        self.sender = sender
        self.recipients = recipients
        self.subject = subject
        self.body = body
        self.attachments = attachments
        self.sentAt = sentAt
    }
}

/// What a message did.
public enum MailOutcome: Hashable, Sendable {
    case newTicket(TicketID)
    case joined(TicketID)
    case reopened(TicketID)
    /// Recorded on the timeline (and on its ticket, if it threads into one); nothing else.
    case autoReply(TicketID?)
    /// These recipients' email consent is now `bounced` (those Patron knows).
    case bounce([String])
    /// These recipients are unsubscribed.
    case complaint([String])
    /// The shop's answer, on its ticket.
    case outbound(TicketID?)
    /// No sender address: kept, but no ticket.
    case unattributed
    /// A Message-ID already stored.
    case duplicate
    /// A reply that is a bare score to an NPS or CSAT survey mail: recorded as the answer
    /// (this key), no ticket.
    case surveyAnswer(String)
}
