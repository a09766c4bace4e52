import Foundation
import GRDB
import GRDBSQLite
import PatronCore

/// The ingestor's set-shaped calls as few statements: `IN (…)` lookups of up to 256 keys and
/// multi-row inserts of up to 64 orders (and 64 lines) each, prepared once per size.
extension SQLiteTransaction {
    /// Keys per `IN (…)` list.
    static var lookupChunk: Int { 256 }
    /// Rows per multi-row insert.
    static var insertChunk: Int { 64 }

    enum SetKey {
        static let refs = 3000
        static let orderRefs = 3300
        static let customersByID = 3600
        static let emails = 3900
        static let phones = 4200
        static let insertOrders = 4500
        static let insertLines = 4600
    }

    static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ",")
    }

    /// Runs `query` once per chunk of `keys` (grouped by source for refs).
    func inChunks<Key>(_ keys: [Key], _ body: (ArraySlice<Key>) throws -> Void) rethrows {
        var start = 0
        while start < keys.count {
            let end = min(start + Self.lookupChunk, keys.count)
            try body(keys[start..<end])
            start = end
        }
    }

    public func customerIDs(refs: [ExternalRef]) throws -> [ExternalRef: CustomerID] {
        var found: [ExternalRef: CustomerID] = [:]
        for (source, group) in Dictionary(grouping: refs, by: \.source) {
            try inChunks(group.map(\.id)) { ids in
                let statement = try hot(
                    SetKey.refs + ids.count,
                    "SELECT ref, customer_id FROM customer_refs WHERE source = ? AND ref IN (\(Self.placeholders(ids.count)))"
                )
                for (ref, id) in try statement.rows(
                    { binder in
                        binder.bind(source)
                        for id in ids { binder.bind(id) }
                    }, read: { (RawStatement.text($0, 0) ?? "", sqlite3_column_int64($0, 1)) })
                {
                    found[ExternalRef(source: source, id: ref)] = CustomerID(rawValue: id)
                }
            }
        }
        return found
    }

    public func customerIDs(emails: [String]) throws -> [String: CustomerID] {
        try idsByText(emails, key: SetKey.emails, column: "email")
    }

    public func customerIDs(phones: [String]) throws -> [String: CustomerID] {
        try idsByText(phones, key: SetKey.phones, column: "phone_e164")
    }

    func idsByText(_ values: [String], key: Int, column: String) throws -> [String: CustomerID] {
        var found: [String: CustomerID] = [:]
        try inChunks(values) { chunk in
            let statement = try hot(
                key + chunk.count,
                "SELECT \(column), id FROM customers WHERE \(column) IN (\(Self.placeholders(chunk.count)))")
            for (value, id) in try statement.rows(
                { binder in for value in chunk { binder.bind(value) } },
                read: { (RawStatement.text($0, 0) ?? "", sqlite3_column_int64($0, 1)) })
            {
                found[value] = CustomerID(rawValue: id)
            }
        }
        return found
    }

    public func customers(_ ids: [CustomerID]) throws -> [CustomerID: CustomerRecord] {
        var found: [CustomerID: CustomerRecord] = [:]
        try inChunks(ids) { chunk in
            let statement = try hot(
                SetKey.customersByID + chunk.count,
                "SELECT \(Self.customerColumns) FROM customers WHERE id IN (\(Self.placeholders(chunk.count)))")
            for record in try statement.rows(
                { binder in for id in chunk { binder.bind(id.rawValue) } }, read: Self.customer(from:))
            {
                found[record.id] = record
            }
        }
        return found
    }

    public func storedOrderRefs(_ refs: [ExternalRef]) throws -> Set<ExternalRef> {
        var stored = Set<ExternalRef>()
        for (source, group) in Dictionary(grouping: refs, by: \.source) {
            try inChunks(group.map(\.id)) { ids in
                let statement = try hot(
                    SetKey.orderRefs + ids.count,
                    "SELECT ref FROM orders WHERE source = ? AND ref IN (\(Self.placeholders(ids.count)))")
                for ref in try statement.runReturningText({ binder in
                    binder.bind(source)
                    for id in ids { binder.bind(id) }
                }) {
                    stored.insert(ExternalRef(source: source, id: ref))
                }
            }
        }
        return stored
    }

    /// Ids are the next free ones in order (as `INTEGER PRIMARY KEY` gives one insert at a time:
    /// the largest id plus one), so both paths number orders alike.
    public func insertNewOrders(_ orders: [OrderRecord]) throws {
        guard !orders.isEmpty else { return }
        var next = (try fetchInt("SELECT coalesce(max(id), 0) FROM orders", []) ?? 0) + 1
        var lines: [(order: Int64, number: Int, line: OrderLine, placedAt: Int64)] = []
        var start = 0
        while start < orders.count {
            let chunk = orders[start..<min(start + Self.insertChunk, orders.count)]
            try hot(
                SetKey.insertOrders + chunk.count,
                "INSERT OR FAIL INTO orders(id, source, ref, customer_id, placed_at, currency, total_minor, refunded_minor, "
                    + "status, updated_at) VALUES "
                    + Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", ")
            ).run { b in
                for order in chunk {
                    b.bind(next)
                    Self.bindColumns(of: order, &b)
                    for (index, line) in order.lines.enumerated() {
                        lines.append((next, index + 1, line, order.placedAt))
                    }
                    next += 1
                }
            }
            start += chunk.count
        }
        start = 0
        while start < lines.count {
            let chunk = lines[start..<min(start + Self.insertChunk, lines.count)]
            try hot(
                SetKey.insertLines + chunk.count,
                "INSERT OR FAIL INTO order_lines(order_id, line_no, sku, name, quantity, unit_price_minor, placed_at) VALUES "
                    + Array(repeating: "(?, ?, ?, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", ")
            ).run { b in
                for row in chunk {
                    b.bind(row.order)
                    b.bind(row.number)
                    b.bind(row.line.sku)
                    b.bind(row.line.name)
                    b.bind(row.line.quantity)
                    b.bind(row.line.unitPriceMinor)
                    b.bind(row.placedAt)
                }
            }
            start += chunk.count
        }
    }
}
