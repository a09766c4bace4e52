import Foundation
import GRDB
import PatronCore

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
        created_at, consent_email, consent_email_at, consent_sms, consent_sms_at, order_count, revenue_minor,
        first_order_at, last_order_at, open_cart_count, open_cart_value_minor, last_cart_activity_at,
        open_ticket_count, last_ticket_at, erased_at
        """

    public func customer(_ id: CustomerID) throws -> CustomerRecord? {
        try fetchRows("SELECT \(Self.customerColumns) FROM customers WHERE id = ?", [id.rawValue]).first
            .map(Self.customer(from:))
    }

    static func customer(from row: Row) -> CustomerRecord {
        let source: String? = row[1]
        let ref: String? = row[2]
        let tags: String = row[10]
        return CustomerRecord(
            id: CustomerID(row[0] as Int64),
            primaryRef: source.flatMap { source in ref.map { ExternalRef(source: source, id: $0) } },
            email: row[3], phone: row[4], firstName: row[5], lastName: row[6], country: row[7], timeZone: row[8],
            birthday: row[9], tags: tags.isEmpty ? [] : tags.split(separator: "\u{1F}").map(String.init),
            createdAt: row[11],
            consent: ConsentState(
                email: ConsentEntry(status: ConsentStatus(rawValue: row[12]) ?? .unknown, at: row[13]),
                sms: ConsentEntry(status: ConsentStatus(rawValue: row[14]) ?? .unknown, at: row[15])),
            aggregates: CustomerAggregates(
                orderCount: row[16], revenueMinor: row[17], firstOrderAt: row[18], lastOrderAt: row[19],
                openCartCount: row[20], openCartValueMinor: row[21], lastCartActivityAt: row[22],
                openTicketCount: row[23], lastTicketAt: row[24]),
            erasedAt: row[25])
    }

    static func bind(_ c: CustomerRecord, _ b: inout RawStatement.Binder) {
        let a = c.aggregates
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
        b.bind(c.tags.joined(separator: "\u{1F}"))
        b.bind(c.createdAt)
        b.bind(c.consent.email.status.rawValue)
        b.bind(c.consent.email.at)
        b.bind(c.consent.sms.status.rawValue)
        b.bind(c.consent.sms.at)
        b.bind(a.orderCount)
        b.bind(a.revenueMinor)
        b.bind(a.firstOrderAt)
        b.bind(a.lastOrderAt)
        b.bind(a.openCartCount)
        b.bind(a.openCartValueMinor)
        b.bind(a.lastCartActivityAt)
        b.bind(a.openTicketCount)
        b.bind(a.lastTicketAt)
        b.bind(c.erasedAt)
    }

    static let writableColumns = [
        "primary_source", "primary_ref", "email", "phone", "phone_e164", "first_name", "last_name", "country",
        "timezone", "birthday", "tags", "created_at", "consent_email", "consent_email_at", "consent_sms",
        "consent_sms_at", "order_count", "revenue_minor", "first_order_at", "last_order_at", "open_cart_count",
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
        try fetchRows(
            "SELECT source, ref FROM customer_refs WHERE customer_id = ? ORDER BY source, ref", [customer.rawValue]
        ).map { ExternalRef(source: $0[0], id: $0[1]) }
    }

    public func detachRefs(of customer: CustomerID) throws {
        try run("DELETE FROM customer_refs WHERE customer_id = ?", [customer.rawValue])
    }

    public func reassign(from: CustomerID, into: CustomerID, at: Int64) throws {
        let arguments: StatementArguments = [into.rawValue, from.rawValue]
        for table in ["customer_refs", "orders", "carts", "tickets"] {
            try run("UPDATE \(table) SET customer_id = ? WHERE customer_id = ?", arguments)
        }
        try run(
            "INSERT INTO customer_merges(from_id, into_id, merged_at) VALUES (?, ?, ?)",
            [from.rawValue, into.rawValue, at])
        try run("DELETE FROM customers WHERE id = ?", [from.rawValue])
    }
}
