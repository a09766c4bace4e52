import Foundation
import PatronCore
import PostgresNIO

/// Orders and their lines.
extension PostgresTransaction {
    static let orderColumns =
        "id, source, ref, customer_id, placed_at, currency, total_minor, refunded_minor, status, updated_at"

    /// Orders from rows of `orderColumns`, each with its lines (one query for all of them).
    func orders(from rows: [PostgresRow]) throws -> [OrderRecord] {
        var orders = try rows.map { row in
            let r = PostgresRowReader(row)
            return OrderRecord(
                id: OrderID(try r.int(0)), ref: ExternalRef(source: try r.text(1), id: try r.text(2)),
                customerID: CustomerID(try r.int(3)), placedAt: try r.int(4),
                currency: CurrencyCode(try r.text(5)) ?? .usd, totalMinor: try r.int(6), refundedMinor: try r.int(7),
                status: OrderStatus(rawValue: try r.text(8)) ?? .placed, lines: [], updatedAt: try r.int(9))
        }
        guard !orders.isEmpty else { return [] }
        var lines: [Int64: [OrderLine]] = [:]
        for row in try session.rows(
            """
            SELECT order_id, sku, name, quantity, unit_price_minor FROM order_lines
            WHERE order_id = ANY(\(orders.map(\.id.rawValue))::bigint[]) ORDER BY order_id, line_no
            """)
        {
            let r = PostgresRowReader(row)
            lines[try r.int(0), default: []].append(
                OrderLine(
                    sku: try r.text(1), name: try r.optionalText(2), quantity: Int(try r.int(3)),
                    unitPriceMinor: try r.int(4)))
        }
        for index in orders.indices { orders[index].lines = lines[orders[index].id.rawValue] ?? [] }
        return orders
    }

    public func order(ref: ExternalRef) throws -> OrderRecord? {
        try orders(
            from: session.rows(
                "SELECT \(unescaped: Self.orderColumns) FROM orders WHERE source = \(ref.source) AND ref = \(ref.id)")
        ).first
    }

    /// A stored ref inserts nothing and takes no id: `ON CONFLICT` alone would draw one from the
    /// sequence first, and ids would no longer follow the order of first insertion.
    public func insertOrder(_ order: OrderRecord) throws -> OrderID? {
        let id = try session.value(
            Int64.self,
            """
            INSERT INTO orders(source, ref, customer_id, placed_at, currency, total_minor, refunded_minor, status, updated_at)
            SELECT \(order.ref.source), \(order.ref.id), \(order.customerID.rawValue), \(order.placedAt),
                   \(order.currency.code), \(order.totalMinor), \(order.refundedMinor), \(order.status.rawValue),
                   \(order.updatedAt)
            WHERE NOT EXISTS (SELECT 1 FROM orders WHERE source = \(order.ref.source) AND ref = \(order.ref.id))
            ON CONFLICT (source, ref) DO NOTHING RETURNING id
            """)
        guard let id else { return nil }
        try insertLines([(OrderID(id), order.placedAt, order.lines)])
        return OrderID(id)
    }

    /// Each order's lines, numbered from 1 per order, in one statement of arrays (`unnest`).
    func insertLines(_ orders: [(id: OrderID, placedAt: Int64, lines: [OrderLine])]) throws {
        var ids: [Int64] = []
        var times: [Int64] = []
        var columns = OrderLineColumns()
        for order in orders {
            columns.append(order.lines) {
                ids.append(order.id.rawValue)
                times.append(order.placedAt)
            }
        }
        guard !ids.isEmpty else { return }
        try session.send(
            """
            INSERT INTO order_lines(order_id, line_no, sku, name, quantity, unit_price_minor, placed_at)
            SELECT * FROM unnest(\(ids)::bigint[], \(columns.numbers)::bigint[], \(columns.skus)::text[],
                                 \(PostgresArrayLiteral.text(columns.names))::text[], \(columns.quantities)::bigint[],
                                 \(columns.prices)::bigint[], \(times)::bigint[])
            """)
    }

    public func updateOrder(_ order: OrderRecord, linesChanged: Bool) throws {
        try session.send(
            """
            UPDATE orders SET customer_id = \(order.customerID.rawValue), placed_at = \(order.placedAt),
              currency = \(order.currency.code), total_minor = \(order.totalMinor),
              refunded_minor = \(order.refundedMinor), status = \(order.status.rawValue), updated_at = \(order.updatedAt)
            WHERE id = \(order.id.rawValue)
            """)
        guard linesChanged else {
            try session.send(
                """
                UPDATE order_lines SET placed_at = \(order.placedAt)
                WHERE order_id = \(order.id.rawValue) AND placed_at IS DISTINCT FROM \(order.placedAt)
                """)
            return
        }
        try session.send("DELETE FROM order_lines WHERE order_id = \(order.id.rawValue)")
        try insertLines([(order.id, order.placedAt, order.lines)])
    }

    public func orders(of customer: CustomerID) throws -> [OrderRecord] {
        try orders(
            from: session.rows(
                "SELECT \(unescaped: Self.orderColumns) FROM orders WHERE customer_id = \(customer.rawValue) ORDER BY id"
            ))
    }

    public func countingOrders(of customer: CustomerID) throws -> [OrderFact] {
        try session.rows(
            """
            SELECT placed_at, total_minor - refunded_minor FROM orders
            WHERE customer_id = \(customer.rawValue) AND status != 'cancelled'
            """
        ).map { row in
            let r = PostgresRowReader(row)
            return OrderFact(customerID: customer, placedAt: try r.int(0), netMinor: try r.int(1))
        }
    }
}

/// Orders' lines as the columns of an `unnest(…)`, each order's numbered from 1.
struct OrderLineColumns {
    var numbers: [Int64] = []
    var skus: [String] = []
    var names: [String?] = []
    var quantities: [Int64] = []
    var prices: [Int64] = []

    /// Appends one order's lines, calling `each` once per line for the caller's own columns.
    mutating func append(_ lines: [OrderLine], each: () -> Void) {
        for (offset, line) in lines.enumerated() {
            numbers.append(Int64(offset + 1))
            skus.append(line.sku)
            names.append(line.name)
            quantities.append(Int64(line.quantity))
            prices.append(line.unitPriceMinor)
            each()
        }
    }
}
