import Foundation
import PatronCore
import PostgresNIO

/// One transaction on the PostgreSQL store, on one borrowed connection. Statements go through
/// PostgresNIO's extended protocol with bound parameters (string interpolation into
/// `PostgresQuery` binds, it never splices values into the SQL).
public final class PostgresTransaction: StoreTransaction {
    let session: PostgresSession
    /// Channels whose audience index this transaction saw or made.
    var indexedChannels: Set<ConsentChannel> = []

    init(session: PostgresSession) { self.session = session }

    /// One statement per call: `INSERT … ON CONFLICT DO NOTHING RETURNING` names the new ids (an
    /// id repeated in `eventIDs` is new only at its first place).
    public func markApplied(_ eventIDs: [String]) throws -> [Bool] {
        guard !eventIDs.isEmpty else { return [] }
        var fresh = Set(
            try session.values(
                String.self,
                """
                INSERT INTO applied_events(event_id) SELECT unnest(\(eventIDs)::text[])
                ON CONFLICT DO NOTHING RETURNING event_id
                """))
        return eventIDs.map { fresh.remove($0) != nil }
    }

    public func reportingCurrency() throws -> CurrencyCode? {
        try session.value(String.self, "SELECT value FROM meta WHERE key = 'currency'").flatMap(CurrencyCode.init)
    }

    public func setReportingCurrency(_ currency: CurrencyCode) throws {
        try session.execute(
            """
            INSERT INTO meta(key, value) VALUES ('currency', \(currency.code))
            ON CONFLICT (key) DO UPDATE SET value = excluded.value
            """)
    }

    public func recordAudit(_ entry: AuditEntry) throws -> Int64 {
        try session.value(
            Int64.self,
            """
            INSERT INTO audit_log(at, action, subject, actor, detail, document)
            VALUES (\(entry.at), \(entry.action), \(entry.subject), \(entry.actor), \(entry.detail), \(entry.document))
            RETURNING id
            """) ?? 0
    }

    public func customerIDs(withRefsFrom source: String) throws -> [CustomerID] {
        try session.values(
            Int64.self,
            "SELECT DISTINCT customer_id FROM customer_refs WHERE source = \(source) ORDER BY customer_id"
        ).map { CustomerID($0) }
    }
}

/// Positional reads of one row, a type mismatch becoming a store failure.
struct PostgresRowReader {
    let row: PostgresRandomAccessRow

    init(_ row: PostgresRow) { self.row = row.makeRandomAccess() }

    func int(_ index: Int) throws -> Int64 { try row[index].decode(Int64.self) }
    func optionalInt(_ index: Int) throws -> Int64? { try row[index].decode(Int64?.self) }
    func text(_ index: Int) throws -> String { try row[index].decode(String.self) }
    func optionalText(_ index: Int) throws -> String? { try row[index].decode(String?.self) }
    func double(_ index: Int) throws -> Double { try row[index].decode(Double.self) }
}
