import Foundation
import GRDB
import GRDBSQLite
import PatronCore
import PatronSQL

/// The points ledgers (`loyalty_entries`) and the active rules (`meta`).
extension SQLiteTransaction {
    public func loyaltyEntries(of customer: CustomerID) throws -> [LoyaltyEntry] {
        try loyaltyEntries(ofCustomers: [customer])[customer] ?? []
    }

    /// One `IN (…)` query per chunk of customers, read through the C API (GRDB rows and their
    /// generic decoding were a third of the nightly expiry's time at 1M customers).
    public func loyaltyEntries(ofCustomers customers: [CustomerID]) throws -> [CustomerID: [LoyaltyEntry]] {
        var found: [CustomerID: [LoyaltyEntry]] = [:]
        try inChunks(Array(Set(customers)).map(\.rawValue)) { ids in
            let statement = try raw(
                """
                SELECT \(StoredColumns.loyaltyColumns) FROM loyalty_entries
                WHERE customer_id IN (\(Self.placeholders(ids.count))) ORDER BY customer_id, id
                """)
            let rows = try statement.rows({ b in for id in ids { b.bind(id) } }, read: Self.loyaltyEntry)
            for row in rows {
                let entry = try row.get()
                found[entry.customerID, default: []].append(entry)
            }
        }
        return found
    }

    /// A `loyalty_entries` row as the C API hands it over (columns in `StoredColumns.loyaltyColumns`' order).
    static func loyaltyEntry(_ h: OpaquePointer) -> Result<LoyaltyEntry, any Error> {
        func text(_ column: Int32) -> String? { RawStatement.text(h, column) }
        func integer(_ column: Int32) -> Int64? {
            sqlite3_column_type(h, column) == SQLITE_NULL ? nil : sqlite3_column_int64(h, column)
        }
        let key = text(0) ?? ""
        guard let kind = text(2).flatMap(LoyaltyEntry.Kind.init(rawValue:)) else {
            return .failure(PatronError(.storeFailure, "loyalty entry '\(key)' has an unknown kind"))
        }
        return Result {
            LoyaltyEntry(
                key: key, customerID: CustomerID(sqlite3_column_int64(h, 1)), kind: kind,
                points: sqlite3_column_int64(h, 3), at: sqlite3_column_int64(h, 4),
                availableAt: sqlite3_column_int64(h, 5), expiresAt: integer(6), reason: text(7) ?? "",
                actor: text(8), orderRef: text(9), unrecovered: sqlite3_column_int64(h, 10),
                allocations: try StoredColumns.decodeAllocations(text(11) ?? "[]"))
        }
    }

    public func appendLoyaltyEntries(_ entries: [LoyaltyEntry]) throws {
        let insert = try hot(
            HotKey.insertLoyaltyEntry,
            """
            INSERT INTO loyalty_entries(\(StoredColumns.loyaltyColumns), remaining)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for entry in entries {
            // The key's UNIQUE constraint finds a stored or repeated key (the caller's write
            // then rolls back).
            do {
                try insert.run { b in
                    b.bind(entry.key)
                    b.bind(entry.customerID.rawValue)
                    b.bind(entry.kind.rawValue)
                    b.bind(entry.points)
                    b.bind(entry.at)
                    b.bind(entry.availableAt)
                    b.bind(entry.expiresAt)
                    b.bind(entry.reason)
                    b.bind(entry.actor)
                    b.bind(entry.orderRef)
                    b.bind(entry.unrecovered)
                    b.bind(entry.allocations.isEmpty ? "[]" : StoredColumns.encode(entry.allocations))
                    b.bind(entry.isAward ? entry.points : nil)
                }
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                throw PatronError(.conflict, "loyalty entry '\(entry.key)' is stored already")
            }
            guard !entry.allocations.isEmpty else { continue }
            let draw = try hot(
                HotKey.drawLoyaltyAward, "UPDATE loyalty_entries SET remaining = remaining - ? WHERE key = ?")
            for allocation in entry.allocations {
                try draw.run { b in
                    b.bind(allocation.points)
                    b.bind(allocation.award)
                }
            }
        }
    }

    /// The partial index of awards with points left, named: for `DISTINCT … ORDER BY
    /// customer_id` the planner otherwise scans the whole ledger through the customer index.
    public func customersWithExpiredAwards(at now: Int64) throws -> [CustomerID] {
        Set(
            try Int64.fetchAll(
                db,
                sql: """
                    SELECT customer_id FROM loyalty_entries INDEXED BY loyalty_awards_by_expiry
                    WHERE expires_at <= ? AND remaining > 0
                    """, arguments: [now])
        ).sorted().map { CustomerID($0) }
    }

    public func eraseLoyaltyReasons(of customer: CustomerID) throws {
        try run(
            "UPDATE loyalty_entries SET reason = ? WHERE customer_id = ? AND kind IN ('spend', 'adjust')",
            [LoyaltyEntry.erasedReason, customer.rawValue])
    }

    public func loyaltyTiers() throws -> [CustomerID: String?] {
        var tiers: [CustomerID: String?] = [:]
        let rows = try Row.fetchCursor(db, sql: "SELECT customer_id, tier FROM loyalty_tiers")
        while let row = try rows.next() { tiers[CustomerID(row[0] as Int64)] = .some(row[1] as String?) }
        return tiers
    }

    public func recordTierChanges(_ changes: [TierChange]) throws {
        for change in changes {
            try run(
                """
                INSERT INTO loyalty_tiers(customer_id, tier, since) VALUES (?, ?, ?)
                ON CONFLICT(customer_id) DO UPDATE SET tier = excluded.tier, since = excluded.since
                """, [change.customerID.rawValue, change.to, change.at])
            try run(
                "INSERT INTO loyalty_tier_changes(customer_id, from_tier, to_tier, at) VALUES (?, ?, ?, ?)",
                [change.customerID.rawValue, change.from, change.to, change.at])
        }
    }

    public func tierChanges(of customer: CustomerID) throws -> [TierChange] {
        try Row.fetchAll(
            db, sql: "SELECT from_tier, to_tier, at FROM loyalty_tier_changes WHERE customer_id = ? ORDER BY id",
            arguments: [customer.rawValue]
        ).map { TierChange(customerID: customer, from: $0[0], to: $0[1], at: $0[2]) }
    }

    public func tierOverrides() throws -> [CustomerID: TierOverride] {
        var overrides: [CustomerID: TierOverride] = [:]
        for row in try Row.fetchAll(
            db, sql: "SELECT customer_id, tier, from_at, until_at, actor, reason FROM loyalty_tier_overrides")
        {
            overrides[CustomerID(row[0] as Int64)] = TierOverride(
                tier: row[1], from: row[2], until: row[3], actor: row[4], reason: row[5])
        }
        return overrides
    }

    public func setTierOverride(_ override: TierOverride, of customer: CustomerID) throws {
        try run(
            """
            INSERT OR REPLACE INTO loyalty_tier_overrides(customer_id, tier, from_at, until_at, actor, reason)
            VALUES (?, ?, ?, ?, ?, ?)
            """,
            [customer.rawValue, override.tier, override.from, override.until, override.actor, override.reason])
    }

    public func tierChanges(since: Int64) throws -> [TierChange] {
        try Row.fetchAll(
            db, sql: "SELECT customer_id, from_tier, to_tier, at FROM loyalty_tier_changes WHERE at >= ? ORDER BY id",
            arguments: [since]
        ).map { TierChange(customerID: CustomerID($0[0] as Int64), from: $0[1], to: $0[2], at: $0[3]) }
    }

    /// One scan (``StoredColumns/tierBasisQuery(_:)``), streamed in customer order.
    public func forEachTierBasis(
        _ basis: TierPolicy.Basis, _ body: (CustomerID, [(at: Int64, amount: Int64)]) throws -> Void
    ) throws {
        let sql = StoredColumns.tierBasisQuery(basis)
        try withoutActuallyEscaping(body) { body in
            var groups = TierBasisGroups(body)
            try raw(sql).forEachRow { handle in
                try groups.add(
                    CustomerID(sqlite3_column_int64(handle, 0)), at: sqlite3_column_int64(handle, 1),
                    amount: sqlite3_column_int64(handle, 2))
            }
            try groups.finish()
        }
    }

    public func loyaltyRules() throws -> LoyaltyRulesRecord? {
        let rows = try Row.fetchAll(
            db,
            sql: "SELECT key, value FROM meta WHERE key IN ('loyalty_rules', 'loyalty_rules_at', 'loyalty_program')")
        let values = Dictionary(rows.map { ($0[0] as String, $0[1] as String) }) { a, _ in a }
        guard let text = values["loyalty_rules"], let at = values["loyalty_rules_at"].flatMap({ Int64($0) }) else {
            return nil
        }
        return try LoyaltyRulesRecord(text: text, programJSON: values["loyalty_program"], activatedAt: at)
    }

    public func setLoyaltyRules(_ rules: LoyaltyRulesRecord) throws {
        try run("DELETE FROM meta WHERE key = 'loyalty_program'", [])
        let values = [
            ("loyalty_rules", rules.text), ("loyalty_rules_at", String(rules.activatedAt)),
            ("loyalty_program", rules.programJSON),
        ]
        for case (let key, let value?) in values {
            try run(
                "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [key, value])
        }
    }
}
