import Foundation
import PatronCore
import PatronSQL
import PostgresNIO

/// The points ledgers (`loyalty_entries`) and the active rules (`meta`).
extension PostgresTransaction {
    public func loyaltyEntries(of customer: CustomerID) throws -> [LoyaltyEntry] {
        try session.rows(
            """
            SELECT \(unescaped: StoredColumns.loyaltyColumns) FROM loyalty_entries
            WHERE customer_id = \(customer.rawValue) ORDER BY id
            """
        ).map(Self.loyaltyEntry)
    }

    /// One statement for all of them.
    public func loyaltyEntries(ofCustomers customers: [CustomerID]) throws -> [CustomerID: [LoyaltyEntry]] {
        guard !customers.isEmpty else { return [:] }
        var found: [CustomerID: [LoyaltyEntry]] = [:]
        for row in try session.rows(
            """
            SELECT \(unescaped: StoredColumns.loyaltyColumns) FROM loyalty_entries
            WHERE customer_id = ANY(\(customers.map(\.rawValue))::bigint[]) ORDER BY customer_id, id
            """)
        {
            let entry = try Self.loyaltyEntry(row)
            found[entry.customerID, default: []].append(entry)
        }
        return found
    }

    static func loyaltyEntry(_ row: PostgresRow) throws -> LoyaltyEntry {
        let r = PostgresRowReader(row)
        guard let kind = LoyaltyEntry.Kind(rawValue: try r.text(2)) else {
            throw PatronError(.storeFailure, "loyalty entry '\(try r.text(0))' has an unknown kind")
        }
        return LoyaltyEntry(
            key: try r.text(0), customerID: CustomerID(try r.int(1)), kind: kind, points: try r.int(3),
            at: try r.int(4), availableAt: try r.int(5), expiresAt: try r.optionalInt(6), reason: try r.text(7),
            actor: try r.optionalText(8), orderRef: try r.optionalText(9), unrecovered: try r.int(10),
            allocations: try StoredColumns.decodeAllocations(try r.text(11)))
    }

    /// One statement for the keys already stored, one for the rows.
    public func appendLoyaltyEntries(_ entries: [LoyaltyEntry]) throws {
        guard !entries.isEmpty else { return }
        var seen = Set<String>()
        if let repeated = entries.first(where: { !seen.insert($0.key).inserted }) {
            throw PatronError(.conflict, "loyalty entry '\(repeated.key)' is stored already")
        }
        if let stored = try session.value(
            String.self, "SELECT key FROM loyalty_entries WHERE key = ANY(\(entries.map(\.key))::text[]) LIMIT 1")
        {
            throw PatronError(.conflict, "loyalty entry '\(stored)' is stored already")
        }
        typealias Arrays = PostgresArrayLiteral
        let e = entries
        try session.execute(
            """
            INSERT INTO loyalty_entries(\(unescaped: StoredColumns.loyaltyColumns), remaining)
            SELECT key, customer_id, kind, points, at, available_at, expires_at, reason, actor, order_ref, unrecovered,
                   allocations, CASE WHEN points > 0 THEN points END
            FROM unnest(\(e.map(\.key))::text[], \(e.map(\.customerID.rawValue))::bigint[],
                                 \(e.map(\.kind.rawValue))::text[], \(e.map(\.points))::bigint[], \(e.map(\.at))::bigint[],
                                 \(e.map(\.availableAt))::bigint[], \(Arrays.int(e.map(\.expiresAt)))::bigint[],
                                 \(e.map(\.reason))::text[], \(Arrays.text(e.map(\.actor)))::text[],
                                 \(Arrays.text(e.map(\.orderRef)))::text[], \(e.map(\.unrecovered))::bigint[],
                                 \(e.map { StoredColumns.encode($0.allocations) })::text[])
              WITH ORDINALITY AS u(key, customer_id, kind, points, at, available_at, expires_at, reason, actor,
                                   order_ref, unrecovered, allocations, place)
            ORDER BY place
            """)
        // What each award has left, less what these entries draw from it (summed per award).
        var drawn: [String: Int64] = [:]
        for entry in entries { for a in entry.allocations { drawn[a.award, default: 0] += a.points } }
        guard !drawn.isEmpty else { return }
        let awards = Array(drawn.keys)
        try session.execute(
            """
            UPDATE loyalty_entries l SET remaining = l.remaining - d.points
            FROM unnest(\(awards)::text[], \(awards.map { drawn[$0] ?? 0 })::bigint[]) AS d(key, points)
            WHERE l.key = d.key AND l.key = ANY(\(awards)::text[])
            """)
    }

    public func customersWithExpiredAwards(at now: Int64) throws -> [CustomerID] {
        try session.values(
            Int64.self,
            """
            SELECT DISTINCT customer_id FROM loyalty_entries
            WHERE expires_at <= \(now) AND remaining > 0 ORDER BY customer_id
            """
        ).map { CustomerID($0) }
    }

    public func eraseLoyaltyReasons(of customer: CustomerID) throws {
        try session.execute(
            """
            UPDATE loyalty_entries SET reason = \(LoyaltyEntry.erasedReason)
            WHERE customer_id = \(customer.rawValue) AND kind IN ('spend', 'adjust')
            """)
    }

    public func loyaltyTiers() throws -> [CustomerID: String?] {
        var tiers: [CustomerID: String?] = [:]
        try session.forEachRow("SELECT customer_id, tier FROM loyalty_tiers") { row in
            let r = PostgresRowReader(row)
            tiers[CustomerID(try r.int(0))] = .some(try r.optionalText(1))
        }
        return tiers
    }

    /// Two statements for all the changes.
    public func recordTierChanges(_ changes: [TierChange]) throws {
        guard !changes.isEmpty else { return }
        typealias Arrays = PostgresArrayLiteral
        let ids = changes.map(\.customerID.rawValue)
        try session.execute(
            """
            INSERT INTO loyalty_tiers(customer_id, tier, since)
            SELECT * FROM unnest(\(ids)::bigint[], \(Arrays.text(changes.map(\.to)))::text[], \(changes.map(\.at))::bigint[])
            ON CONFLICT (customer_id) DO UPDATE SET tier = excluded.tier, since = excluded.since
            """)
        try session.execute(
            """
            INSERT INTO loyalty_tier_changes(customer_id, from_tier, to_tier, at)
            SELECT customer_id, from_tier, to_tier, at
            FROM unnest(\(ids)::bigint[], \(Arrays.text(changes.map(\.from)))::text[],
                        \(Arrays.text(changes.map(\.to)))::text[], \(changes.map(\.at))::bigint[])
              WITH ORDINALITY AS u(customer_id, from_tier, to_tier, at, place)
            ORDER BY place
            """)
    }

    public func tierChanges(of customer: CustomerID) throws -> [TierChange] {
        try session.rows(
            """
            SELECT from_tier, to_tier, at FROM loyalty_tier_changes WHERE customer_id = \(customer.rawValue) ORDER BY id
            """
        ).map { row in
            let r = PostgresRowReader(row)
            return TierChange(
                customerID: customer, from: try r.optionalText(0), to: try r.optionalText(1), at: try r.int(2))
        }
    }

    public func tierOverrides() throws -> [CustomerID: TierOverride] {
        var overrides: [CustomerID: TierOverride] = [:]
        for row in try session.rows(
            "SELECT customer_id, tier, from_at, until_at, actor, reason FROM loyalty_tier_overrides")
        {
            let r = PostgresRowReader(row)
            overrides[CustomerID(try r.int(0))] = TierOverride(
                tier: try r.text(1), from: try r.int(2), until: try r.optionalInt(3), actor: try r.text(4),
                reason: try r.text(5))
        }
        return overrides
    }

    public func setTierOverride(_ override: TierOverride, of customer: CustomerID) throws {
        try session.execute(
            """
            INSERT INTO loyalty_tier_overrides(customer_id, tier, from_at, until_at, actor, reason)
            VALUES (\(customer.rawValue), \(override.tier), \(override.from), \(override.until), \(override.actor),
                    \(override.reason))
            ON CONFLICT (customer_id) DO UPDATE SET tier = excluded.tier, from_at = excluded.from_at,
                until_at = excluded.until_at, actor = excluded.actor, reason = excluded.reason
            """)
    }

    public func tierChanges(since: Int64) throws -> [TierChange] {
        try session.rows(
            "SELECT customer_id, from_tier, to_tier, at FROM loyalty_tier_changes WHERE at >= \(since) ORDER BY id"
        ).map { row in
            let r = PostgresRowReader(row)
            return TierChange(
                customerID: CustomerID(try r.int(0)), from: try r.optionalText(1), to: try r.optionalText(2),
                at: try r.int(3))
        }
    }

    /// One scan through a server-side cursor, in customer order.
    public func forEachTierBasis(
        _ basis: TierPolicy.Basis, _ body: (CustomerID, [(at: Int64, amount: Int64)]) throws -> Void
    ) throws {
        let query: PostgresQuery = "\(unescaped: StoredColumns.tierBasisQuery(basis))"
        try withoutActuallyEscaping(body) { body in
            var groups = TierBasisGroups(body)
            try session.forEachRow(query) { row in
                let r = PostgresRowReader(row)
                try groups.add(CustomerID(try r.int(0)), at: try r.int(1), amount: try r.int(2))
            }
            try groups.finish()
        }
    }

    public func loyaltyRules() throws -> LoyaltyRulesRecord? {
        var values: [String: String] = [:]
        for row in try session.rows(
            "SELECT key, value FROM meta WHERE key IN ('loyalty_rules', 'loyalty_rules_at', 'loyalty_program')")
        {
            let r = PostgresRowReader(row)
            values[try r.text(0)] = try r.text(1)
        }
        guard let text = values["loyalty_rules"], let at = values["loyalty_rules_at"].flatMap({ Int64($0) }) else {
            return nil
        }
        return try LoyaltyRulesRecord(text: text, programJSON: values["loyalty_program"], activatedAt: at)
    }

    public func setLoyaltyRules(_ rules: LoyaltyRulesRecord) throws {
        try session.execute("DELETE FROM meta WHERE key = 'loyalty_program'")
        try session.execute(
            """
            INSERT INTO meta(key, value) VALUES ('loyalty_rules', \(rules.text)), ('loyalty_rules_at', \(String(rules.activatedAt)))
            ON CONFLICT (key) DO UPDATE SET value = excluded.value
            """)
        if let program = rules.programJSON {
            try session.execute("INSERT INTO meta(key, value) VALUES ('loyalty_program', \(program))")
        }
    }
}
