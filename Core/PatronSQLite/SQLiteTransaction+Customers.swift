import Foundation
import GRDB
import GRDBSQLite
import PatronCore
import PatronSQL

/// Customers, refs and merges.
extension SQLiteTransaction {
    public func customerID(ref: ExternalRef) throws -> CustomerID? {
        try fetchInt("SELECT customer_id FROM customer_refs WHERE source = ? AND ref = ?", [ref.source, ref.id])
            .map { CustomerID(rawValue: $0) }
    }

    public func customerID(email: String) throws -> CustomerID? {
        try fetchInt("SELECT id FROM customers WHERE email = ?", [email]).map { CustomerID(rawValue: $0) }
    }

    public func customerID(phone: String) throws -> CustomerID? {
        try fetchInt("SELECT id FROM customers WHERE phone_e164 = ?", [phone]).map { CustomerID(rawValue: $0) }
    }

    static let customerColumns = """
        id, primary_source, primary_ref, email, phone, first_name, last_name, country, timezone, birthday, tags,
        created_at, consent, contact_points, order_count, revenue_minor,
        first_order_at, last_order_at, open_cart_count, open_cart_value_minor, last_cart_activity_at,
        open_ticket_count, last_ticket_at, erased_at
        """

    /// Whether the store has a customer with this id.
    public func customerExists(_ id: CustomerID) throws -> Bool {
        try fetchInt("SELECT 1 FROM customers WHERE id = ?", [id.rawValue]) != nil
    }

    public func customer(_ id: CustomerID) throws -> CustomerRecord? {
        // Read straight from SQLite's row (no GRDB Row copy): the ingest and the API read one
        // customer at a time, many times.
        try hot(HotKey.customerByID, "SELECT \(Self.customerColumns) FROM customers WHERE id = ?")
            .rows({ $0.bind(id.rawValue) }, read: Self.customer(from:)).first
    }

    static func customer(from h: OpaquePointer) -> CustomerRecord {
        func text(_ column: Int32) -> String? { RawStatement.text(h, column) }
        func integer(_ column: Int32) -> Int64? {
            sqlite3_column_type(h, column) == SQLITE_NULL ? nil : sqlite3_column_int64(h, column)
        }
        let tags = text(10) ?? ""
        return CustomerRecord(
            id: CustomerID(sqlite3_column_int64(h, 0)),
            primaryRef: text(1).flatMap { source in text(2).map { ExternalRef(source: source, id: $0) } },
            email: text(3), phone: text(4), firstName: text(5), lastName: text(6), country: text(7),
            timeZone: text(8), birthday: text(9),
            tags: StoredColumns.decodeWords(tags),
            createdAt: sqlite3_column_int64(h, 11),
            consent: StoredColumns.decode(text(12)), contactPoints: StoredColumns.decodeContactPoints(text(13)),
            aggregates: CustomerAggregates(
                orderCount: Int(sqlite3_column_int64(h, 14)), revenueMinor: sqlite3_column_int64(h, 15),
                firstOrderAt: integer(16), lastOrderAt: integer(17), openCartCount: Int(sqlite3_column_int64(h, 18)),
                openCartValueMinor: sqlite3_column_int64(h, 19), lastCartActivityAt: integer(20),
                openTicketCount: Int(sqlite3_column_int64(h, 21)), lastTicketAt: integer(22)),
            erasedAt: integer(23))
    }

    static func bind(_ c: CustomerRecord, _ b: inout RawStatement.Binder) {
        b.bind(c.primaryRef?.source)
        b.bind(c.primaryRef?.id)
        b.bind(c.email)
        b.bind(c.phone)
        b.bind(c.phone.flatMap(ContactNormalizer.phone))
        b.bind(c.firstName)
        b.bind(c.lastName)
        b.bind(c.country)
        b.bind(c.timeZone)
        b.bind(c.birthday)
        b.bind(StoredColumns.encode(words: c.tags))
        b.bind(c.createdAt)
        b.bind(StoredColumns.encode(c.consent))
        b.bind(StoredColumns.encode(c.contactPoints))
        bind(c.aggregates, &b)
        b.bind(c.erasedAt)
    }

    /// The aggregates in the order of ``aggregateColumns`` (and of `writableColumns`).
    static func bind(_ a: CustomerAggregates, _ b: inout RawStatement.Binder) {
        b.bind(a.orderCount)
        b.bind(a.revenueMinor)
        b.bind(a.firstOrderAt)
        b.bind(a.lastOrderAt)
        b.bind(a.openCartCount)
        b.bind(a.openCartValueMinor)
        b.bind(a.lastCartActivityAt)
        b.bind(a.openTicketCount)
        b.bind(a.lastTicketAt)
    }

    static let writableColumns = [
        "primary_source", "primary_ref", "email", "phone", "phone_e164", "first_name", "last_name", "country",
        "timezone", "birthday", "tags", "created_at", "consent", "contact_points", "order_count", "revenue_minor",
        "first_order_at",
        "last_order_at", "open_cart_count",
        "open_cart_value_minor", "last_cart_activity_at", "open_ticket_count", "last_ticket_at", "erased_at",
    ]
    static let insertCustomerSQL =
        "INSERT INTO customers(\(writableColumns.joined(separator: ", "))) VALUES (\(writableColumns.map { _ in "?" }.joined(separator: ", ")))"
    static let updateCustomerSQL =
        "UPDATE customers SET \(writableColumns.map { "\($0) = ?" }.joined(separator: ", ")) WHERE id = ?"

    public func insertCustomer(_ customer: CustomerRecord) throws -> CustomerID {
        try hot(HotKey.insertCustomer, Self.insertCustomerSQL).run { Self.bind(customer, &$0) }
        return CustomerID(db.lastInsertedRowID)
    }

    public func updateCustomer(_ customer: CustomerRecord) throws {
        try hot(HotKey.updateCustomer, Self.updateCustomerSQL).run { binder in
            Self.bind(customer, &binder)
            binder.bind(customer.id.rawValue)
        }
    }

    public func attach(ref: ExternalRef, to customer: CustomerID) throws {
        try run(
            "INSERT OR REPLACE INTO customer_refs(source, ref, customer_id) VALUES (?, ?, ?)",
            [ref.source, ref.id, customer.rawValue])
    }

    public func refs(of customer: CustomerID) throws -> [ExternalRef] {
        try hot(
            HotKey.refsOfCustomer, "SELECT source, ref FROM customer_refs WHERE customer_id = ? ORDER BY source, ref"
        ).rows({ $0.bind(customer.rawValue) }) {
            ExternalRef(source: RawStatement.text($0, 0) ?? "", id: RawStatement.text($0, 1) ?? "")
        }
    }

    public func detachRefs(of customer: CustomerID) throws {
        try run("DELETE FROM customer_refs WHERE customer_id = ?", [customer.rawValue])
    }

    public func reassign(from: CustomerID, into: CustomerID, at: Int64) throws {
        let arguments: StatementArguments = [into.rawValue, from.rawValue]
        // Messages planned for the merged record are not sent (they never were: a claim found the
        // record gone), now with the reason. A send in flight stays with the merged record, so a
        // retry finds it gone as before; the rest move, so replies and asked SKUs follow the person.
        try run(
            """
            UPDATE outbox SET status = 'suppressed', last_error = 'merged into customer ' || ?, updated_at = ?
            WHERE customer_id = ? AND status = 'planned'
            """, [into.rawValue, at, from.rawValue])
        try run("UPDATE outbox SET customer_id = ? WHERE customer_id = ? AND status <> 'sending'", arguments)
        for table in [
            "customer_refs", "orders", "carts", "tickets", "messages", "consent_events", "loyalty_entries",
            "loyalty_tier_changes", "feedback_responses", "product_views", "visitors",
        ] {
            try run("UPDATE \(table) SET customer_id = ? WHERE customer_id = ?", arguments)
        }
        // View totals are summed into the survivor's.
        try run(
            """
            INSERT INTO product_view_totals(customer_id, sku, views, first_at, last_at)
            SELECT ?, sku, views, first_at, last_at FROM product_view_totals WHERE customer_id = ? AND true
            ON CONFLICT (customer_id, sku) DO UPDATE SET views = views + excluded.views,
              first_at = min(first_at, excluded.first_at), last_at = max(last_at, excluded.last_at)
            """, arguments)
        try run("DELETE FROM product_view_totals WHERE customer_id = ?", [from.rawValue])
        // The survivor keeps its tier; the next tier run looks at the merged ledger.
        try run("DELETE FROM loyalty_tiers WHERE customer_id = ?", [from.rawValue])
        try run("DELETE FROM loyalty_tier_overrides WHERE customer_id = ?", [from.rawValue])
        try run(
            "INSERT INTO customer_merges(from_id, into_id, merged_at) VALUES (?, ?, ?)",
            [from.rawValue, into.rawValue, at])
        try run("DELETE FROM customers WHERE id = ?", [from.rawValue])
    }
}

extension SQLiteTransaction {
    /// `AUTOINCREMENT`: one past the larger of the highest id and the highest ever given.
    public func nextCustomerID() throws -> CustomerID {
        let next = try Int64.fetchOne(
            db,
            sql: """
                SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'customers'), 0),
                           coalesce((SELECT max(id) FROM customers), 0)) + 1
                """)
        return CustomerID(next ?? 1)
    }
}
