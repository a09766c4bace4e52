import Foundation
import PatronCore
import PatronSQL
import PostgresNIO

/// Mail messages and mailbox cursors.
extension PostgresTransaction {
    static let messageColumns = """
        message_id, ticket_id, customer_id, direction, kind, sender, recipients, subject, body, attachments, sent_at
        """

    public func ticketID(messageIDs: [String]) throws -> TicketID? {
        guard !messageIDs.isEmpty else { return nil }
        // The first of the ids (in the order given) that has a ticket.
        return try session.value(
            Int64.self,
            """
            SELECT m.ticket_id FROM unnest(\(messageIDs)::text[]) WITH ORDINALITY AS wanted(message_id, place)
            JOIN messages m ON m.message_id = wanted.message_id
            WHERE m.ticket_id IS NOT NULL ORDER BY wanted.place LIMIT 1
            """
        ).map { TicketID($0) }
    }

    public func insertMessage(_ message: StoredMessage) throws {
        try session.execute(
            """
            INSERT INTO messages(\(unescaped: Self.messageColumns))
            VALUES (\(message.messageID), \(message.ticketID?.rawValue), \(message.customerID?.rawValue),
                    \(message.direction.rawValue), \(message.kind), \(message.sender),
                    \(StoredColumns.encode(words: message.recipients)), \(message.subject), \(message.body),
                    \(StoredColumns.encode(message.attachments)), \(message.sentAt))
            ON CONFLICT (message_id) DO NOTHING
            """)
    }

    public func messages(of customer: CustomerID) throws -> [StoredMessage] {
        try session.rows(
            """
            SELECT \(unescaped: Self.messageColumns) FROM messages WHERE customer_id = \(customer.rawValue)
            ORDER BY sent_at, id
            """
        ).map(Self.message(from:))
    }

    /// The messages of a ticket, oldest first.
    public func messages(ofTicket ticket: TicketID) throws -> [StoredMessage] {
        try session.rows(
            """
            SELECT \(unescaped: Self.messageColumns) FROM messages WHERE ticket_id = \(ticket.rawValue)
            ORDER BY sent_at, id
            """
        ).map(Self.message(from:))
    }

    static func message(from row: PostgresRow) throws -> StoredMessage {
        let r = PostgresRowReader(row)
        return StoredMessage(
            messageID: try r.text(0), ticketID: try r.optionalInt(1).map { TicketID($0) },
            customerID: try r.optionalInt(2).map { CustomerID($0) },
            direction: MailMessage.Direction(rawValue: try r.text(3)) ?? .inbound, kind: try r.text(4),
            sender: try r.optionalText(5), recipients: StoredColumns.decodeWords(try r.text(6)),
            subject: try r.text(7), body: try r.text(8),
            attachments: StoredColumns.decodeAttachments(try r.text(9)), sentAt: try r.int(10))
    }

    public func eraseMessages(of customer: CustomerID) throws {
        try session.execute(
            """
            UPDATE messages SET sender = NULL, recipients = '', subject = '', body = '', attachments = '[]'
            WHERE customer_id = \(customer.rawValue)
            """)
    }

    public func mailboxCursor(key: String) throws -> MailboxCursor? {
        guard let row = try session.rows("SELECT uid_validity, last_uid FROM mailboxes WHERE key = \(key)").first
        else { return nil }
        let r = PostgresRowReader(row)
        return MailboxCursor(key: key, uidValidity: UInt32(try r.int(0)), lastUID: UInt32(try r.int(1)))
    }

    public func setMailboxCursor(_ cursor: MailboxCursor) throws {
        try session.execute(
            """
            INSERT INTO mailboxes(key, uid_validity, last_uid)
            VALUES (\(cursor.key), \(Int64(cursor.uidValidity)), \(Int64(cursor.lastUID)))
            ON CONFLICT (key) DO UPDATE SET uid_validity = excluded.uid_validity, last_uid = excluded.last_uid
            """)
    }
}
