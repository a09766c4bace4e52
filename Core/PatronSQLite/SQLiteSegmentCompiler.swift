import Foundation
import GRDB
import GRDBSQLite
import PatronCore

/// Compiles a segment expression to a WHERE clause over `customers c`. Every literal becomes a
/// bound parameter; only catalogue column names, validated channel names (`[a-z0-9_]`) and
/// operators are ever written into the SQL.
enum SQLiteSegmentCompiler {
    /// The SQL for each catalogue field.
    static let columns: [String: String] = [
        "email": "c.email", "phone": "c.phone", "country": "c.country", "timezone": "c.timezone",
        "tags": "c.tags", "created_at": "c.created_at", "birthday": "c.birthday",
        "orders.count": "c.order_count", "orders.total": "c.revenue_minor",
        "orders.first_at": "c.first_order_at", "orders.last_at": "c.last_order_at",
        "aov": "(CASE WHEN c.order_count > 0 THEN c.revenue_minor / c.order_count END)",
        "cart.open_value": "c.open_cart_value_minor",
        "cart.abandoned_at": "(CASE WHEN c.open_cart_count > 0 THEN c.last_cart_activity_at END)",
        "tickets.open": "c.open_ticket_count", "tickets.last_at": "c.last_ticket_at",
        "rfm.r": "s.r", "rfm.f": "s.f", "rfm.m": "s.m", "rfm.segment": "s.segment",
        "predicted.p_alive": "p.p_alive", "predicted.orders_52w": "p.orders_52w", "predicted.clv_12m": "p.clv_12m",
    ]

    /// The SQL of a field at `now` (`rfm.recency_days` depends on it; `now` is an integer Patron
    /// computed, never user text).
    static func column(_ field: SegmentField, now: Int64) -> String {
        if field.name == "rfm.recency_days" {
            return
                "(CASE WHEN c.last_order_at IS NOT NULL THEN \(Day(epochSeconds: now).rawValue) - c.last_order_at / 86400 END)"
        }
        if let channel = SegmentCatalogue.consentChannel(of: field) { return SQLiteSchema.consentStatus(channel) }
        return columns[field.name] ?? "NULL"
    }

    /// The FROM clause: customers, joined to the newest RFM snapshot when the expression or the
    /// exported fields need it.
    static func from(_ expression: SegmentExpression, fields: [SegmentField] = []) -> String {
        var from = "customers c"
        if expression.readsRFMSnapshot || fields.contains(where: SegmentCatalogue.readsSnapshot) {
            from +=
                " LEFT JOIN rfm_snapshot_rows s ON s.customer_id = c.id "
                + "AND s.snapshot_id = (SELECT max(id) FROM rfm_snapshots)"
        }
        if expression.readsPredictions || fields.contains(where: SegmentCatalogue.readsPredictions) {
            from += " LEFT JOIN customer_predictions p ON p.customer_id = c.id"
        }
        return from
    }

    /// The WHERE clause and its arguments, with `now` fixing relative dates.
    static func compile(_ expression: SegmentExpression, now: Int64, timeZones: [String] = []) -> (
        sql: String, arguments: [DatabaseValue]
    ) {
        var arguments: [DatabaseValue] = []
        let sql = compile(expression, now: now, timeZones: timeZones, into: &arguments)
        return (sql, arguments)
    }

    /// Anniversaries: the customer's `MM-DD` must be in the window of their local today. Zones
    /// are grouped by the window they give (a handful at any instant); no zone means UTC.
    static func upcoming(
        _ column: String, days: Int, now: Int64, timeZones: [String], into arguments: inout [DatabaseValue]
    ) -> String {
        let utc = Anniversary.monthDays(now: now, days: days, timeZone: nil)
        var groups: [Set<String>: [String]] = [:]
        for zone in timeZones {
            let window = Anniversary.monthDays(now: now, days: days, timeZone: zone)
            if window != utc { groups[window, default: []].append(zone) }
        }
        guard !groups.isEmpty else {
            arguments += utc.sorted().map(\.databaseValue)
            return "(substr(\(column), -5) IN (\(utc.map { _ in "?" }.joined(separator: ", "))))"
        }
        var sql = "(CASE"
        for (window, zones) in groups.sorted(by: { $0.value.first ?? "" < $1.value.first ?? "" }) {
            sql += " WHEN c.timezone IN (\(zones.map { _ in "?" }.joined(separator: ", ")))"
            arguments += zones.map(\.databaseValue)
            sql += " THEN substr(\(column), -5) IN (\(window.map { _ in "?" }.joined(separator: ", ")))"
            arguments += window.sorted().map(\.databaseValue)
        }
        sql += " ELSE substr(\(column), -5) IN (\(utc.map { _ in "?" }.joined(separator: ", "))) END)"
        arguments += utc.sorted().map(\.databaseValue)
        return sql
    }

    /// Operands per parenthesised group: a longer `and`/`or` list is cut into groups of this
    /// many, so no chain nears SQLite's expression depth limit (1,000) however long it is.
    static let groupSize = 32

    /// Compiles `expression` (negated when `negated`) in negation normal form: `not` is pushed
    /// down to the predicates by De Morgan's laws, which hold in SQL's three-valued logic, so
    /// the SQL nests one parenthesis per level of the expression's own parentheses and no more
    /// (SQLite's parser stack holds about 100 entries). Equality tests of one field joined by
    /// `or` become one `IN` list (`!=` joined by `and`, one `NOT IN`).
    static func compile(
        _ expression: SegmentExpression, now: Int64, timeZones: [String] = [], negated: Bool = false,
        into arguments: inout [DatabaseValue]
    ) -> String {
        switch expression {
        case .not(let inner):
            return compile(inner, now: now, timeZones: timeZones, negated: !negated, into: &arguments)
        case .and(let operands):
            return junction(operands, or: negated, now: now, timeZones: timeZones, negated: negated, into: &arguments)
        case .or(let operands):
            return junction(operands, or: !negated, now: now, timeZones: timeZones, negated: negated, into: &arguments)
        case .test(let field, let test):
            let (test, stillNegated) = absorb(test, negated: negated)
            let sql = leaf(.test(field, test), now: now, timeZones: timeZones, into: &arguments)
            return stillNegated ? "(NOT \(sql))" : sql
        case .behaviour:
            let sql = leaf(expression, now: now, timeZones: timeZones, into: &arguments)
            return negated ? "(NOT \(sql))" : sql
        }
    }

    /// A test with a negation folded in where SQL has the opposite form with the same
    /// three-valued meaning (`not a = 1` is `a != 1`; `not a in (…)` is `a not in (…)`).
    static func absorb(_ test: SegmentTest, negated: Bool) -> (SegmentTest, Bool) {
        guard negated else { return (test, false) }
        switch test {
        case .compare(.equal, let operand): return (.compare(.notEqual, operand), false)
        case .compare(.notEqual, let operand): return (.compare(.equal, operand), false)
        case .oneOf(let operands, let isNegated): return (.oneOf(operands, negated: !isNegated), false)
        default: return (test, true)
        }
    }

    /// The operands (each negated when `negated`) joined by OR (`or`) or AND, with equality
    /// tests of one field merged into one list, in groups of ``groupSize``.
    static func junction(
        _ operands: [SegmentExpression], or: Bool, now: Int64, timeZones: [String], negated: Bool,
        into arguments: inout [DatabaseValue]
    ) -> String {
        // Under OR, `f = v` and `f in (…)` merge into `f in (…)`; under AND, `f != v` and
        // `f not in (…)` into `f not in (…)`.
        var lists: [String: [SegmentOperand]] = [:]
        var parts: [Either] = []
        enum Either {
            case expression(SegmentExpression, negated: Bool)
            case list(SegmentField)
        }
        for operand in operands {
            if case .test(let field, let test) = operand {
                let (test, stillNegated) = absorb(test, negated: negated)
                var values: [SegmentOperand]?
                switch test {
                case .compare(.equal, let value) where or && !stillNegated: values = [value]
                case .compare(.notEqual, let value) where !or && !stillNegated: values = [value]
                case .oneOf(let list, let isNegated) where isNegated != or && !stillNegated: values = list
                default: values = nil
                }
                if let values {
                    if lists[field.name] == nil { parts.append(.list(field)) }
                    lists[field.name, default: []] += values
                    continue
                }
            }
            parts.append(.expression(operand, negated: negated))
        }
        var sql: [String] = []
        for part in parts {
            switch part {
            case .expression(let operand, let negated):
                sql.append(compile(operand, now: now, timeZones: timeZones, negated: negated, into: &arguments))
            case .list(let field):
                let values = lists[field.name] ?? []
                let test: SegmentTest =
                    values.count == 1
                    ? .compare(or ? .equal : .notEqual, values[0]) : .oneOf(values, negated: !or)
                sql.append(leaf(.test(field, test), now: now, timeZones: timeZones, into: &arguments))
            }
        }
        return group(sql, or ? "OR" : "AND")
    }

    /// `parts` joined by `op`, parenthesised, in nested groups of at most ``groupSize``.
    static func group(_ parts: [String], _ op: String) -> String {
        var parts = parts
        while parts.count > groupSize {
            parts = stride(from: 0, to: parts.count, by: groupSize).map {
                "(" + parts[$0..<min($0 + groupSize, parts.count)].joined(separator: " \(op) ") + ")"
            }
        }
        return parts.count == 1 ? parts[0] : "(" + parts.joined(separator: " \(op) ") + ")"
    }

    /// One predicate: a field's test or a behaviour.
    static func leaf(
        _ expression: SegmentExpression, now: Int64, timeZones: [String], into arguments: inout [DatabaseValue]
    ) -> String {
        switch expression {
        case .and, .or, .not:
            return compile(expression, now: now, timeZones: timeZones, into: &arguments)
        case .behaviour(let behaviour):
            func window(_ column: String, _ within: Int64?) -> String {
                arguments.append(now.databaseValue)
                guard let within else { return "\(column) <= ?" }
                arguments.append((now - within).databaseValue)
                return "\(column) <= ? AND \(column) >= ?"
            }
            switch behaviour {
            case .bought(let sku, let within):
                // The lines' own time (v8) lets the SKU index range over the window alone.
                let time = window("l.placed_at", within)
                arguments.append(sku.databaseValue)
                return """
                    (c.id IN (SELECT o.customer_id FROM order_lines l JOIN orders o ON o.id = l.order_id \
                    WHERE \(time) AND l.sku = ? AND o.status != 'cancelled'))
                    """
            case .ordered(let op, let count, let within):
                let time = window("o.placed_at", within)
                arguments.append(count.databaseValue)
                return """
                    ((SELECT count(*) FROM orders o WHERE o.customer_id = c.id AND o.status != 'cancelled' \
                    AND \(time)) \(op.rawValue) ?)
                    """
            case .abandonedCart(let within, let minValue):
                let time = window("k.updated_at", within)
                arguments.append(minValue.databaseValue)
                return """
                    (EXISTS (SELECT 1 FROM carts k WHERE k.customer_id = c.id AND k.status = 'open' \
                    AND \(time) AND k.value_minor >= ?))
                    """
            }
        case .test(let field, let test):
            let column = Self.column(field, now: now)
            func bind(_ operand: SegmentOperand) -> String {
                switch operand {
                case .string(let text): arguments.append(text.databaseValue)
                case .integer, .ago: arguments.append((operand.value(now: now) ?? 0).databaseValue)
                }
                return "?"
            }
            switch test {
            case .compare(let op, let operand):
                return "(\(column) \(op.rawValue) \(bind(operand)))"
            case .oneOf(let operands, let negated):
                return "(\(column) \(negated ? "NOT IN" : "IN") (\(operands.map { bind($0) }.joined(separator: ", "))))"
            case .contains(let text) where field.type == .stringList:
                arguments.append(text.databaseValue)
                return "(instr(char(31) || \(column) || char(31), char(31) || ? || char(31)) > 0)"
            case .contains(let text):
                arguments.append(text.databaseValue)
                return "(instr(\(column), ?) > 0)"
            case .startsWith(let text):
                arguments.append(text.databaseValue)
                return "(instr(\(column), ?) = 1)"
            case .between(let low, let high):
                return "(\(column) BETWEEN \(bind(low)) AND \(bind(high)))"
            case .isNull(let negated):
                return "(\(column) IS \(negated ? "NOT " : "")NULL)"
            case .upcoming(let days):
                return upcoming(column, days: days, now: now, timeZones: timeZones, into: &arguments)
            case .within(let seconds):
                arguments.append((now - seconds).databaseValue)
                arguments.append(now.databaseValue)
                return "(\(column) >= ? AND \(column) <= ?)"
            }
        }
    }
}

extension SegmentOperand {
    /// The operand as an integer at `now` (dates, integers, amounts).
    func value(now: Int64) -> Int64? {
        switch self {
        case .integer(let value): value
        case .ago(let seconds): now - seconds
        case .string: nil
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
        let compiled = SQLiteSegmentCompiler.compile(expression, now: now, timeZones: zones)
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
                db, sql: "SELECT count(*) FROM \(SQLiteSegmentCompiler.from(expression)) WHERE \(sql)",
                arguments: StatementArguments(arguments)) ?? 0
        }
    }

    /// The ids of the customers in the segment, in id order.
    public func segmentMembers(_ expression: SegmentExpression, now: Int64) throws -> [CustomerID] {
        let (sql, arguments) = try compileSegment(expression, now: now)
        return try conciseRead { db in
            try Int64.fetchAll(
                db, sql: "SELECT c.id FROM \(SQLiteSegmentCompiler.from(expression)) WHERE \(sql) ORDER BY c.id",
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
        let from = SQLiteSegmentCompiler.from(expression ?? everyone, fields: fields)
        if let after {
            sql = "(\(sql)) AND c.id > ?"
            arguments.append(after.rawValue.databaseValue)
        }
        var tail = " ORDER BY c.id"
        if let limit {
            tail += " LIMIT ?"
            arguments.append(limit.databaseValue)
        }
        let selected = fields.map { SQLiteSegmentCompiler.column($0, now: now) }
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
        let query = "SELECT count(*) FROM \(SQLiteSegmentCompiler.from(expression)) WHERE \(sql)"
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
            filter = "WHERE o.customer_id IN (SELECT c.id FROM \(SQLiteSegmentCompiler.from(expression)) WHERE \(sql))"
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
