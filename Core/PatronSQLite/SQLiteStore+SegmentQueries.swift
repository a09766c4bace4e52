import Foundation
import GRDB
import GRDBSQLite
import PatronCore
import PatronSQL

extension SQLSegmentCompiler {
    /// SQLite's dialect: consent through `json_extract` (the audience indexes' expression),
    /// `instr`, `substr(…, -5)`, `char(31)`.
    static let sqlite = SQLSegmentCompiler(
        dialect: SQLDialect(
            consentStatus: { SQLiteSchema.consentStatus($0) }, position: { "instr(\($0), \($1))" },
            monthDay: { "substr(\($0), -5)" }, unitSeparator: "char(31)"))
}

extension SQLArgument {
    var databaseValue: DatabaseValue {
        switch self {
        case .text(let text): text.databaseValue
        case .integer(let value): value.databaseValue
        }
    }
}

extension SQLiteStore {
    /// Compiles against this store (anniversaries need the time zones its customers live in).
    func compileSegment(_ expression: SegmentExpression, now: Int64) throws -> (sql: String, arguments: [DatabaseValue])
    {
        var zones: [String] = []
        if expression.readsAnniversaries {
            zones = try writer.read { db in
                try String.fetchAll(db, sql: "SELECT DISTINCT timezone FROM customers WHERE timezone IS NOT NULL")
            }
        }
        let generic = SQLSegmentCompiler.sqlite.compile(expression, now: now, timeZones: zones)
        let compiled = (sql: generic.sql, arguments: generic.arguments.map(\.databaseValue))
        if compiled.arguments.count > 32_766 {
            let limit = try writer.read { db in
                Int(sqlite3_limit(db.sqliteConnection, SQLITE_LIMIT_VARIABLE_NUMBER, -1))
            }
            guard compiled.arguments.count <= limit else {
                throw PatronError(
                    .invalidValue,
                    "segment: the expression needs \(compiled.arguments.count) values bound, more than this SQLite allows (\(limit))",
                    at: InputLocation(field: "segment"))
            }
        }
        return compiled
    }

    /// How many customers are in the segment.
    public func segmentCount(_ expression: SegmentExpression, now: Int64) throws -> Int {
        let (sql, arguments) = try compileSegment(expression, now: now)
        return try conciseRead { db in
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM \(SQLSegmentCompiler.sqlite.from(expression)) WHERE \(sql)",
                arguments: StatementArguments(arguments)) ?? 0
        }
    }

    /// The ids of the customers in the segment, in id order.
    public func segmentMembers(_ expression: SegmentExpression, now: Int64) throws -> [CustomerID] {
        let (sql, arguments) = try compileSegment(expression, now: now)
        return try conciseRead { db in
            try Int64.fetchAll(
                db, sql: "SELECT c.id FROM \(SQLSegmentCompiler.sqlite.from(expression)) WHERE \(sql) ORDER BY c.id",
                arguments: StatementArguments(arguments)
            )
            .map { CustomerID(rawValue: $0) }
        }
    }

    /// Streams every member, in id order, as a row read straight from SQLite: the customer's
    /// report key, then `fields` (the row is valid only inside `body`).
    ///
    /// Without an expression every customer is a member; `after` and `limit` page through them
    /// (keyset pagination on the id).
    public func forEachSegmentMember(
        _ expression: SegmentExpression?, fields: [SegmentField], now: Int64, after: CustomerID? = nil,
        limit: Int? = nil, _ body: (SQLiteSegmentRow) throws -> Void
    ) throws {
        var (sql, arguments) = try expression.map { try compileSegment($0, now: now) } ?? ("1", [])
        let everyone = SegmentExpression.test(
            SegmentCatalogue.field(named: "orders.count")!, .compare(.greaterOrEqual, .integer(0)))
        let from = SQLSegmentCompiler.sqlite.from(expression ?? everyone, fields: fields)
        if let after {
            sql = "(\(sql)) AND c.id > ?"
            arguments.append(after.rawValue.databaseValue)
        }
        var tail = " ORDER BY c.id"
        if let limit {
            tail += " LIMIT ?"
            arguments.append(limit.databaseValue)
        }
        let selected = fields.map { SQLSegmentCompiler.sqlite.column($0, now: now) }
        let columnList = (["c.id", "c.primary_ref"] + selected).joined(separator: ", ")
        try conciseRead { db in
            let statement = try db.makeStatement(sql: "SELECT \(columnList) FROM \(from) WHERE \(sql)\(tail)")
            try statement.setArguments(StatementArguments(arguments))
            let handle = statement.sqliteStatement
            defer { sqlite3_reset(handle) }
            while true {
                let code = sqlite3_step(handle)
                if code == SQLITE_DONE { return }
                guard code == SQLITE_ROW else {
                    throw DatabaseError(
                        resultCode: ResultCode(rawValue: code),
                        message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
                        sql: statement.sql)
                }
                try body(SQLiteSegmentRow(handle: handle))
            }
        }
    }

    /// The SQL a segment runs and SQLite's plan for it.
    public func explainSegment(_ expression: SegmentExpression, now: Int64) throws -> (query: String, plan: [String]) {
        let (sql, arguments) = try compileSegment(expression, now: now)
        let query = "SELECT count(*) FROM \(SQLSegmentCompiler.sqlite.from(expression)) WHERE \(sql)"
        let plan = try conciseRead { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + query, arguments: StatementArguments(arguments))
                .map { $0["detail"] as String? ?? "" }
        }
        let shown = arguments.map { value -> String in
            if let text = String.fromDatabaseValue(value) { return "\"\(text)\"" }
            return value.description
        }
        return (query + "\n-- parameters: " + shown.joined(separator: ", "), plan)
    }
}

/// A segment member on SQLite's current row: column 0 is the id, 1 the primary ref, then the
/// exported fields. Text is read in place, without copying.
extension SQLiteStore: SegmentQueries {}

public struct SQLiteSegmentRow: SegmentRow {
    let handle: OpaquePointer

    /// The member's id in the store.
    public var id: CustomerID { CustomerID(sqlite3_column_int64(handle, 0)) }

    public func withKey<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        if sqlite3_column_type(handle, 1) == SQLITE_NULL {
            var key = CustomerID(sqlite3_column_int64(handle, 0)).reportKey
            return try key.withUTF8(body)
        }
        return try text(1, body)
    }

    public func isNull(_ index: Int) -> Bool { sqlite3_column_type(handle, Int32(index + 2)) == SQLITE_NULL }

    public func integer(_ index: Int) -> Int64 { sqlite3_column_int64(handle, Int32(index + 2)) }

    public func withText<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try text(Int32(index + 2), body)
    }

    private func text<R>(_ column: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let pointer = sqlite3_column_text(handle, column)
        let count = Int(sqlite3_column_bytes(handle, column))
        return try body(UnsafeBufferPointer(start: pointer, count: pointer == nil ? 0 : count))
    }
}

extension SQLiteStore {
    /// Streams the orders of the segment's members (every order without an expression), in
    /// order id order.
    public func forEachOrder(
        of expression: SegmentExpression?, now: Int64, _ body: (OrderExportRow) throws -> Void
    ) throws {
        var filter = ""
        var arguments: [DatabaseValue] = []
        if let expression {
            let (sql, values) = try compileSegment(expression, now: now)
            filter =
                "WHERE o.customer_id IN (SELECT c.id FROM \(SQLSegmentCompiler.sqlite.from(expression)) WHERE \(sql))"
            arguments = values
        }
        try conciseRead { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT o.ref, o.source, coalesce(k.primary_ref, 'patron:' || k.id), o.placed_at, o.status,
                        o.currency, o.total_minor, o.refunded_minor,
                        (SELECT count(*) FROM order_lines l WHERE l.order_id = o.id)
                    FROM orders o JOIN customers k ON k.id = o.customer_id \(filter) ORDER BY o.id
                    """, arguments: StatementArguments(arguments))
            while let row = try rows.next() {
                let ref: String = row[0]
                let source: String = row[1]
                let customer: String = row[2]
                let placedAt: Int64 = row[3]
                let status: String = row[4]
                let currency: String = row[5]
                let total: Int64 = row[6]
                let refunded: Int64 = row[7]
                let lines: Int = row[8]
                try body(
                    OrderExportRow(
                        ref: ref, source: source, customerKey: customer, placedAt: placedAt, status: status,
                        currency: CurrencyCode(currency) ?? .usd, totalMinor: total, refundedMinor: refunded,
                        lines: lines))
            }
        }
    }
}
