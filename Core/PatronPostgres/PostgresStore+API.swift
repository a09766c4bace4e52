import Foundation
import PatronCore
import PostgresNIO

/// The reads and records the HTTP API needs: pages in id order, single rows by id, moves, the
/// audit log, ignored webhook deliveries, API keys.
extension PostgresStore: RecordPages, AuditLog, DeliveryLedger {
    public func orders(customer: CustomerID?, after: Int64, limit: Int) throws -> [OrderRecord] {
        try read { t in
            try t.orders(
                from: t.session.rows(
                    """
                    SELECT \(unescaped: PostgresTransaction.orderColumns) FROM orders
                    WHERE id > \(after) AND (\(customer?.rawValue)::bigint IS NULL OR customer_id = \(customer?.rawValue))
                    ORDER BY id LIMIT \(Int64(limit))
                    """))
        }
    }

    public func order(id: OrderID) throws -> OrderRecord? {
        try read { t in
            try t.orders(
                from: t.session.rows(
                    "SELECT \(unescaped: PostgresTransaction.orderColumns) FROM orders WHERE id = \(id.rawValue)")
            ).first
        }
    }

    public func carts(customer: CustomerID?, status: CartStatus?, after: Int64, limit: Int) throws -> [CartRecord] {
        try read { t in
            try t.session.rows(
                """
                SELECT \(unescaped: PostgresTransaction.cartColumns) FROM carts
                WHERE id > \(after) AND (\(customer?.rawValue)::bigint IS NULL OR customer_id = \(customer?.rawValue))
                  AND (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue))
                ORDER BY id LIMIT \(Int64(limit))
                """
            ).map(PostgresTransaction.cart(from:))
        }
    }

    public func cart(id: CartID) throws -> CartRecord? {
        try read { t in
            try t.session.rows(
                "SELECT \(unescaped: PostgresTransaction.cartColumns) FROM carts WHERE id = \(id.rawValue)"
            )
            .first.map(PostgresTransaction.cart(from:))
        }
    }

    public func tickets(customer: CustomerID?, status: TicketStatus?, after: Int64, limit: Int) throws
        -> [TicketRecord]
    {
        try read { t in
            try t.session.rows(
                """
                SELECT \(unescaped: PostgresTransaction.ticketColumns) FROM tickets
                WHERE id > \(after) AND (\(customer?.rawValue)::bigint IS NULL OR customer_id = \(customer?.rawValue))
                  AND (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue))
                ORDER BY id LIMIT \(Int64(limit))
                """
            ).map(PostgresTransaction.ticket(from:))
        }
    }

    public func messages(ofTicket ticket: TicketID) throws -> [StoredMessage] {
        try read { try $0.messages(ofTicket: ticket) }
    }

    public func ticket(id: TicketID) throws -> TicketRecord? {
        try read { try $0.ticket(id: id) }
    }

    public func segmentMoves(of customer: CustomerID) throws -> [SegmentTransition] {
        try read { t in
            let rfm = try t.session.rows(
                """
                SELECT from_segment, to_segment, moved_at FROM segment_moves
                WHERE customer_id = \(customer.rawValue) ORDER BY id
                """
            ).map { row in
                let r = PostgresRowReader(row)
                return SegmentTransition(
                    segment: "rfm", from: try r.optionalText(0), to: try r.optionalText(1), at: try r.int(2))
            }
            let saved = try t.session.rows(
                """
                SELECT segment, change, at FROM segment_membership_changes
                WHERE customer_id = \(customer.rawValue) ORDER BY id
                """
            ).map { row in
                let r = PostgresRowReader(row)
                let segment = try r.text(0)
                let entered = try r.text(1) == "entered"
                return SegmentTransition(
                    segment: segment, from: entered ? nil : segment, to: entered ? segment : nil, at: try r.int(2))
            }
            return rfm + saved
        }
    }

    public func rfmScore(of customer: CustomerID) throws -> StoredRFMScore? {
        try read { t in
            try t.session.rows(
                """
                SELECT s.as_of, r.r, r.f, r.m, r.segment FROM rfm_snapshot_rows r JOIN rfm_snapshots s
                  ON s.id = r.snapshot_id
                WHERE r.snapshot_id = (SELECT max(id) FROM rfm_snapshots) AND r.customer_id = \(customer.rawValue)
                """
            ).first.map { row in
                let r = PostgresRowReader(row)
                return StoredRFMScore(
                    asOf: try r.text(0), r: Int(try r.int(1)), f: Int(try r.int(2)), m: Int(try r.int(3)),
                    segment: try r.text(4))
            }
        }
    }

    public func auditLog(limit: Int, documents: Bool = false) throws -> [AuditEntry] {
        try read { t in
            try t.session.rows(
                """
                SELECT id, at, action, subject, actor, detail, \(unescaped: documents ? "document" : "NULL::text")
                FROM audit_log ORDER BY id DESC LIMIT \(Int64(limit))
                """
            ).map(Self.auditEntry(from:))
        }
    }

    public func auditEntry(id: Int64) throws -> AuditEntry? {
        try read { t in
            try t.session.rows(
                "SELECT id, at, action, subject, actor, detail, document FROM audit_log WHERE id = \(id)"
            ).first.map(Self.auditEntry(from:))
        }
    }

    static func auditEntry(from row: PostgresRow) throws -> AuditEntry {
        let r = PostgresRowReader(row)
        return AuditEntry(
            id: try r.int(0), at: try r.int(1), action: try r.text(2), subject: try r.text(3), actor: try r.text(4),
            detail: try r.text(5), document: try r.optionalText(6))
    }

    public func recordIgnoredDelivery(_ deliveryID: String, topic: String, at: Int64) throws {
        try write { t in
            try t.session.execute(
                """
                INSERT INTO ignored_deliveries(delivery_id, topic, received_at) VALUES (\(deliveryID), \(topic), \(at))
                ON CONFLICT (delivery_id) DO NOTHING
                """)
        }
    }

    public func ignoredDeliveries() throws -> [IgnoredTopic] {
        try read { t in
            try t.session.rows("SELECT topic, count(*) FROM ignored_deliveries GROUP BY topic ORDER BY topic").map {
                row in
                let r = PostgresRowReader(row)
                return IgnoredTopic(topic: try r.text(0), count: Int(try r.int(1)))
            }
        }
    }

    /// The ids of every customer with a ref from `source` (what a shop's redaction erases).
    public func customers(withRefsFrom source: String) throws -> [CustomerID] {
        try read { try $0.customerIDs(withRefsFrom: source) }
    }
}

extension PostgresStore: APIKeyStore {
    /// Records a new key; a name already in use is a conflict.
    public func createAPIKey(name: String, hash: String, scopes: [String], at: Int64) throws {
        try write { t in
            if try t.session.value(Int64.self, "SELECT 1::bigint FROM api_keys WHERE name = \(name)") != nil {
                throw PatronError(.conflict, "an API key named '\(name)' exists (revoke it, or choose another name)")
            }
            try t.session.execute(
                """
                INSERT INTO api_keys(name, key_hash, scopes, created_at)
                VALUES (\(name), \(hash), \(scopes.joined(separator: ",")), \(at))
                """)
        }
    }

    public func apiKey(hash: String) throws -> StoredAPIKey? {
        try read { t in
            try t.session.rows(
                """
                SELECT name, scopes, created_at, revoked_at FROM api_keys
                WHERE key_hash = \(hash) AND revoked_at IS NULL
                """
            ).first.map(Self.apiKey(from:))
        }
    }

    public func apiKeys() throws -> [StoredAPIKey] {
        try read { t in
            try t.session.rows("SELECT name, scopes, created_at, revoked_at FROM api_keys ORDER BY name")
                .map(Self.apiKey(from:))
        }
    }

    public func revokeAPIKey(name: String, at: Int64) throws -> Bool {
        try write { t in
            try t.session.execute(
                "UPDATE api_keys SET revoked_at = \(at) WHERE name = \(name) AND revoked_at IS NULL") > 0
        }
    }

    static func apiKey(from row: PostgresRow) throws -> StoredAPIKey {
        let r = PostgresRowReader(row)
        return StoredAPIKey(
            name: try r.text(0), scopes: try r.text(1).split(separator: ",").map(String.init),
            createdAt: try r.int(2), revokedAt: try r.optionalInt(3))
    }
}
