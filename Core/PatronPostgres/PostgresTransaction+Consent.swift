import Foundation
import PatronCore
import PostgresNIO

/// The consent ledger (`consent_events`); the current state is the customer's `consent` column.
extension PostgresTransaction {
    public func recordConsent(_ statement: ConsentStatement, of customer: CustomerID) throws {
        try session.execute(
            """
            INSERT INTO consent_events(customer_id, channel, status, at, source, evidence)
            VALUES (\(customer.rawValue), \(statement.channel.rawValue), \(statement.status.rawValue), \(statement.at),
                    \(statement.source), \(statement.evidence))
            """)
        try ensureAudienceIndex(statement.channel)
    }

    public func consentHistory(of customer: CustomerID) throws -> [ConsentStatement] {
        try session.rows(
            """
            SELECT channel, status, at, source, evidence FROM consent_events
            WHERE customer_id = \(customer.rawValue) ORDER BY id
            """
        ).compactMap { row in
            let r = PostgresRowReader(row)
            guard let channel = ConsentChannel(rawValue: try r.text(0)),
                let status = ConsentStatus(rawValue: try r.text(1))
            else { return nil }
            return ConsentStatement(
                channel: channel, status: status, at: try r.int(2), source: try r.text(3),
                evidence: try r.optionalText(4))
        }
    }

    public func eraseConsentHistory(of customer: CustomerID) throws {
        try session.execute("DELETE FROM consent_events WHERE customer_id = \(customer.rawValue)")
    }

    /// The first statement on a channel gives the store the channel's audience index, so a
    /// segment on `consent.<channel>` can seek instead of scanning (``PostgresSchema/consentIndex(for:)``).
    func ensureAudienceIndex(_ channel: ConsentChannel) throws {
        guard !indexedChannels.contains(channel) else { return }
        let exists =
            try session.value(
                Bool.self, "SELECT to_regclass(\("customers_consent_" + channel.rawValue)) IS NOT NULL") ?? false
        if !exists { try session.script(PostgresSchema.consentIndex(for: channel)) }
        indexedChannels.insert(channel)
    }
}
