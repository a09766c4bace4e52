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
        ).map { row in
            guard let kind = LoyaltyEntry.Kind(rawValue: row[2]) else {
                throw PatronError(.storeFailure, "loyalty entry '\(row[0] as String)' has an unknown kind")
            }
            return LoyaltyEntry(
                key: row[0], customerID: CustomerID(row[1]), kind: kind, points: row[3], at: row[4],
                availableAt: row[5],
                expiresAt: row[6], reason: row[7], actor: row[8], orderRef: row[9], unrecovered: row[10],
                allocations: try StoredColumns.decodeAllocations(row[11]))
        }
    }

    public func appendLoyaltyEntries(_ entries: [LoyaltyEntry]) throws {
        var seen = Set<String>()
        for entry in entries {
            let stored = try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM loyalty_entries WHERE key = ?)", arguments: [entry.key])
            guard seen.insert(entry.key).inserted, stored != true else {
                throw PatronError(.conflict, "loyalty entry '\(entry.key)' is stored already")
            }
            try run(
                """
                INSERT INTO loyalty_entries(\(StoredColumns.loyaltyColumns), remaining)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    entry.key, entry.customerID.rawValue, entry.kind.rawValue, entry.points, entry.at,
                    entry.availableAt, entry.expiresAt, entry.reason, entry.actor, entry.orderRef, entry.unrecovered,
                    StoredColumns.encode(entry.allocations), entry.isAward ? entry.points : nil,
                ])
            for allocation in entry.allocations {
                try run(
                    "UPDATE loyalty_entries SET remaining = remaining - ? WHERE key = ?",
                    [allocation.points, allocation.award])
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

    public func loyaltyRules() throws -> LoyaltyRulesRecord? {
        let rows = try Row.fetchAll(
            db, sql: "SELECT key, value FROM meta WHERE key IN ('loyalty_rules', 'loyalty_rules_at')")
        let values = Dictionary(rows.map { ($0[0] as String, $0[1] as String) }) { a, _ in a }
        guard let text = values["loyalty_rules"], let at = values["loyalty_rules_at"].flatMap({ Int64($0) }) else {
            return nil
        }
        return LoyaltyRulesRecord(text: text, activatedAt: at)
    }

    public func setLoyaltyRules(_ rules: LoyaltyRulesRecord) throws {
        for (key, value) in [("loyalty_rules", rules.text), ("loyalty_rules_at", String(rules.activatedAt))] {
            try run(
                "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [
                    key, value,
                ])
        }
    }
}
