import Foundation
import GRDB
import PatronCore

/// The reads and records the HTTP API needs: pages in id order, single rows by id, moves, the
/// audit log, ignored webhook deliveries.
extension SQLiteStore: RecordPages {
    /// Orders in id order after `after`, optionally of one customer.
    public func orders(customer: CustomerID?, after: Int64, limit: Int) throws -> [OrderRecord] {
        try read { t in
            try t.fetchRows(
                "SELECT \(SQLiteTransaction.orderColumns) FROM orders WHERE id > ? AND (? IS NULL OR customer_id = ?) "
                    + "ORDER BY id LIMIT ?", [after, customer?.rawValue, customer?.rawValue, limit]
            ).map(t.order(from:))
        }
    }

    /// One order by the store's id.
    public func order(id: OrderID) throws -> OrderRecord? {
        try read { t in
            try t.fetchRows("SELECT \(SQLiteTransaction.orderColumns) FROM orders WHERE id = ?", [id.rawValue])
                .first.map(t.order(from:))
        }
    }

    /// Carts in id order after `after`, optionally of one customer or in one status.
    public func carts(customer: CustomerID?, status: CartStatus?, after: Int64, limit: Int) throws -> [CartRecord] {
        try read { t in
            try t.fetchRows(
                "SELECT \(SQLiteTransaction.cartColumns) FROM carts WHERE id > ? AND (? IS NULL OR customer_id = ?) "
                    + "AND (? IS NULL OR status = ?) ORDER BY id LIMIT ?",
                [after, customer?.rawValue, customer?.rawValue, status?.rawValue, status?.rawValue, limit]
            ).map(SQLiteTransaction.cart(from:))
        }
    }

    /// One cart by the store's id.
    public func cart(id: CartID) throws -> CartRecord? {
        try read { t in
            try t.fetchRows("SELECT \(SQLiteTransaction.cartColumns) FROM carts WHERE id = ?", [id.rawValue])
                .first.map(SQLiteTransaction.cart(from:))
        }
    }

    /// Tickets in id order after `after`, optionally of one customer or in one status.
    public func tickets(customer: CustomerID?, status: TicketStatus?, after: Int64, limit: Int) throws
        -> [TicketRecord]
    {
        try read { t in
            try t.fetchRows(
                "SELECT \(SQLiteTransaction.ticketColumns) FROM tickets WHERE id > ? "
                    + "AND (? IS NULL OR customer_id = ?) AND (? IS NULL OR status = ?) ORDER BY id LIMIT ?",
                [after, customer?.rawValue, customer?.rawValue, status?.rawValue, status?.rawValue, limit]
            ).map(SQLiteTransaction.ticket(from:))
        }
    }

    /// A ticket's messages, oldest first.
    public func messages(ofTicket ticket: TicketID) throws -> [StoredMessage] {
        try read { try $0.messages(ofTicket: ticket) }
    }

    /// One ticket by the store's id.
    public func ticket(id: TicketID) throws -> TicketRecord? {
        try read { t in
            try t.fetchRows("SELECT \(SQLiteTransaction.ticketColumns) FROM tickets WHERE id = ?", [id.rawValue])
                .first.map(SQLiteTransaction.ticket(from:))
        }
    }

    /// The customer's RFM moves (between saved snapshots) and saved-segment entries and exits.
    public func segmentMoves(of customer: CustomerID) throws -> [SegmentTransition] {
        try read { t in
            let rfm = try t.fetchRows(
                "SELECT from_segment, to_segment, moved_at FROM segment_moves WHERE customer_id = ? ORDER BY id",
                [customer.rawValue]
            ).map { SegmentTransition(segment: "rfm", from: $0[0], to: $0[1], at: $0[2]) }
            let saved = try t.fetchRows(
                "SELECT segment, change, at FROM segment_membership_changes WHERE customer_id = ? ORDER BY id",
                [customer.rawValue]
            ).map { row -> SegmentTransition in
                let entered = (row[1] as String) == "entered"
                return SegmentTransition(
                    segment: row[0], from: entered ? nil : row[0], to: entered ? row[0] : nil, at: row[2])
            }
            return rfm + saved
        }
    }

    /// The customer's scores in the newest saved RFM snapshot.
    public func rfmScore(of customer: CustomerID) throws -> StoredRFMScore? {
        try read { t in
            try t.fetchRows(
                "SELECT s.as_of, r.r, r.f, r.m, r.segment FROM rfm_snapshot_rows r JOIN rfm_snapshots s "
                    + "ON s.id = r.snapshot_id WHERE r.snapshot_id = (SELECT max(id) FROM rfm_snapshots) "
                    + "AND r.customer_id = ?", [customer.rawValue]
            ).first.map { StoredRFMScore(asOf: $0[0], r: $0[1], f: $0[2], m: $0[3], segment: $0[4]) }
        }
    }

    /// The newest audit entries first (documents included only when asked).
    public func auditLog(limit: Int, documents: Bool = false) throws -> [AuditEntry] {
        try writer.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT id, at, action, subject, actor, detail, \(documents ? "document" : "NULL") "
                    + "FROM audit_log ORDER BY id DESC LIMIT ?", arguments: [limit]
            ).map {
                AuditEntry(
                    id: $0[0], at: $0[1], action: $0[2], subject: $0[3], actor: $0[4], detail: $0[5], document: $0[6])
            }
        }
    }

    /// One audit entry with its document.
    public func auditEntry(id: Int64) throws -> AuditEntry? {
        try writer.read { db in
            try Row.fetchOne(
                db, sql: "SELECT id, at, action, subject, actor, detail, document FROM audit_log WHERE id = ?",
                arguments: [id]
            ).map {
                AuditEntry(
                    id: $0[0], at: $0[1], action: $0[2], subject: $0[3], actor: $0[4], detail: $0[5], document: $0[6])
            }
        }
    }

    /// Records a delivery of a topic Patron does not act on (once per delivery id).
    public func recordIgnoredDelivery(_ deliveryID: String, topic: String, at: Int64) throws {
        try writer.write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO ignored_deliveries(delivery_id, topic, received_at) VALUES (?, ?, ?)",
                arguments: [deliveryID, topic, at])
        }
    }

    /// Ignored deliveries per topic.
    public func ignoredDeliveries() throws -> [IgnoredTopic] {
        try writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT topic, count(*) FROM ignored_deliveries GROUP BY topic ORDER BY topic"
            ).map { IgnoredTopic(topic: $0[0], count: $0[1]) }
        }
    }

    /// The ids of every customer with a ref from `source` (what a shop's redaction erases).
    public func customers(withRefsFrom source: String) throws -> [CustomerID] {
        try read { try $0.customerIDs(withRefsFrom: source) }
    }
}

extension SQLiteStore: AuditLog, DeliveryLedger {}
