import Foundation
import PatronCore

/// Compiles a segment expression to a WHERE clause over `customers c`, for any SQL store whose
/// tables are Patron's (``SQLDialect`` holds what differs between engines). Every literal
/// becomes a bound parameter, written `?` (a store that numbers its parameters renumbers
/// them); only catalogue column names, validated channel names (`[a-z0-9_]`) and operators are
/// ever written into the SQL.
package struct SQLSegmentCompiler: Sendable {
    package let dialect: SQLDialect

    package init(dialect: SQLDialect) { self.dialect = dialect }

    /// The SQL for each catalogue field.
    package static let columns: [String: String] = [
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
    /// The score of customer `c`'s latest answer of `kind` (ties: the higher score), through the
    /// index by customer.
    static func lastScore(_ kind: String) -> String {
        """
        (SELECT f.score FROM feedback_responses f WHERE f.customer_id = c.id AND f.kind = '\(kind)' \
        ORDER BY f.answered_at DESC, f.score DESC LIMIT 1)
        """
    }

    package func column(_ field: SegmentField, now: Int64) -> String {
        if field.name == "rfm.recency_days" {
            return
                "(CASE WHEN c.last_order_at IS NOT NULL THEN \(Day(epochSeconds: now).rawValue) - c.last_order_at / 86400 END)"
        }
        if let channel = SegmentCatalogue.consentChannel(of: field) { return dialect.consentStatus(channel) }
        switch field.name {
        case "loyalty.points":
            // What live awards have left (`remaining`, kept as allocations are appended).
            return """
                (SELECT CAST(COALESCE(SUM(l.remaining), 0) AS BIGINT) FROM loyalty_entries l WHERE l.customer_id = c.id \
                AND l.remaining > 0 AND l.available_at <= \(now) AND (l.expires_at IS NULL OR l.expires_at > \(now)))
                """
        case "loyalty.tier": return "(SELECT t.tier FROM loyalty_tiers t WHERE t.customer_id = c.id)"
        case "feedback.nps_last": return Self.lastScore("nps")
        case "feedback.nps_class":
            let score = Self.lastScore("nps")
            return """
                (CASE WHEN \(score) >= 9 THEN 'promoter' WHEN \(score) >= 7 THEN 'passive' \
                WHEN \(score) IS NOT NULL THEN 'detractor' END)
                """
        case "feedback.csat_last": return Self.lastScore("csat")
        case "feedback.reviews.count":
            return "(SELECT count(*) FROM feedback_responses f WHERE f.customer_id = c.id AND f.kind = 'review')"
        case "loyalty.lifetime_points":
            return """
                (SELECT CAST(COALESCE(SUM(CASE l.kind WHEN 'earn' THEN l.points \
                WHEN 'reverse' THEN l.points - l.unrecovered ELSE 0 END), 0) AS BIGINT) \
                FROM loyalty_entries l WHERE l.customer_id = c.id)
                """
        default: break
        }
        return Self.columns[field.name] ?? "NULL"
    }

    /// The FROM clause: customers, joined to the newest RFM snapshot when the expression or the
    /// exported fields need it.
    package func from(_ expression: SegmentExpression, fields: [SegmentField] = []) -> String {
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
    package func compile(_ expression: SegmentExpression, now: Int64, timeZones: [String] = []) -> (
        sql: String, arguments: [SQLArgument]
    ) {
        var arguments: [SQLArgument] = []
        let sql = compile(expression, now: now, timeZones: timeZones, into: &arguments)
        return (sql, arguments)
    }

    /// Anniversaries: the customer's `MM-DD` must be in the window of their local today. Zones
    /// are grouped by the window they give (a handful at any instant); no zone means UTC.
    func upcoming(
        _ column: String, days: Int, now: Int64, timeZones: [String], into arguments: inout [SQLArgument]
    ) -> String {
        let utc = Anniversary.monthDays(now: now, days: days, timeZone: nil)
        var groups: [Set<String>: [String]] = [:]
        for zone in timeZones {
            let window = Anniversary.monthDays(now: now, days: days, timeZone: zone)
            if window != utc { groups[window, default: []].append(zone) }
        }
        guard !groups.isEmpty else {
            arguments += utc.sorted().map(SQLArgument.text)
            return "(\(dialect.monthDay(column)) IN (\(utc.map { _ in "?" }.joined(separator: ", "))))"
        }
        var sql = "(CASE"
        for (window, zones) in groups.sorted(by: { $0.value.first ?? "" < $1.value.first ?? "" }) {
            sql += " WHEN c.timezone IN (\(zones.map { _ in "?" }.joined(separator: ", ")))"
            arguments += zones.map(SQLArgument.text)
            sql += " THEN \(dialect.monthDay(column)) IN (\(window.map { _ in "?" }.joined(separator: ", ")))"
            arguments += window.sorted().map(SQLArgument.text)
        }
        sql += " ELSE \(dialect.monthDay(column)) IN (\(utc.map { _ in "?" }.joined(separator: ", "))) END)"
        arguments += utc.sorted().map(SQLArgument.text)
        return sql
    }

    /// Operands per parenthesised group: a longer `and`/`or` list is cut into groups of this
    /// many, so no chain nears SQLite's expression depth limit (1,000) however long it is.
    package static let groupSize = 32

    /// Compiles `expression` (negated when `negated`) in negation normal form: `not` is pushed
    /// down to the predicates by De Morgan's laws, which hold in SQL's three-valued logic, so
    /// the SQL nests one parenthesis per level of the expression's own parentheses and no more
    /// (SQLite's parser stack holds about 100 entries). Equality tests of one field joined by
    /// `or` become one `IN` list (`!=` joined by `and`, one `NOT IN`).
    func compile(
        _ expression: SegmentExpression, now: Int64, timeZones: [String] = [], negated: Bool = false,
        into arguments: inout [SQLArgument]
    ) -> String {
        switch expression {
        case .not(let inner):
            return compile(inner, now: now, timeZones: timeZones, negated: !negated, into: &arguments)
        case .and(let operands):
            return junction(operands, or: negated, now: now, timeZones: timeZones, negated: negated, into: &arguments)
        case .or(let operands):
            return junction(operands, or: !negated, now: now, timeZones: timeZones, negated: negated, into: &arguments)
        case .test(let field, let test):
            let (test, stillNegated) = Self.absorb(test, negated: negated)
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
    func junction(
        _ operands: [SegmentExpression], or: Bool, now: Int64, timeZones: [String], negated: Bool,
        into arguments: inout [SQLArgument]
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
                let (test, stillNegated) = Self.absorb(test, negated: negated)
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
        return Self.group(sql, or ? "OR" : "AND")
    }

    /// `parts` joined by `op`, parenthesised, in nested groups of at most ``groupSize``.
    static func group(_ parts: [String], _ op: String) -> String {
        var parts = parts
        while parts.count > Self.groupSize {
            parts = stride(from: 0, to: parts.count, by: Self.groupSize).map {
                "(" + parts[$0..<min($0 + Self.groupSize, parts.count)].joined(separator: " \(op) ") + ")"
            }
        }
        return parts.count == 1 ? parts[0] : "(" + parts.joined(separator: " \(op) ") + ")"
    }

    /// One predicate: a field's test or a behaviour.
    func leaf(
        _ expression: SegmentExpression, now: Int64, timeZones: [String], into arguments: inout [SQLArgument]
    ) -> String {
        switch expression {
        case .and, .or, .not:
            return compile(expression, now: now, timeZones: timeZones, into: &arguments)
        case .behaviour(let behaviour):
            func window(_ column: String, _ within: Int64?) -> String {
                arguments.append(.integer(now))
                guard let within else { return "\(column) <= ?" }
                arguments.append(.integer(now - within))
                return "\(column) <= ? AND \(column) >= ?"
            }
            switch behaviour {
            case .bought(let sku, let within):
                // The lines' own time (v8) lets the SKU index range over the window alone.
                let time = window("l.placed_at", within)
                arguments.append(.text(sku))
                return """
                    (c.id IN (SELECT o.customer_id FROM order_lines l JOIN orders o ON o.id = l.order_id \
                    WHERE \(time) AND l.sku = ? AND o.status != 'cancelled'))
                    """
            case .ordered(let op, let count, let within):
                let time = window("o.placed_at", within)
                arguments.append(.integer(Int64(count)))
                return """
                    ((SELECT count(*) FROM orders o WHERE o.customer_id = c.id AND o.status != 'cancelled' \
                    AND \(time)) \(op.rawValue) ?)
                    """
            case .abandonedCart(let within, let minValue):
                let time = window("k.updated_at", within)
                arguments.append(.integer(minValue))
                return """
                    (EXISTS (SELECT 1 FROM carts k WHERE k.customer_id = c.id AND k.status = 'open' \
                    AND \(time) AND k.value_minor >= ?))
                    """
            case .viewed(let sku, let op, let count, let within):
                let time = window("v.at", within)
                var filter = ""
                if let sku {
                    arguments.append(.text(sku))
                    filter = " AND v.sku = ?"
                }
                arguments.append(.integer(count))
                return """
                    ((SELECT count(*) FROM product_views v WHERE v.customer_id = c.id AND \(time)\(filter)) \(op.rawValue) ?)
                    """
            case .pointsExpiring(let op, let points, let within):
                arguments += [.integer(now), .integer(now + within), .integer(points)]
                return """
                    ((SELECT CAST(COALESCE(SUM(l.remaining), 0) AS BIGINT) FROM loyalty_entries l WHERE l.customer_id = c.id \
                    AND l.remaining > 0 AND l.expires_at > ? AND l.expires_at <= ?) \(op.rawValue) ?)
                    """
            }
        case .test(let field, let test):
            let column = self.column(field, now: now)
            func bind(_ operand: SegmentOperand) -> String {
                switch operand {
                case .string(let text): arguments.append(.text(text))
                case .integer, .ago: arguments.append(.integer(operand.value(now: now) ?? 0))
                }
                return "?"
            }
            switch test {
            case .compare(let op, let operand):
                return "(\(column) \(op.rawValue) \(bind(operand)))"
            case .oneOf(let operands, let negated):
                return "(\(column) \(negated ? "NOT IN" : "IN") (\(operands.map { bind($0) }.joined(separator: ", "))))"
            case .contains(let text) where field.type == .stringList:
                arguments.append(.text(text))
                let separator = dialect.unitSeparator
                return
                    "(\(dialect.position("\(separator) || \(column) || \(separator)", "\(separator) || ? || \(separator)")) > 0)"
            case .contains(let text):
                arguments.append(.text(text))
                return "(\(dialect.position(column, "?")) > 0)"
            case .startsWith(let text):
                arguments.append(.text(text))
                return "(\(dialect.position(column, "?")) = 1)"
            case .between(let low, let high):
                return "(\(column) BETWEEN \(bind(low)) AND \(bind(high)))"
            case .isNull(let negated):
                return "(\(column) IS \(negated ? "NOT " : "")NULL)"
            case .upcoming(let days):
                return upcoming(column, days: days, now: now, timeZones: timeZones, into: &arguments)
            case .within(let seconds):
                arguments.append(.integer(now - seconds))
                arguments.append(.integer(now))
                return "(\(column) >= ? AND \(column) <= ?)"
            }
        }
    }
}

extension SegmentOperand {
    /// The operand as an integer at `now` (dates, integers, amounts).
    package func value(now: Int64) -> Int64? {
        switch self {
        case .integer(let value): value
        case .ago(let seconds): now - seconds
        case .string: nil
        }
    }
}
