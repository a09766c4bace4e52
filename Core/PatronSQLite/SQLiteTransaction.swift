import Foundation
import GRDB
import PatronCore

/// One transaction on the SQLite store. Statements are prepared once per connection and reused.
public final class SQLiteTransaction: StoreTransaction {
    let db: Database

    init(db: Database) { self.db = db }

    func statement(_ sql: String) throws -> Statement { try db.cachedStatement(sql: sql) }

    func raw(_ sql: String) throws -> RawStatement { RawStatement(try db.cachedStatement(sql: sql), db: db) }

    /// Statements of the ingest hot path, kept for the transaction's life under small integer keys
    /// so a call costs an array read instead of hashing the SQL text.
    private var hot: [Int: RawStatement] = [:]

    func hot(_ key: Int, _ sql: @autoclosure () -> String) throws -> RawStatement {
        if let statement = hot[key] { return statement }
        let statement = try raw(sql())
        hot[key] = statement
        return statement
    }

    enum HotKey {
        static let insertCustomer = 1
        static let updateCustomer = 2
        static let insertOrder = 3
        /// + number of ids in the chunk (1...256).
        static let markApplied = 1000
        /// + number of lines in the statement (1...8).
        static let insertLines = 2000
    }

    func run(_ sql: String, _ arguments: StatementArguments) throws {
        let statement = try statement(sql)
        statement.setUncheckedArguments(arguments)
        try statement.execute()
    }

    /// One statement per 256 ids: `INSERT … ON CONFLICT DO NOTHING RETURNING` names the new ones.
    public func markApplied(_ eventIDs: [String]) throws -> [Bool] {
        var result: [Bool] = []
        result.reserveCapacity(eventIDs.count)
        var start = 0
        while start < eventIDs.count {
            let chunk = eventIDs[start..<min(start + 256, eventIDs.count)]
            let inserted = try hot(
                HotKey.markApplied + chunk.count,
                "INSERT INTO applied_events(event_id) VALUES "
                    + Array(repeating: "(?)", count: chunk.count).joined(separator: ",")
                    + " ON CONFLICT DO NOTHING RETURNING event_id"
            ).runReturningText { binder in
                for id in chunk { binder.bind(id) }
            }
            var fresh = Set(inserted)
            for id in chunk { result.append(fresh.remove(id) != nil) }
            start += chunk.count
        }
        return result
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

    public func insertOrder(_ order: OrderRecord) throws -> OrderID? {
        let ids = try hot(
            HotKey.insertOrder,
            """
            INSERT INTO orders(source, ref, customer_id, placed_at, currency, total_minor, refunded_minor, status, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, ref) DO NOTHING RETURNING id
            """
        ).run { b in
            b.bind(order.ref.source)
            b.bind(order.ref.id)
            b.bind(order.customerID.rawValue)
            b.bind(order.placedAt)
            b.bind(order.currency.code)
            b.bind(order.totalMinor)
            b.bind(order.refundedMinor)
            b.bind(order.status.rawValue)
            b.bind(order.updatedAt)
        }
        guard let id = ids.first.map(OrderID.init(rawValue:)) else { return nil }
        try insertLines(order.lines, of: id)
        return id
    }

    /// Up to eight lines per statement.
    func insertLines(_ lines: [OrderLine], of id: OrderID) throws {
        var start = 0
        while start < lines.count {
            let chunk = lines[start..<min(start + 8, lines.count)]
            try hot(
                HotKey.insertLines + chunk.count,
                "INSERT INTO order_lines(order_id, line_no, sku, name, quantity, unit_price_minor) VALUES "
                    + Array(repeating: "(?, ?, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", ")
            ).run { b in
                for (offset, line) in chunk.enumerated() {
                    b.bind(id.rawValue)
                    b.bind(start + offset + 1)
                    b.bind(line.sku)
                    b.bind(line.name)
                    b.bind(line.quantity)
                    b.bind(line.unitPriceMinor)
                }
            }
            start += chunk.count
        }
    }

    public func updateOrder(_ order: OrderRecord, linesChanged: Bool) throws {
        try run(
            """
            UPDATE orders SET customer_id = ?, placed_at = ?, currency = ?, total_minor = ?, refunded_minor = ?,
            status = ?, updated_at = ? WHERE id = ?
            """,
            [
                order.customerID.rawValue, order.placedAt, order.currency.code, order.totalMinor, order.refundedMinor,
                order.status.rawValue, order.updatedAt, order.id.rawValue,
            ])
        guard linesChanged else { return }
        try run("DELETE FROM order_lines WHERE order_id = ?", [order.id.rawValue])
        try insertLines(order.lines, of: order.id)
    }

    public func orders(of customer: CustomerID) throws -> [OrderRecord] {
        try fetchRows("SELECT \(Self.orderColumns) FROM orders WHERE customer_id = ? ORDER BY id", [customer.rawValue])
            .map(order(from:))
    }

    public func countingOrders(of customer: CustomerID) throws -> [OrderFact] {
        try fetchRows(
            "SELECT placed_at, total_minor - refunded_minor FROM orders WHERE customer_id = ? AND status != 'cancelled'",
            [customer.rawValue]
        ).map { OrderFact(customerID: customer, placedAt: $0[0], netMinor: $0[1]) }
    }

    // MARK: Carts

    static let cartColumns = "id, source, ref, customer_id, currency, value_minor, status, lines, updated_at"

    static func cart(from row: Row) -> CartRecord {
        CartRecord(
            id: CartID(row[0] as Int64), ref: ExternalRef(source: row[1], id: row[2]),
            customerID: CustomerID(row[3] as Int64),
            currency: CurrencyCode(row[4] as String) ?? .usd, valueMinor: row[5],
            status: CartStatus(rawValue: row[6]) ?? .open, lines: decodeLines(row[7]), updatedAt: row[8])
    }

    /// Cart lines in one text column: fields separated by U+001F, lines by U+001E (control
    /// characters that never occur in SKUs or product names; they are dropped if they do).
    static func encodeLines(_ lines: [OrderLine]) -> String {
        lines.map { line in
            [clean(line.sku), clean(line.name ?? ""), String(line.quantity), String(line.unitPriceMinor)]
                .joined(separator: "\u{1F}")
        }.joined(separator: "\u{1E}")
    }

    static func decodeLines(_ text: String) -> [OrderLine] {
        guard !text.isEmpty else { return [] }
        return text.split(separator: "\u{1E}", omittingEmptySubsequences: false).compactMap { line in
            let fields = line.split(separator: "\u{1F}", omittingEmptySubsequences: false)
            guard fields.count == 4, let quantity = Int(fields[2]), let price = Int64(fields[3]) else { return nil }
            return OrderLine(
                sku: String(fields[0]), name: fields[1].isEmpty ? nil : String(fields[1]), quantity: quantity,
                unitPriceMinor: price)
        }
    }

    static func clean(_ text: String) -> String {
        text.contains(where: { $0 == "\u{1E}" || $0 == "\u{1F}" })
            ? text.filter { $0 != "\u{1E}" && $0 != "\u{1F}" } : text
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
                cart.status.rawValue, Self.encodeLines(cart.lines), cart.updatedAt,
            ])
        return CartID(db.lastInsertedRowID)
    }

    public func updateCart(_ cart: CartRecord) throws {
        try run(
            "UPDATE carts SET customer_id = ?, currency = ?, value_minor = ?, status = ?, lines = ?, updated_at = ? WHERE id = ?",
            [
                cart.customerID.rawValue, cart.currency.code, cart.valueMinor, cart.status.rawValue,
                Self.encodeLines(cart.lines), cart.updatedAt, cart.id.rawValue,
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
