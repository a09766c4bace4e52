import Foundation
import PatronCore
import PatronSQL
import PostgresNIO

/// Carts (lines as compact text, as the SQLite store keeps them) and tickets.
extension PostgresTransaction {
    static let cartColumns = "id, source, ref, customer_id, currency, value_minor, status, lines, updated_at"

    static func cart(from row: PostgresRow) throws -> CartRecord {
        let r = PostgresRowReader(row)
        return CartRecord(
            id: CartID(try r.int(0)), ref: ExternalRef(source: try r.text(1), id: try r.text(2)),
            customerID: CustomerID(try r.int(3)), currency: CurrencyCode(try r.text(4)) ?? .usd,
            valueMinor: try r.int(5), status: CartStatus(rawValue: try r.text(6)) ?? .open,
            lines: StoredColumns.decodeLines(try r.text(7)), updatedAt: try r.int(8))
    }

    public func cart(ref: ExternalRef) throws -> CartRecord? {
        try session.rows(
            "SELECT \(unescaped: Self.cartColumns) FROM carts WHERE source = \(ref.source) AND ref = \(ref.id)"
        ).first.map(Self.cart(from:))
    }

    public func insertCart(_ cart: CartRecord) throws -> CartID {
        let id = try session.value(
            Int64.self,
            """
            INSERT INTO carts(source, ref, customer_id, currency, value_minor, status, lines, updated_at)
            VALUES (\(cart.ref.source), \(cart.ref.id), \(cart.customerID.rawValue), \(cart.currency.code),
                    \(cart.valueMinor), \(cart.status.rawValue), \(StoredColumns.encode(cart.lines)), \(cart.updatedAt))
            RETURNING id
            """)
        return CartID(id ?? 0)
    }

    public func updateCart(_ cart: CartRecord) throws {
        try session.execute(
            """
            UPDATE carts SET customer_id = \(cart.customerID.rawValue), currency = \(cart.currency.code),
              value_minor = \(cart.valueMinor), status = \(cart.status.rawValue),
              lines = \(StoredColumns.encode(cart.lines)), updated_at = \(cart.updatedAt)
            WHERE id = \(cart.id.rawValue)
            """)
    }

    public func carts(of customer: CustomerID) throws -> [CartRecord] {
        try session.rows(
            "SELECT \(unescaped: Self.cartColumns) FROM carts WHERE customer_id = \(customer.rawValue) ORDER BY id"
        ).map(Self.cart(from:))
    }

    // MARK: Tickets

    static let ticketColumns =
        "id, source, ref, customer_id, subject, status, opened_at, updated_at, priority, first_response_at, resolved_at"

    static func ticket(from row: PostgresRow) throws -> TicketRecord {
        let r = PostgresRowReader(row)
        return TicketRecord(
            id: TicketID(try r.int(0)), ref: ExternalRef(source: try r.text(1), id: try r.text(2)),
            customerID: CustomerID(try r.int(3)), subject: try r.text(4),
            status: TicketStatus(rawValue: try r.text(5)) ?? .open, openedAt: try r.int(6), updatedAt: try r.int(7),
            priority: TicketPriority(rawValue: try r.text(8)) ?? .normal, firstResponseAt: try r.optionalInt(9),
            resolvedAt: try r.optionalInt(10))
    }

    public func ticket(id: TicketID) throws -> TicketRecord? {
        try session.rows("SELECT \(unescaped: Self.ticketColumns) FROM tickets WHERE id = \(id.rawValue)")
            .first.map(Self.ticket(from:))
    }

    public func ticket(ref: ExternalRef) throws -> TicketRecord? {
        try session.rows(
            "SELECT \(unescaped: Self.ticketColumns) FROM tickets WHERE source = \(ref.source) AND ref = \(ref.id)"
        ).first.map(Self.ticket(from:))
    }

    public func insertTicket(_ ticket: TicketRecord) throws -> TicketID {
        let id = try session.value(
            Int64.self,
            """
            INSERT INTO tickets(source, ref, customer_id, subject, status, opened_at, updated_at, priority,
                                first_response_at, resolved_at)
            VALUES (\(ticket.ref.source), \(ticket.ref.id), \(ticket.customerID.rawValue), \(ticket.subject),
                    \(ticket.status.rawValue), \(ticket.openedAt), \(ticket.updatedAt), \(ticket.priority.rawValue),
                    \(ticket.firstResponseAt), \(ticket.resolvedAt))
            RETURNING id
            """)
        return TicketID(id ?? 0)
    }

    public func updateTicket(_ ticket: TicketRecord) throws {
        try session.execute(
            """
            UPDATE tickets SET customer_id = \(ticket.customerID.rawValue), subject = \(ticket.subject),
              status = \(ticket.status.rawValue), updated_at = \(ticket.updatedAt),
              priority = \(ticket.priority.rawValue), first_response_at = \(ticket.firstResponseAt),
              resolved_at = \(ticket.resolvedAt)
            WHERE id = \(ticket.id.rawValue)
            """)
    }

    public func tickets(of customer: CustomerID) throws -> [TicketRecord] {
        try session.rows(
            "SELECT \(unescaped: Self.ticketColumns) FROM tickets WHERE customer_id = \(customer.rawValue) ORDER BY id"
        ).map(Self.ticket(from:))
    }
}

/// A chunk's carts: read by refs and by customers, written new and changed, each in one statement.
extension PostgresTransaction {
    public func carts(refs: [ExternalRef]) throws -> [ExternalRef: CartRecord] {
        guard !refs.isEmpty else { return [:] }
        var found: [ExternalRef: CartRecord] = [:]
        for (source, ids) in Self.bySource(refs) {
            for row in try session.rows(
                """
                SELECT c.* FROM unnest(\(ids)::text[]) AS k(ref)
                CROSS JOIN LATERAL (SELECT \(unescaped: Self.cartColumns) FROM carts
                                    WHERE source = \(source) AND ref = k.ref LIMIT 1) AS c
                """)
            {
                let cart = try Self.cart(from: row)
                found[cart.ref] = cart
            }
        }
        return found
    }

    public func carts(ofCustomers customers: [CustomerID]) throws -> [CustomerID: [CartRecord]] {
        guard !customers.isEmpty else { return [:] }
        var found: [CustomerID: [CartRecord]] = [:]
        for row in try session.rows(
            """
            SELECT \(unescaped: Self.cartColumns) FROM carts
            WHERE customer_id = ANY(\(customers.map(\.rawValue))::bigint[]) ORDER BY id
            """)
        {
            let cart = try Self.cart(from: row)
            found[cart.customerID, default: []].append(cart)
        }
        return found
    }

    /// The identity sequence's next value, read without taking it (see ``nextCustomerID()``).
    public func nextCartID() throws -> CartID {
        let next = try session.value(
            Int64.self, "SELECT setval(s, nextval(s), false) FROM pg_get_serial_sequence('carts', 'id') AS s")
        return CartID(next ?? 1)
    }

    public func insertNewCarts(_ carts: [CartRecord]) throws {
        guard !carts.isEmpty else { return }
        try session.send(
            """
            INSERT INTO carts(id, source, ref, customer_id, currency, value_minor, status, lines, updated_at)
            SELECT * FROM unnest(\(carts.map(\.id.rawValue))::bigint[], \(carts.map(\.ref.source))::text[],
                                 \(carts.map(\.ref.id))::text[], \(carts.map(\.customerID.rawValue))::bigint[],
                                 \(carts.map(\.currency.code))::text[], \(carts.map(\.valueMinor))::bigint[],
                                 \(carts.map(\.status.rawValue))::text[],
                                 \(carts.map { StoredColumns.encode($0.lines) })::text[],
                                 \(carts.map(\.updatedAt))::bigint[])
            """)
        let last = carts.map(\.id.rawValue).max() ?? 0
        try session.send("SELECT setval(pg_get_serial_sequence('carts', 'id'), \(last), true)")
    }

    public func updateCarts(_ carts: [CartRecord]) throws {
        guard carts.count > 1 else {
            for cart in carts { try updateCart(cart) }
            return
        }
        try session.send(
            """
            UPDATE carts SET customer_id = u.customer_id, currency = u.currency, value_minor = u.value_minor,
              status = u.status, lines = u.lines, updated_at = u.updated_at
            FROM unnest(\(carts.map(\.id.rawValue))::bigint[], \(carts.map(\.customerID.rawValue))::bigint[],
                        \(carts.map(\.currency.code))::text[], \(carts.map(\.valueMinor))::bigint[],
                        \(carts.map(\.status.rawValue))::text[], \(carts.map { StoredColumns.encode($0.lines) })::text[],
                        \(carts.map(\.updatedAt))::bigint[])
              AS u(id, customer_id, currency, value_minor, status, lines, updated_at)
            WHERE carts.id = u.id AND carts.id = ANY(\(carts.map(\.id.rawValue))::bigint[])
            """)
    }
}
