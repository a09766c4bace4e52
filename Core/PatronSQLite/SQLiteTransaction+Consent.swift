import Foundation
import GRDB
import PatronCore

/// The consent ledger (`consent_events`); the current state is the customer's `consent` column.
extension SQLiteTransaction {
    public func recordConsent(_ statement: ConsentStatement, of customer: CustomerID) throws {
        try run(
            "INSERT INTO consent_events(customer_id, channel, status, at, source, evidence) VALUES (?, ?, ?, ?, ?, ?)",
            [
                customer.rawValue, statement.channel.rawValue, statement.status.rawValue, statement.at,
                statement.source, statement.evidence,
            ])
        try ensureAudienceIndex(statement.channel)
    }

    public func consentHistory(of customer: CustomerID) throws -> [ConsentStatement] {
        try Row.fetchAll(
            db,
            sql: "SELECT channel, status, at, source, evidence FROM consent_events WHERE customer_id = ? ORDER BY id",
            arguments: [customer.rawValue]
        ).compactMap { row in
            guard let channel = ConsentChannel(rawValue: row[0]), let status = ConsentStatus(rawValue: row[1]) else {
                return nil
            }
            return ConsentStatement(channel: channel, status: status, at: row[2], source: row[3], evidence: row[4])
        }
    }

    public func eraseConsentHistory(of customer: CustomerID) throws {
        try run("DELETE FROM consent_events WHERE customer_id = ?", [customer.rawValue])
    }

    /// The first statement on a channel gives the store the channel's audience index, so a
    /// segment on `consent.<channel>` seeks instead of scanning (``SQLiteSchema/consentIndex(for:)``).
    func ensureAudienceIndex(_ channel: ConsentChannel) throws {
        guard !indexedChannels.contains(channel) else { return }
        let exists =
            try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?)",
                arguments: ["customers_consent_\(channel.rawValue)"]) ?? false
        if !exists {
            let sql = SQLiteSchema.consentIndex(for: channel)
            // During a load that deferred the audience indexes, this one is owed with them.
            if var owed = try SQLiteStore.owedIndexes(db) {
                let name = "customers_consent_\(channel.rawValue)"
                if !owed.contains(where: { $0.name == name }) {
                    owed.append((name: name, sql: sql))
                    try SQLiteStore.owe(owed, db)
                }
            } else {
                try db.execute(sql: sql)
            }
        }
        indexedChannels.insert(channel)
    }
}
