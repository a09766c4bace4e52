import Foundation
import PatronCore

/// Reads new mail from an IMAP mailbox into a store: `UID SEARCH` above the stored cursor, each
/// message fetched, parsed into a `mail.received` event (the one ``MailFiles`` yields for the
/// same bytes), applied with the cursor advanced in the same transaction. `UIDVALIDITY` changing resets the cursor (the Message-ID guard then keeps
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

        mutating func count(_ outcome: MailOutcome, bytes size: Int) {
            fetched += 1
            bytes += size
            switch outcome {
            case .newTicket: newTickets += 1
            case .joined, .reopened: joined += 1
            case .autoReply: autoReplies += 1
            case .bounce: bounces += 1
            case .complaint: complaints += 1
            case .duplicate: duplicates += 1
            case .outbound, .unattributed, .surveyAnswer: other += 1
            }
        }

        public var description: String {
            "\(fetched) fetched: \(newTickets) new tickets, \(joined) joined, \(autoReplies) auto-replies, "
                + "\(bounces) bounces, \(complaints) complaints, \(duplicates) already stored, \(other) other; "
                + "\(skipped.count) skipped"
        }
    }

    /// Messages per round of summaries.
    static var batch: Int { 200 }

    /// One pass over the mailbox. Transport errors are thrown (see `MailTransportError.isTransient`).
    public func fetchOnce(limit: Int = .max) throws -> Report {
        var report = Report()
        let status = try client.status()
        var cursor = try store.read { try $0.mailboxCursor(key: key) }
        if cursor?.uidValidity != status.uidValidity {
            cursor = MailboxCursor(key: key, uidValidity: status.uidValidity, lastUID: 0)
        }
        guard var cursor else { return report }
        guard status.uidNext > cursor.lastUID + 1 else { return report }
        let uids = try client.search(uids: (cursor.lastUID + 1)...(status.uidNext - 1)).prefix(limit)
        // Batches: sizes and flags in one round trip, then one per message, then flags back.
        var start = uids.startIndex
        while start < uids.endIndex {
            let batch = uids[start..<min(start + Self.batch, uids.endIndex)]
            start = batch.endIndex
            let summaries = try client.summaries(uids: batch.first!...batch.last!)
            var processed: [UInt32] = []
            for uid in batch {
                cursor.lastUID = uid
                if summaries.tooLarge.contains(uid) {
                    let reason = "over the limit of \(client.maximumMessageSize) bytes; not downloaded"
                    report.skipped.append((uid, reason))
                    // Recorded where ops look (the message store), with the cursor moved past it.
                    try store.write { t in
                        try t.insertMessage(
                            StoredMessage(
                                messageID: "skipped:\(key):\(cursor.uidValidity):\(uid)", ticketID: nil,
                                customerID: nil,
                                direction: .inbound, kind: "skipped", sender: nil, recipients: [], subject: "",
                                body: reason,
                                attachments: [], sentAt: clock()))
                        try t.setMailboxCursor(cursor)
                    }
                    continue
                }
                let raw: [UInt8]
                switch Result(catching: { () throws(MailTransportError) in try client.body(uid: uid) }) {
                case .success(let bytes): raw = bytes
                case .failure(let error) where error.code == .notFound: continue  // expunged meanwhile
                case .failure(let error): throw error
                }
                // The same `mail.received` event as ``MailFiles`` yields, applied with the cursor.
                let event = IngestEvent.mailReceived(
                    MailMessage(mime: MIMEMessage(parsing: raw), raw: raw, receivedAt: clock()),
                    origin: InputLocation(file: key, line: Int(uid)))
                let outcome = try Ingestor(store: store).receive(event, cursor: cursor)
                report.count(outcome, bytes: raw.count)
                if summaries.unseen.contains(uid) { processed.append(uid) }
                if let moveTo { try client.move(uid: uid, to: moveTo) }
            }
            // Reading set \Seen: clear it again unless asked to keep it (a crash before this
            // leaves the flag set; the messages themselves are stored).
            if moveTo == nil { try client.setSeen(markSeen, uids: markSeen ? Array(batch) : processed) }
        }
        return report
    }
}
