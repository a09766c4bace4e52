import Foundation
import GRDB
import PatronCore
import PatronSQL

/// The points ledgers (`loyalty_entries`) and the active rules (`meta`).
extension SQLiteTransaction {
    public func loyaltyEntries(of customer: CustomerID) throws -> [LoyaltyEntry] {
        try Row.fetchAll(
            db, sql: "SELECT \(StoredColumns.loyaltyColumns) FROM loyalty_entries WHERE customer_id = ? ORDER BY id",
            arguments: [customer.rawValue]
        ).map(Self.loyaltyEntry)
    }

    /// One `IN (…)` query per 256 customers.
    public func loyaltyEntries(ofCustomers customers: [CustomerID]) throws -> [CustomerID: [LoyaltyEntry]] {
        var found: [CustomerID: [LoyaltyEntry]] = [:]
        try inChunks(Array(Set(customers)).map(\.rawValue)) { ids in
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT \(StoredColumns.loyaltyColumns) FROM loyalty_entries
                    WHERE customer_id IN (\(Self.placeholders(ids.count))) ORDER BY customer_id, id
                    """, arguments: StatementArguments(Array(ids)))
            {
                let entry = try Self.loyaltyEntry(row)
                found[entry.customerID, default: []].append(entry)
            }
        }
        return found
    }

    static func loyaltyEntry(_ row: Row) throws -> LoyaltyEntry {
        guard let kind = LoyaltyEntry.Kind(rawValue: row[2]) else {
            throw PatronError(.storeFailure, "loyalty entry '\(row[0] as String)' has an unknown kind")
        }
        return LoyaltyEntry(
            key: row[0], customerID: CustomerID(row[1]), kind: kind, points: row[3], at: row[4], availableAt: row[5],
            expiresAt: row[6], reason: row[7], actor: row[8], orderRef: row[9], unrecovered: row[10],
            allocations: try StoredColumns.decodeAllocations(row[11]))
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

    public func customersWithExpiredAwards(at now: Int64) throws -> [CustomerID] {
        try Int64.fetchAll(
            db,
            sql: """
                SELECT DISTINCT customer_id FROM loyalty_entries
                WHERE expires_at <= ? AND remaining > 0 ORDER BY customer_id
                """, arguments: [now]
        ).map { CustomerID($0) }
    }

    public func eraseLoyaltyReasons(of customer: CustomerID) throws {
        try run(
            "UPDATE loyalty_entries SET reason = ? WHERE customer_id = ? AND kind IN ('spend', 'adjust')",
            [LoyaltyEntry.erasedReason, customer.rawValue])
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
