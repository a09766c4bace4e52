import Foundation
import GRDB
import PatronCore
import PatronSQL

/// Carts (lines as compact text) and tickets.
extension SQLiteTransaction {
    static let cartColumns = "id, source, ref, customer_id, currency, value_minor, status, lines, updated_at"

    static func cart(from row: Row) -> CartRecord {
        CartRecord(
            id: CartID(row[0] as Int64), ref: ExternalRef(source: row[1], id: row[2]),
            customerID: CustomerID(row[3] as Int64),
            currency: CurrencyCode(row[4] as String) ?? .usd, valueMinor: row[5],
            status: CartStatus(rawValue: row[6]) ?? .open, lines: StoredColumns.decodeLines(row[7]), updatedAt: row[8])
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
                cart.status.rawValue, StoredColumns.encode(cart.lines), cart.updatedAt,
            ])
        return CartID(db.lastInsertedRowID)
    }

    public func updateCart(_ cart: CartRecord) throws {
        try run(
            "UPDATE carts SET customer_id = ?, currency = ?, value_minor = ?, status = ?, lines = ?, updated_at = ? WHERE id = ?",
            [
                cart.customerID.rawValue, cart.currency.code, cart.valueMinor, cart.status.rawValue,
                StoredColumns.encode(cart.lines), cart.updatedAt, cart.id.rawValue,
            ])
    }

    public func carts(of customer: CustomerID) throws -> [CartRecord] {
        try fetchRows("SELECT \(Self.cartColumns) FROM carts WHERE customer_id = ? ORDER BY id", [customer.rawValue])
            .map(Self.cart(from:))
    }

    // MARK: Tickets

    static let ticketColumns =
        "id, source, ref, customer_id, subject, status, opened_at, updated_at, priority, first_response_at, resolved_at"

    static func ticket(from row: Row) -> TicketRecord {
        TicketRecord(
            id: TicketID(row[0] as Int64), ref: ExternalRef(source: row[1], id: row[2]),
            customerID: CustomerID(row[3] as Int64),
            subject: row[4], status: TicketStatus(rawValue: row[5]) ?? .open, openedAt: row[6], updatedAt: row[7],
            priority: TicketPriority(rawValue: row[8]) ?? .normal, firstResponseAt: row[9], resolvedAt: row[10])
    }

    public func ticket(id: TicketID) throws -> TicketRecord? {
        try fetchRows("SELECT \(Self.ticketColumns) FROM tickets WHERE id = ?", [id.rawValue]).first
            .map(Self.ticket(from:))
    }

    public func ticket(ref: ExternalRef) throws -> TicketRecord? {
        try fetchRows("SELECT \(Self.ticketColumns) FROM tickets WHERE source = ? AND ref = ?", [ref.source, ref.id])
            .first
            .map(Self.ticket(from:))
    }

    public func insertTicket(_ ticket: TicketRecord) throws -> TicketID {
        try run(
            "INSERT INTO tickets(source, ref, customer_id, subject, status, opened_at, updated_at, priority, "
                + "first_response_at, resolved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                ticket.ref.source, ticket.ref.id, ticket.customerID.rawValue, ticket.subject, ticket.status.rawValue,
                ticket.openedAt, ticket.updatedAt, ticket.priority.rawValue, ticket.firstResponseAt, ticket.resolvedAt,
            ])
        return TicketID(db.lastInsertedRowID)
    }

    public func updateTicket(_ ticket: TicketRecord) throws {
        try run(
            "UPDATE tickets SET customer_id = ?, subject = ?, status = ?, updated_at = ?, priority = ?, "
                + "first_response_at = ?, resolved_at = ? WHERE id = ?",
            [
                ticket.customerID.rawValue, ticket.subject, ticket.status.rawValue, ticket.updatedAt,
                ticket.priority.rawValue, ticket.firstResponseAt, ticket.resolvedAt, ticket.id.rawValue,
            ])
    }

    public func tickets(of customer: CustomerID) throws -> [TicketRecord] {
        try fetchRows(
            "SELECT \(Self.ticketColumns) FROM tickets WHERE customer_id = ? ORDER BY id", [customer.rawValue]
        )
        .map(Self.ticket(from:))
    }
}

extension SQLiteTransaction {
    /// `INTEGER PRIMARY KEY` without `AUTOINCREMENT`: one past the highest id.
    public func nextCartID() throws -> CartID {
        CartID(try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) + 1 FROM carts") ?? 1)
    }
}
