import Foundation
import GRDB
import GRDBSQLite
import PatronCore

/// A chunk's new customers (one prepared statement), refs and consent statements (multi-row
/// inserts, prepared once per size) — the defaults cost a statement lookup and a GRDB argument
/// array per row.
///
/// Every multi-row insert here (and in `SQLiteTransaction+Sets.swift`) is `INSERT OR FAIL`: a
/// multi-row statement that may abort (SQLite's default `ABORT`) makes SQLite keep a statement
/// journal — a copy of every page the statement touches, spilled to a temporary file past
/// 64 KiB — so that it can undo the statement alone. The ingest never continues a transaction
/// after a failed statement (the whole batch rolls back), so `FAIL`, which keeps no such copy,
/// gives the same answers (an I/O error mid-statement, which SQLite could otherwise undo for the
/// statement alone, rolls the whole batch back, as every other failure does). Measured: the
/// statement journal was a fifth of `patron generate`'s time (299 MB written to
/// `/var/tmp/etilqs_*` for a 19 MB store).
extension SQLiteTransaction {
    /// Hot-statement keys: `key + rows` must stay below the next key (and above
    /// `SetKey.insertLines + insertChunk`).
    enum IdentitySetKey {
        static let insertCustomers = 4700
        static let attachRefs = 4800
        static let recordConsents = 5100
        static let updateAggregates = 5300
    }

    /// Rows per multi-row ref or consent insert.
    static var smallInsertChunk: Int { 128 }

    /// Inserts `items` in statements of up to `size` rows; `sql(n)` is the statement for `n` rows.
    func insertRows<Item>(
        _ items: [Item], size: Int, key: Int, sql: (Int) -> String, bind: (Item, inout RawStatement.Binder) -> Void
    ) throws {
        var start = 0
        while start < items.count {
            let chunk = items[start..<min(start + size, items.count)]
            try hot(key + chunk.count, sql(chunk.count)).run { binder in
                for item in chunk { bind(item, &binder) }
            }
            start += chunk.count
        }
    }

    static func valuesList(_ rows: Int, columns: Int) -> String {
        let row = "(" + Array(repeating: "?", count: columns).joined(separator: ", ") + ")"
        return Array(repeating: row, count: rows).joined(separator: ", ")
    }

    /// With the ids ``nextCustomerID()`` gave (an id already stored fails the batch). One row per
    /// statement: the customers' consent indexes are on `json_extract` expressions, which can
    /// fail, so a multi-row insert would bring the statement journal back.
    public func insertNewCustomers(_ customers: [CustomerRecord]) throws {
        try insertRows(
            customers, size: 1, key: IdentitySetKey.insertCustomers,
            sql: { _ in
                "INSERT INTO customers(id, \(Self.writableColumns.joined(separator: ", "))) VALUES "
                    + Self.valuesList(1, columns: Self.writableColumns.count + 1)
            },
            bind: { customer, binder in
                binder.bind(customer.id.rawValue)
                Self.bind(customer, &binder)
            })
    }

    /// A ref named twice is attached to the last customer named, as one `attach` after another
    /// would leave it.
    public func attach(_ refs: [(ref: ExternalRef, customer: CustomerID)]) throws {
        var last: [ExternalRef: Int] = [:]
        for (index, item) in refs.enumerated() { last[item.ref] = index }
        let rows = refs.indices.filter { last[refs[$0].ref] == $0 }.map { refs[$0] }
        try insertRows(
            rows, size: Self.smallInsertChunk, key: IdentitySetKey.attachRefs,
            sql: { rows in
                "INSERT OR FAIL INTO customer_refs(source, ref, customer_id) VALUES "
                    + Self.valuesList(rows, columns: 3)
                    + " ON CONFLICT(source, ref) DO UPDATE SET customer_id = excluded.customer_id"
            },
            bind: { item, binder in
                binder.bind(item.ref.source)
                binder.bind(item.ref.id)
                binder.bind(item.customer.rawValue)
            })
    }

    /// In the order given (the history's order is its ids').
    public func recordConsents(_ statements: [(statement: ConsentStatement, customer: CustomerID)]) throws {
        try insertRows(
            statements, size: Self.smallInsertChunk, key: IdentitySetKey.recordConsents,
            sql: { rows in
                "INSERT OR FAIL INTO consent_events(customer_id, channel, status, at, source, evidence) VALUES "
                    + Self.valuesList(rows, columns: 6)
            },
            bind: { item, binder in
                binder.bind(item.customer.rawValue)
                binder.bind(item.statement.channel.rawValue)
                binder.bind(item.statement.status.rawValue)
                binder.bind(item.statement.at)
                binder.bind(item.statement.source)
                binder.bind(item.statement.evidence)
            })
        for channel in Set(statements.map(\.statement.channel)) { try ensureAudienceIndex(channel) }
    }
}

extension SQLiteTransaction {
    static let aggregateColumns = [
        "order_count", "revenue_minor", "first_order_at", "last_order_at", "open_cart_count", "open_cart_value_minor",
        "last_cart_activity_at", "open_ticket_count", "last_ticket_at",
    ]

    /// The aggregate columns alone: SQLite then leaves the indexes without them (email, phone)
    /// as they are.
    public func updateCustomerAggregates(_ customers: [CustomerRecord]) throws {
        let statement = try hot(
            IdentitySetKey.updateAggregates,
            "UPDATE customers SET \(Self.aggregateColumns.map { "\($0) = ?" }.joined(separator: ", ")) WHERE id = ?")
        for customer in customers {
            try statement.run { b in
                Self.bind(customer.aggregates, &b)
                b.bind(customer.id.rawValue)
            }
        }
    }
}
