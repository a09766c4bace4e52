import Foundation
import PatronCore
import PatronSQL
import PostgresNIO

extension SQLSegmentCompiler {
    /// PostgreSQL's dialect: consent through `#>>` on the column cast to `jsonb` (the audience
    /// indexes' expression), `strpos`, `right(…, 5)`, `chr(31)`.
    static let postgres = SQLSegmentCompiler(
        dialect: SQLDialect(
            consentStatus: { PostgresSchema.consentStatus($0) }, position: { "strpos(\($0), \($1))" },
            monthDay: { "right(\($0), 5)" }, unitSeparator: "chr(31)"))
}

/// Segments: counts, members, exports and saved segments, through the shared compiler.
extension PostgresStore: SegmentRepository, SegmentQueries {
    /// A compiled segment: SQL with `$n` parameters and their bindings.
    struct CompiledSegment {
        var sql: String
        var arguments: [SQLArgument]

        /// The query with the compiler's `?` numbered `$1…` (from `$2` after a `leading` array of
        /// ids, bound as `$1`), and the bindings; `extra` values follow the compiler's.
        func query(_ template: (String) -> String, leading: [Int64]? = nil, extra: [SQLArgument] = []) -> PostgresQuery
        {
            var number = leading == nil ? 1 : 2
            var numbered = ""
            for character in sql {
                if character == "?" {
                    numbered += "$\(number)"
                    number += 1
                } else {
                    numbered.append(character)
                }
            }
            var bindings = PostgresBindings(capacity: arguments.count + extra.count + 1)
            if let leading { bindings.append(leading) }
            for argument in arguments + extra {
                switch argument {
                case .text(let text): bindings.append(text)
                case .integer(let value): bindings.append(value)
                }
            }
            return PostgresQuery(unsafeSQL: template(numbered), binds: bindings)
        }
    }

    /// Compiles against this store (anniversaries need the time zones its customers live in).
    func compileSegment(_ expression: SegmentExpression?, now: Int64) throws -> CompiledSegment {
        guard let expression else { return CompiledSegment(sql: "TRUE", arguments: []) }
        var zones: [String] = []
        if expression.readsAnniversaries {
            zones = try read { t in
                try t.session.values(String.self, "SELECT DISTINCT timezone FROM customers WHERE timezone IS NOT NULL")
            }
        }
        let compiled = SQLSegmentCompiler.postgres.compile(expression, now: now, timeZones: zones)
        guard compiled.arguments.count < 65_535 else {
            throw PatronError(
                .invalidValue,
                "segment: the expression needs \(compiled.arguments.count) values bound, more than PostgreSQL allows (65,535)",
                at: InputLocation(field: "segment"))
        }
        return CompiledSegment(sql: compiled.sql, arguments: compiled.arguments)
    }

    public func members(_ expression: SegmentExpression, now: Int64) throws -> [CustomerID] {
        let compiled = try compileSegment(expression, now: now)
        let from = SQLSegmentCompiler.postgres.from(expression)
        return try read { t in
            try t.session.values(Int64.self, compiled.query { "SELECT c.id FROM \(from) WHERE \($0) ORDER BY c.id" })
                .map { CustomerID($0) }
        }
    }

    public func segmentCount(_ expression: SegmentExpression, now: Int64) throws -> Int {
        let compiled = try compileSegment(expression, now: now)
        let from = SQLSegmentCompiler.postgres.from(expression)
        return try read { t in
            Int(try t.session.value(Int64.self, compiled.query { "SELECT count(*) FROM \(from) WHERE \($0)" }) ?? 0)
        }
    }

    public func forEachSegmentMember(
        _ expression: SegmentExpression?, fields: [SegmentField], now: Int64, after: CustomerID? = nil,
        limit: Int? = nil, _ body: (SegmentValuesRow) throws -> Void
    ) throws {
        let compiled = try compileSegment(expression, now: now)
        let everyone = SegmentExpression.test(
            SegmentCatalogue.field(named: "orders.count")!, .compare(.greaterOrEqual, .integer(0)))
        let from = SQLSegmentCompiler.postgres.from(expression ?? everyone, fields: fields)
        let selected = fields.map { SQLSegmentCompiler.postgres.column($0, now: now) }
        let columns = (["c.id", "c.primary_ref"] + selected).joined(separator: ", ")
        var extra: [SQLArgument] = []
        var next = compiled.arguments.count + 1
        var tail = ""
        if let after {
            tail += " AND c.id > $\(next)"
            next += 1
            extra.append(.integer(after.rawValue))
        }
        tail += " ORDER BY c.id"
        if let limit {
            tail += " LIMIT $\(next)"
            extra.append(.integer(Int64(limit)))
        }
        let query = compiled.query({ "SELECT \(columns) FROM \(from) WHERE (\($0))\(tail)" }, extra: extra)
        try read { t in
            try t.session.forEachRow(query) { row in
                // The cells in order (a random-access view costs an array and a lookup per row).
                var cells = row.makeIterator()
                guard let idCell = cells.next(), let keyCell = cells.next() else {
                    throw PatronError(.storeFailure, "\(server): a segment row came back without its id")
                }
                let id = CustomerID(try idCell.decode(Int64.self))
                var values: [SegmentValue?] = []
                values.reserveCapacity(fields.count)
                for field in fields {
                    guard let cell = cells.next() else {
                        throw PatronError(.storeFailure, "\(server): a segment row came back short")
                    }
                    guard cell.bytes != nil else {
                        values.append(nil)
                        continue
                    }
                    switch field.type {
                    case .integer, .money, .instant, .decimal: values.append(.integer(try cell.decode(Int64.self)))
                    case .string, .enumeration: values.append(.text(try cell.decode(String.self)))
                    case .stringList:
                        values.append(.list(StoredColumns.decodeWords(try cell.decode(String.self))))
                    }
                }
                try body(
                    SegmentValuesRow(id: id, key: try keyCell.decode(String?.self) ?? id.reportKey, values: values))
            }
        }
    }

    public func forEachOrder(
        of expression: SegmentExpression?, now: Int64, _ body: (OrderExportRow) throws -> Void
    ) throws {
        let compiled = try compileSegment(expression, now: now)
        let filter =
            expression.map {
                "WHERE o.customer_id IN (SELECT c.id FROM \(SQLSegmentCompiler.postgres.from($0)) WHERE ?)"
            }
            ?? ""
        let query = compiled.query { condition in
            """
            SELECT o.ref, o.source, coalesce(k.primary_ref, 'patron:' || k.id), o.placed_at, o.status,
                o.currency, o.total_minor, o.refunded_minor,
                (SELECT count(*) FROM order_lines l WHERE l.order_id = o.id)
            FROM orders o JOIN customers k ON k.id = o.customer_id
            \(filter.replacingOccurrences(of: "WHERE ?)", with: "WHERE \(condition))")) ORDER BY o.id
            """
        }
        try read { t in
            try t.session.forEachRow(query) { row in
                let r = PostgresRowReader(row)
                try body(
                    OrderExportRow(
                        ref: try r.text(0), source: try r.text(1), customerKey: try r.text(2), placedAt: try r.int(3),
                        status: try r.text(4), currency: CurrencyCode(try r.text(5)) ?? .usd,
                        totalMinor: try r.int(6), refundedMinor: try r.int(7), lines: Int(try r.int(8))))
            }
        }
    }

    public func explainSegment(_ expression: SegmentExpression, now: Int64) throws -> (query: String, plan: [String]) {
        let compiled = try compileSegment(expression, now: now)
        let from = SQLSegmentCompiler.postgres.from(expression)
        let count = compiled.query { "SELECT count(*) FROM \(from) WHERE \($0)" }
        var explain = count
        explain.sql = "EXPLAIN " + count.sql
        let plan = try read { t in try t.session.values(String.self, explain) }
        return (count.sql + "\n-- parameters: " + compiled.arguments.map(\.description).joined(separator: ", "), plan)
    }

    public func savedSegment(named name: String) throws -> SavedSegment? {
        try read { t in
            try t.session.rows("SELECT name, expression, saved_at FROM segments WHERE name = \(name)").first
                .map(Self.savedSegment(from:))
        }
    }

    public func savedSegments() throws -> [SavedSegment] {
        try read { t in
            try t.session.rows("SELECT name, expression, saved_at FROM segments ORDER BY name")
                .map(Self.savedSegment(from:))
        }
    }

    static func savedSegment(from row: PostgresRow) throws -> SavedSegment {
        let r = PostgresRowReader(row)
        return SavedSegment(name: try r.text(0), expression: try r.text(1), savedAt: try r.int(2))
    }

    public func save(_ segment: SavedSegment) throws {
        try write { t in
            try t.session.execute(
                """
                INSERT INTO segments(name, expression, saved_at) VALUES (\(segment.name), \(segment.expression), \(segment.savedAt))
                ON CONFLICT (name) DO UPDATE SET expression = excluded.expression, saved_at = excluded.saved_at
                """)
        }
    }

    public func deleteSegment(named name: String) throws -> Bool {
        try write { t in
            try t.session.execute(
                """
                DELETE FROM segment_snapshot_members
                WHERE snapshot_id IN (SELECT id FROM segment_snapshots WHERE segment = \(name))
                """)
            try t.session.execute("DELETE FROM segment_snapshots WHERE segment = \(name)")
            return try t.session.execute("DELETE FROM segments WHERE name = \(name)") > 0
        }
    }

    public func latestMembership(of name: String) throws -> (takenAt: Int64, members: [CustomerID])? {
        try read { t in
            guard
                let head = try t.session.rows(
                    "SELECT id, taken_at FROM segment_snapshots WHERE segment = \(name) ORDER BY id DESC LIMIT 1"
                ).first
            else { return nil }
            let h = PostgresRowReader(head)
            let members = try t.session.values(
                Int64.self,
                "SELECT customer_id FROM segment_snapshot_members WHERE snapshot_id = \(try h.int(0)) ORDER BY customer_id"
            ).map { CustomerID($0) }
            return (try h.int(1), members)
        }
    }

    public func membershipSizes(of name: String, limit: Int) throws -> [(takenAt: Int64, members: Int)] {
        try read { t in
            try t.session.rows(
                """
                SELECT s.taken_at, (SELECT count(*) FROM segment_snapshot_members m WHERE m.snapshot_id = s.id)
                FROM (SELECT id, taken_at FROM segment_snapshots WHERE segment = \(name) ORDER BY id DESC
                      LIMIT \(Int64(max(0, limit)))) s
                ORDER BY s.id
                """
            ).map { row in
                let r = PostgresRowReader(row)
                return (takenAt: try r.int(0), members: Int(try r.int(1)))
            }
        }
    }

    public func recordMembership(of name: String, members: [CustomerID], diff: SegmentDiff, at: Int64) throws {
        try write { t in
            let snapshot =
                try t.session.value(
                    Int64.self, "INSERT INTO segment_snapshots(segment, taken_at) VALUES (\(name), \(at)) RETURNING id")
                ?? 0
            for chunk in members.map(\.rawValue).chunks(of: 50_000) {
                try t.session.execute(
                    """
                    INSERT INTO segment_snapshot_members(snapshot_id, customer_id)
                    SELECT \(snapshot), unnest(\(Array(chunk))::bigint[])
                    """)
            }
            for (ids, kind) in [(diff.entered, "entered"), (diff.left, "left")] where !ids.isEmpty {
                try t.session.execute(
                    """
                    INSERT INTO segment_membership_changes(segment, customer_id, change, at)
                    SELECT \(name), unnest(\(ids.map(\.rawValue))::bigint[]), \(kind), \(at)
                    """)
            }
        }
    }

    /// How reports name these customers (their primary ref, or `patron:N`).
    public func reportKeys(for ids: [CustomerID]) throws -> [CustomerID: String] {
        var keys: [CustomerID: String] = [:]
        for id in ids { keys[id] = id.reportKey }
        try read { t in
            for row in try t.session.rows(
                """
                SELECT id, primary_ref FROM customers
                WHERE id = ANY(\(ids.map(\.rawValue))::bigint[]) AND primary_ref IS NOT NULL
                """)
            {
                let r = PostgresRowReader(row)
                keys[CustomerID(try r.int(0))] = try r.text(1)
            }
        }
        return keys
    }

    /// How reports name every customer, in one scan.
    public func allReportKeys() throws -> [CustomerID: String] {
        var keys: [CustomerID: String] = [:]
        try read { t in
            try t.session.forEachRow("SELECT id, primary_ref FROM customers") { row in
                let r = PostgresRowReader(row)
                let id = CustomerID(try r.int(0))
                keys[id] = try r.optionalText(1) ?? id.reportKey
            }
        }
        return keys
    }
}
