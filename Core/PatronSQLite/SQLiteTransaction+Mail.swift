import Foundation
import GRDB
import PatronCore
import PatronSQL

/// Mail messages and mailbox cursors.
extension SQLiteTransaction {
    static let messageColumns = """
        message_id, ticket_id, customer_id, direction, kind, sender, recipients, subject, body, attachments, sent_at
        """

    public func ticketID(messageIDs: [String]) throws -> TicketID? {
        for id in messageIDs {
            if let ticket = try fetchInt(
                "SELECT ticket_id FROM messages WHERE message_id = ? AND ticket_id IS NOT NULL", [id])
            {
                return TicketID(ticket)
            }
        }
        return nil
    }

    public func insertMessage(_ message: StoredMessage) throws {
        let attachments = StoredColumns.encode(message.attachments)
        try run(
            "INSERT OR IGNORE INTO messages(\(Self.messageColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                message.messageID, message.ticketID?.rawValue, message.customerID?.rawValue,
                message.direction.rawValue, message.kind, message.sender,
                StoredColumns.encode(words: message.recipients), message.subject, message.body, attachments,
                message.sentAt,
            ])
    }

    public func messages(of customer: CustomerID) throws -> [StoredMessage] {
        try fetchRows(
            "SELECT \(Self.messageColumns) FROM messages WHERE customer_id = ? ORDER BY sent_at, id",
            [customer.rawValue]
        ).map(Self.message(from:))
    }

    /// One message by its Message-ID.
    public func message(messageID: String) throws -> StoredMessage? {
        try fetchRows("SELECT \(Self.messageColumns) FROM messages WHERE message_id = ?", [messageID]).first
            .map(Self.message(from:))
    }

    /// The messages of a ticket, oldest first.
    public func messages(ofTicket ticket: TicketID) throws -> [StoredMessage] {
        try fetchRows(
            "SELECT \(Self.messageColumns) FROM messages WHERE ticket_id = ? ORDER BY sent_at, id", [ticket.rawValue]
        ).map(Self.message(from:))
    }

    static func message(from row: Row) -> StoredMessage {
        let recipients: String = row[6]
        let attachments: String = row[9]
        return StoredMessage(
            messageID: row[0], ticketID: (row[1] as Int64?).map { TicketID($0) },
            customerID: (row[2] as Int64?).map { CustomerID($0) },
            direction: MailMessage.Direction(rawValue: row[3]) ?? .inbound, kind: row[4], sender: row[5],
            recipients: StoredColumns.decodeWords(recipients),
            subject: row[7], body: row[8],
            attachments: StoredColumns.decodeAttachments(attachments),
            sentAt: row[10])
    }

    public func eraseMessages(of customer: CustomerID) throws {
        try run(
            "UPDATE messages SET sender = NULL, recipients = '', subject = '', body = '', attachments = '[]' "
                + "WHERE customer_id = ?", [customer.rawValue])
    }

    public func mailboxCursor(key: String) throws -> MailboxCursor? {
        try fetchRows("SELECT uid_validity, last_uid FROM mailboxes WHERE key = ?", [key]).first.map {
            MailboxCursor(key: key, uidValidity: UInt32($0[0] as Int64), lastUID: UInt32($0[1] as Int64))
        }
    }

    public func setMailboxCursor(_ cursor: MailboxCursor) throws {
        try run(
            "INSERT INTO mailboxes(key, uid_validity, last_uid) VALUES (?, ?, ?) "
                + "ON CONFLICT(key) DO UPDATE SET uid_validity = excluded.uid_validity, last_uid = excluded.last_uid",
            [cursor.key, Int64(cursor.uidValidity), Int64(cursor.lastUID)])
    }
}

extension SQLiteTransaction {
    public func recordAudit(_ entry: AuditEntry) throws -> Int64 {
        try run(
            "INSERT INTO audit_log(at, action, subject, actor, detail, document) VALUES (?, ?, ?, ?, ?, ?)",
            [entry.at, entry.action, entry.subject, entry.actor, entry.detail, entry.document])
        return db.lastInsertedRowID
    }

    public func customerIDs(withRefsFrom source: String) throws -> [CustomerID] {
        try Int64.fetchAll(
            db, sql: "SELECT DISTINCT customer_id FROM customer_refs WHERE source = ? ORDER BY customer_id",
            arguments: [source]
        ).map { CustomerID($0) }
    }
}
