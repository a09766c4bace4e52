import Foundation
import PatronCore

/// Reads new mail from an IMAP mailbox into a store: `UID SEARCH` above the stored cursor, each
/// message fetched, parsed, threaded and stored with the cursor advanced in the same
/// transaction. `UIDVALIDITY` changing resets the cursor (the Message-ID guard then keeps
/// already-stored messages from doubling).
public struct MailFetcher<S: Store> {
    public let client: IMAPClient
    public let store: S
    /// Where the cursor is kept: `imap://host:port/user/mailbox`.
    public let key: String
    /// `\Seen` on each processed message.
    public var markSeen = false
    /// Move each processed message to this folder.
    public var moveTo: String?
    public var clock: () -> Int64 = { Int64(Date().timeIntervalSince1970) }

    public init(client: IMAPClient, store: S, key: String) {
        self.client = client
        self.store = store
        self.key = key
    }

    /// What one pass did.
    public struct Report: Sendable, CustomStringConvertible {
        public var fetched = 0
        public var newTickets = 0
        public var joined = 0
        public var autoReplies = 0
        public var bounces = 0
        public var complaints = 0
        public var duplicates = 0
        public var other = 0
        /// UID and reason for every message skipped (over the size limit).
        public var skipped: [(uid: UInt32, reason: String)] = []
        public var bytes = 0

        public var description: String {
            "\(fetched) fetched: \(newTickets) new tickets, \(joined) joined, \(autoReplies) auto-replies, "
                + "\(bounces) bounces, \(complaints) complaints, \(duplicates) already stored, \(other) other; "
                + "\(skipped.count) skipped"
        }
    }

    /// The message's bytes; `nil` (recorded in the report, cursor advanced) when it is over the
    /// size limit.
    func fetch(_ uid: UInt32, cursor: MailboxCursor, report: inout Report) throws -> [UInt8]? {
        let result = Result { () throws(MailTransportError) -> [UInt8] in try client.fetch(uid: uid) }
        switch result {
        case .success(let raw):
            return raw
        case .failure(let error) where error.code == .tooLarge:
            report.skipped.append((uid, error.message))
            try store.write { try $0.setMailboxCursor(cursor) }
            return nil
        case .failure(let error):
            throw error
        }
    }

    /// One pass over the mailbox. Transport errors are thrown (see `MailTransportError.isTransient`).
    public func fetchOnce(limit: Int = .max) throws -> Report {
        var report = Report()
        let status = try client.status()
        var cursor = try store.read { try $0.mailboxCursor(key: key) }
        if cursor?.uidValidity != status.uidValidity {
            cursor = MailboxCursor(key: key, uidValidity: status.uidValidity, lastUID: 0)
        }
        guard var cursor else { return report }
        for uid in try client.search(uidsAbove: cursor.lastUID).prefix(limit) {
            cursor.lastUID = uid
            guard let raw = try fetch(uid, cursor: cursor, report: &report) else { continue }
            let mail = MailMessage(mime: MIMEMessage(parsing: raw), raw: raw, receivedAt: clock())
            let outcome = try Ingestor(store: store).receive(mail, cursor: cursor)
            report.fetched += 1
            report.bytes += raw.count
            switch outcome {
            case .newTicket: report.newTickets += 1
            case .joined, .reopened: report.joined += 1
            case .autoReply: report.autoReplies += 1
            case .bounce: report.bounces += 1
            case .complaint: report.complaints += 1
            case .duplicate: report.duplicates += 1
            case .outbound, .unattributed: report.other += 1
            }
            if markSeen { try client.markSeen(uid: uid) }
            if let moveTo { try client.move(uid: uid, to: moveTo) }
        }
        return report
    }
}
