import Foundation
import GRDB
import PatronCore

/// Orders and their lines.
extension SQLiteTransaction {
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
        ).run { Self.bindColumns(of: order, &$0) }
        guard let id = ids.first.map(OrderID.init(rawValue:)) else { return nil }
        try insertLines(order.lines, of: id, placedAt: order.placedAt)
        return id
    }

    /// Binds `source, ref, customer_id, placed_at, currency, total_minor, refunded_minor, status,
    /// updated_at`, in that order.
    static func bindColumns(of order: OrderRecord, _ b: inout RawStatement.Binder) {
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

    /// Up to eight lines per statement.
    func insertLines(_ lines: [OrderLine], of id: OrderID, placedAt: Int64) throws {
        var start = 0
        while start < lines.count {
            let chunk = lines[start..<min(start + 8, lines.count)]
            try hot(
                HotKey.insertLines + chunk.count,
                "INSERT OR FAIL INTO order_lines(order_id, line_no, sku, name, quantity, unit_price_minor, placed_at) VALUES "
                    + Array(repeating: "(?, ?, ?, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", ")
            ).run { b in
                for (offset, line) in chunk.enumerated() {
                    b.bind(id.rawValue)
                    b.bind(start + offset + 1)
                    b.bind(line.sku)
                    b.bind(line.name)
                    b.bind(line.quantity)
                    b.bind(line.unitPriceMinor)
                    b.bind(placedAt)
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
        guard linesChanged else {
            try run(
                "UPDATE order_lines SET placed_at = ? WHERE order_id = ? AND placed_at IS NOT ?",
                [order.placedAt, order.id.rawValue, order.placedAt])
            return
        }
        try run("DELETE FROM order_lines WHERE order_id = ?", [order.id.rawValue])
        try insertLines(order.lines, of: order.id, placedAt: order.placedAt)
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
}
