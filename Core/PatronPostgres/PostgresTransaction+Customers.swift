import Foundation
import PatronCore
import PatronSQL
import PostgresNIO

/// Customers, refs and merges.
extension PostgresTransaction {
    public func customerID(ref: ExternalRef) throws -> CustomerID? {
        try session.value(
            Int64.self, "SELECT customer_id FROM customer_refs WHERE source = \(ref.source) AND ref = \(ref.id)"
        ).map { CustomerID($0) }
    }

    public func customerID(email: String) throws -> CustomerID? {
        try session.value(Int64.self, "SELECT id FROM customers WHERE email = \(email)").map { CustomerID($0) }
    }

    public func customerID(phone: String) throws -> CustomerID? {
        try session.value(Int64.self, "SELECT id FROM customers WHERE phone_e164 = \(phone)").map { CustomerID($0) }
    }

    static let customerColumns = """
        id, primary_source, primary_ref, email, phone, first_name, last_name, country, timezone, birthday, tags,
        created_at, consent, contact_points, order_count, revenue_minor,
        first_order_at, last_order_at, open_cart_count, open_cart_value_minor, last_cart_activity_at,
        open_ticket_count, last_ticket_at, erased_at
        """

    public func customerExists(_ id: CustomerID) throws -> Bool {
        try session.value(Int64.self, "SELECT 1::bigint FROM customers WHERE id = \(id.rawValue)") != nil
    }

    public func customer(_ id: CustomerID) throws -> CustomerRecord? {
        try session.rows("SELECT \(unescaped: Self.customerColumns) FROM customers WHERE id = \(id.rawValue)")
            .first.map(Self.customer(from:))
    }

    static func customer(from row: PostgresRow) throws -> CustomerRecord {
        let r = PostgresRowReader(row)
        return CustomerRecord(
            id: CustomerID(try r.int(0)),
            primaryRef: try r.optionalText(1).flatMap { source in
                try r.optionalText(2).map { ExternalRef(source: source, id: $0) }
            },
            email: try r.optionalText(3), phone: try r.optionalText(4), firstName: try r.optionalText(5),
            lastName: try r.optionalText(6), country: try r.optionalText(7), timeZone: try r.optionalText(8),
            birthday: try r.optionalText(9), tags: StoredColumns.decodeWords(try r.text(10)),
            createdAt: try r.int(11), consent: StoredColumns.decode(try r.text(12)),
            contactPoints: StoredColumns.decodeContactPoints(try r.text(13)),
            aggregates: CustomerAggregates(
                orderCount: Int(try r.int(14)), revenueMinor: try r.int(15), firstOrderAt: try r.optionalInt(16),
                lastOrderAt: try r.optionalInt(17), openCartCount: Int(try r.int(18)),
                openCartValueMinor: try r.int(19), lastCartActivityAt: try r.optionalInt(20),
                openTicketCount: Int(try r.int(21)), lastTicketAt: try r.optionalInt(22)),
            erasedAt: try r.optionalInt(23))
    }

    /// The writable columns' values, in `writableColumns` order.
    static func bindings(_ c: CustomerRecord) -> PostgresBindings {
        let a = c.aggregates
        var b = PostgresBindings(capacity: 25)
        b.append(c.primaryRef?.source)
        b.append(c.primaryRef?.id)
        b.append(c.email)
        b.append(c.phone)
        b.append(c.phone.flatMap(ContactNormalizer.phone))
        b.append(c.firstName)
        b.append(c.lastName)
        b.append(c.country)
        b.append(c.timeZone)
        b.append(c.birthday)
        b.append(StoredColumns.encode(words: c.tags))
        b.append(c.createdAt)
        b.append(StoredColumns.encode(c.consent))
        b.append(StoredColumns.encode(c.contactPoints))
        b.append(Int64(a.orderCount))
        b.append(a.revenueMinor)
        b.append(a.firstOrderAt)
        b.append(a.lastOrderAt)
        b.append(Int64(a.openCartCount))
        b.append(a.openCartValueMinor)
        b.append(a.lastCartActivityAt)
        b.append(Int64(a.openTicketCount))
        b.append(a.lastTicketAt)
        b.append(c.erasedAt)
        return b
    }

    static let writableColumns = [
        "primary_source", "primary_ref", "email", "phone", "phone_e164", "first_name", "last_name", "country",
        "timezone", "birthday", "tags", "created_at", "consent", "contact_points", "order_count", "revenue_minor",
        "first_order_at", "last_order_at", "open_cart_count", "open_cart_value_minor", "last_cart_activity_at",
        "open_ticket_count", "last_ticket_at", "erased_at",
    ]
    static let insertCustomerSQL =
        "INSERT INTO customers(\(writableColumns.joined(separator: ", "))) VALUES ("
        + (1...writableColumns.count).map { "$\($0)" }.joined(separator: ", ") + ") RETURNING id"
    static let updateCustomerSQL =
        "UPDATE customers SET "
        + writableColumns.enumerated().map { "\($0.element) = $\($0.offset + 1)" }.joined(separator: ", ")
        + " WHERE id = $\(writableColumns.count + 1)"

    public func insertCustomer(_ customer: CustomerRecord) throws -> CustomerID {
        let id = try session.value(
            Int64.self, PostgresQuery(unsafeSQL: Self.insertCustomerSQL, binds: Self.bindings(customer)))
        guard let id else { throw PatronError(.storeFailure, "\(session.server): a customer insert returned no id") }
        return CustomerID(id)
    }

    public func updateCustomer(_ customer: CustomerRecord) throws {
        var binds = Self.bindings(customer)
        binds.append(customer.id.rawValue)
        try session.send(PostgresQuery(unsafeSQL: Self.updateCustomerSQL, binds: binds))
    }

    public func attach(ref: ExternalRef, to customer: CustomerID) throws {
        try session.send(
            """
            INSERT INTO customer_refs(source, ref, customer_id) VALUES (\(ref.source), \(ref.id), \(customer.rawValue))
            ON CONFLICT (source, ref) DO UPDATE SET customer_id = excluded.customer_id
            """)
    }

    public func refs(of customer: CustomerID) throws -> [ExternalRef] {
        try session.rows(
            "SELECT source, ref FROM customer_refs WHERE customer_id = \(customer.rawValue) ORDER BY source, ref"
        ).map { row throws(PatronError) in
            let (source, ref) = try session.decode(row) { try $0.decode((String, String).self) }
            return ExternalRef(source: source, id: ref)
        }
    }

    public func detachRefs(of customer: CustomerID) throws {
        try session.execute("DELETE FROM customer_refs WHERE customer_id = \(customer.rawValue)")
    }

    public func reassign(from: CustomerID, into: CustomerID, at: Int64) throws {
        // Messages planned for the merged record are not sent (they never were: a claim found the
        // record gone), now with the reason. A send in flight stays with the merged record, so a
        // retry finds it gone as before; the rest move, so replies and asked SKUs follow the person.
        try session.execute(
            """
            UPDATE outbox SET status = 'suppressed', last_error = \("merged into customer \(into.rawValue)"),
              updated_at = \(at)
            WHERE customer_id = \(from.rawValue) AND status = 'planned'
            """)
        try session.execute(
            """
            UPDATE outbox SET customer_id = \(into.rawValue)
            WHERE customer_id = \(from.rawValue) AND status <> 'sending'
            """)
        for table in [
            "customer_refs", "orders", "carts", "tickets", "messages", "consent_events", "loyalty_entries",
            "loyalty_tier_changes", "feedback_responses", "product_views", "visitors",
        ] {
            try session.execute(
                "UPDATE \(unescaped: table) SET customer_id = \(into.rawValue) WHERE customer_id = \(from.rawValue)")
        }
        // View totals are summed into the survivor's.
        try session.execute(
            """
            INSERT INTO product_view_totals AS t(customer_id, sku, views, first_at, last_at)
            SELECT \(into.rawValue), sku, views, first_at, last_at FROM product_view_totals
            WHERE customer_id = \(from.rawValue)
            ON CONFLICT (customer_id, sku) DO UPDATE SET views = t.views + excluded.views,
              first_at = least(t.first_at, excluded.first_at), last_at = greatest(t.last_at, excluded.last_at)
            """)
        try session.execute("DELETE FROM product_view_totals WHERE customer_id = \(from.rawValue)")
        // The survivor keeps its tier; the next tier run looks at the merged ledger.
        try session.execute("DELETE FROM loyalty_tiers WHERE customer_id = \(from.rawValue)")
        try session.execute("DELETE FROM loyalty_tier_overrides WHERE customer_id = \(from.rawValue)")
        try session.execute(
            "INSERT INTO customer_merges(from_id, into_id, merged_at) VALUES (\(from.rawValue), \(into.rawValue), \(at))"
        )
        try session.execute("DELETE FROM customers WHERE id = \(from.rawValue)")
    }
}
