import Foundation
import GRDB
import PatronCore

/// One transaction on the SQLite store. Statements are prepared once per connection and reused.
public final class SQLiteTransaction: StoreTransaction {
    let db: Database

    init(db: Database) { self.db = db }

    func statement(_ sql: String) throws -> Statement { try db.cachedStatement(sql: sql) }

    func run(_ sql: String, _ arguments: StatementArguments) throws {
        let statement = try statement(sql)
        statement.setUncheckedArguments(arguments)
        try statement.execute()
    }

    public func markApplied(eventID: String) throws -> Bool {
        try run("INSERT OR IGNORE INTO applied_events(event_id) VALUES (?)", [eventID])
        return db.changesCount == 1
    }

    public func reportingCurrency() throws -> CurrencyCode? {
        let statement = try statement("SELECT value FROM meta WHERE key = 'currency'")
        return try String.fetchOne(statement).flatMap(CurrencyCode.init)
    }

    func fetchInt(_ sql: String, _ arguments: StatementArguments) throws -> Int64? {
        let statement = try statement(sql)
        return try Int64.fetchOne(statement, arguments: arguments)
    }

    func fetchRows(_ sql: String, _ arguments: StatementArguments) throws -> [Row] {
        let statement = try statement(sql)
        return try Row.fetchAll(statement, arguments: arguments)
    }

    public func setReportingCurrency(_ currency: CurrencyCode) throws {
        try run("INSERT OR REPLACE INTO meta(key, value) VALUES ('currency', ?)", [currency.code])
    }

    // MARK: Customers

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

    static func arguments(_ c: CustomerRecord) -> StatementArguments {
        let a = c.aggregates
        let values: [(any DatabaseValueConvertible)?] = [
            c.primaryRef?.source, c.primaryRef?.id, c.email, c.phone, c.phone.flatMap(ContactNormalizer.phone),
            c.firstName, c.lastName, c.country, c.timeZone, c.birthday, c.tags.joined(separator: "\u{1F}"), c.createdAt,
            c.consent.email.status.rawValue, c.consent.email.at, c.consent.sms.status.rawValue, c.consent.sms.at,
            a.orderCount, a.revenueMinor, a.firstOrderAt, a.lastOrderAt, a.openCartCount, a.openCartValueMinor,
            a.lastCartActivityAt, a.openTicketCount, a.lastTicketAt, c.erasedAt,
        ]
        return StatementArguments(values)
    }

    static let writableColumns = """
        primary_source, primary_ref, email, phone, phone_e164, first_name, last_name, country, timezone, birthday,
        tags, created_at, consent_email, consent_email_at, consent_sms, consent_sms_at, order_count, revenue_minor,
        first_order_at, last_order_at, open_cart_count, open_cart_value_minor, last_cart_activity_at,
        open_ticket_count, last_ticket_at, erased_at
        """

    public func insertCustomer(_ customer: CustomerRecord) throws -> CustomerID {
        let placeholders = Array(repeating: "?", count: 26).joined(separator: ",")
        try run("INSERT INTO customers(\(Self.writableColumns)) VALUES (\(placeholders))", Self.arguments(customer))
        return CustomerID(db.lastInsertedRowID)
    }

    public func updateCustomer(_ customer: CustomerRecord) throws {
        let assignments = Self.writableColumns.split(separator: ",")
            .map { "\($0.trimmingCharacters(in: .whitespacesAndNewlines)) = ?" }.joined(separator: ", ")
        var arguments = Self.arguments(customer)
        arguments += [customer.id.rawValue]
        try run("UPDATE customers SET \(assignments) WHERE id = ?", arguments)
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

    // MARK: Orders

    static let orderColumns =
        "id, source, ref, customer_id, placed_at, currency, total_minor, refunded_minor, status, updated_at"

    func order(from row: Row) throws -> OrderRecord {
        let id = OrderID(row[0] as Int64)
        let lines = try fetchRows(
            "SELECT sku, name, quantity, unit_price_minor FROM order_lines WHERE order_id = ? ORDER BY line_no",
            [id.rawValue]
        ).map { OrderLine(sku: $0[0], name: $0[1], quantity: $0[2], unitPriceMinor: $0[3]) }
        return OrderRecord(
            id: id, ref: ExternalRef(source: row[1], id: row[2]), customerID: CustomerID(row[3] as Int64),
            placedAt: row[4], currency: CurrencyCode(row[5] as String) ?? .usd, totalMinor: row[6],
            refundedMinor: row[7], status: OrderStatus(rawValue: row[8]) ?? .placed, lines: lines, updatedAt: row[9])
    }

    public func order(ref: ExternalRef) throws -> OrderRecord? {
        guard
            let row = try fetchRows(
                "SELECT \(Self.orderColumns) FROM orders WHERE source = ? AND ref = ?", [ref.source, ref.id]
            ).first
        else { return nil }
        return try order(from: row)
    }

    public func insertOrder(_ order: OrderRecord) throws -> OrderID {
        try run(
            """
            INSERT INTO orders(source, ref, customer_id, placed_at, currency, total_minor, refunded_minor, status, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                order.ref.source, order.ref.id, order.customerID.rawValue, order.placedAt, order.currency.code,
                order.totalMinor, order.refundedMinor, order.status.rawValue, order.updatedAt,
            ])
        let id = OrderID(db.lastInsertedRowID)
        try insertLines(order.lines, of: id)
        return id
    }

    func insertLines(_ lines: [OrderLine], of id: OrderID) throws {
        for (number, line) in lines.enumerated() {
            try run(
                "INSERT INTO order_lines(order_id, line_no, sku, name, quantity, unit_price_minor) VALUES (?, ?, ?, ?, ?, ?)",
                [id.rawValue, number + 1, line.sku, line.name, line.quantity, line.unitPriceMinor])
        }
    }

    public func updateOrder(_ order: OrderRecord) throws {
        try run(
            """
            UPDATE orders SET customer_id = ?, placed_at = ?, currency = ?, total_minor = ?, refunded_minor = ?,
            status = ?, updated_at = ? WHERE id = ?
            """,
            [
                order.customerID.rawValue, order.placedAt, order.currency.code, order.totalMinor, order.refundedMinor,
                order.status.rawValue, order.updatedAt, order.id.rawValue,
            ])
        let stored = try fetchRows(
            "SELECT sku, name, quantity, unit_price_minor FROM order_lines WHERE order_id = ? ORDER BY line_no",
            [order.id.rawValue]
        ).map { OrderLine(sku: $0[0], name: $0[1], quantity: $0[2], unitPriceMinor: $0[3]) }
        if stored != order.lines {
            try run("DELETE FROM order_lines WHERE order_id = ?", [order.id.rawValue])
            try insertLines(order.lines, of: order.id)
        }
    }

    public func orders(of customer: CustomerID) throws -> [OrderRecord] {
        try fetchRows("SELECT \(Self.orderColumns) FROM orders WHERE customer_id = ? ORDER BY id", [customer.rawValue])
            .map(order(from:))
    }

    // MARK: Carts

    static let cartColumns = "id, source, ref, customer_id, currency, value_minor, status, lines, updated_at"

    static func cart(from row: Row) -> CartRecord {
        let linesJSON: String = row[7]
        let lines = (try? JSONDecoder().decode([OrderLine].self, from: Data(linesJSON.utf8))) ?? []
        return CartRecord(
            id: CartID(row[0] as Int64), ref: ExternalRef(source: row[1], id: row[2]),
            customerID: CustomerID(row[3] as Int64),
            currency: CurrencyCode(row[4] as String) ?? .usd, valueMinor: row[5],
            status: CartStatus(rawValue: row[6]) ?? .open, lines: lines, updatedAt: row[8])
    }

    static func linesJSON(_ lines: [OrderLine]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(lines)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }

    public func cart(ref: ExternalRef) throws -> CartRecord? {
        try fetchRows("SELECT \(Self.cartColumns) FROM carts WHERE source = ? AND ref = ?", [ref.source, ref.id]).first
            .map(Self.cart(from:))
    }

    public func insertCart(_ cart: CartRecord) throws -> CartID {
        try run(
            "INSERT INTO carts(source, ref, customer_id, currency, value_minor, status, lines, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                cart.ref.source, cart.ref.id, cart.customerID.rawValue, cart.currency.code, cart.valueMinor,
                cart.status.rawValue, Self.linesJSON(cart.lines), cart.updatedAt,
            ])
        return CartID(db.lastInsertedRowID)
    }

    public func updateCart(_ cart: CartRecord) throws {
        try run(
            "UPDATE carts SET customer_id = ?, currency = ?, value_minor = ?, status = ?, lines = ?, updated_at = ? WHERE id = ?",
            [
                cart.customerID.rawValue, cart.currency.code, cart.valueMinor, cart.status.rawValue,
                Self.linesJSON(cart.lines), cart.updatedAt, cart.id.rawValue,
            ])
    }

    public func carts(of customer: CustomerID) throws -> [CartRecord] {
        try fetchRows("SELECT \(Self.cartColumns) FROM carts WHERE customer_id = ? ORDER BY id", [customer.rawValue])
            .map(Self.cart(from:))
    }

    // MARK: Tickets

    static let ticketColumns = "id, source, ref, customer_id, subject, status, opened_at, updated_at"

    static func ticket(from row: Row) -> TicketRecord {
        TicketRecord(
            id: TicketID(row[0] as Int64), ref: ExternalRef(source: row[1], id: row[2]),
            customerID: CustomerID(row[3] as Int64),
            subject: row[4], status: TicketStatus(rawValue: row[5]) ?? .open, openedAt: row[6], updatedAt: row[7])
    }

    public func ticket(ref: ExternalRef) throws -> TicketRecord? {
        try fetchRows("SELECT \(Self.ticketColumns) FROM tickets WHERE source = ? AND ref = ?", [ref.source, ref.id])
            .first
            .map(Self.ticket(from:))
    }

    public func insertTicket(_ ticket: TicketRecord) throws -> TicketID {
        try run(
            "INSERT INTO tickets(source, ref, customer_id, subject, status, opened_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                ticket.ref.source, ticket.ref.id, ticket.customerID.rawValue, ticket.subject, ticket.status.rawValue,
                ticket.openedAt, ticket.updatedAt,
            ])
        return TicketID(db.lastInsertedRowID)
    }

    public func updateTicket(_ ticket: TicketRecord) throws {
        try run(
            "UPDATE tickets SET customer_id = ?, subject = ?, status = ?, updated_at = ? WHERE id = ?",
            [ticket.customerID.rawValue, ticket.subject, ticket.status.rawValue, ticket.updatedAt, ticket.id.rawValue])
    }

    public func tickets(of customer: CustomerID) throws -> [TicketRecord] {
        try fetchRows(
            "SELECT \(Self.ticketColumns) FROM tickets WHERE customer_id = ? ORDER BY id", [customer.rawValue]
        )
        .map(Self.ticket(from:))
    }
}
