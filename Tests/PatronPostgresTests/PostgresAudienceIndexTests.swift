import Foundation
import PatronCore
import PostgresNIO
import Testing

@testable import PatronPostgres

/// A channel's audience index covers `consent`, so that a segment on consent and order
/// aggregates is counted from the index alone; a store from before is rebuilt on opening.
@Suite(.enabled(if: PostgresTestServer.available, PostgresTestServer.skipReason))
struct PostgresAudienceIndexTests {
    static func definitions(on server: PostgresServer) throws -> [String: String] {
        var rows: [PostgresRow] = []
        try server.withAdminSession { session throws(PatronError) in
            rows = try session.rows(
                """
                SELECT indexname::text, indexdef FROM pg_indexes
                WHERE schemaname = current_schema() AND indexname LIKE 'customers\\_consent\\_%'
                """)
        }
        let pairs = try rows.map { try $0.decode((String, String).self) }
        return Dictionary(uniqueKeysWithValues: pairs)
    }

    static func shop(_ store: PostgresStore) throws {
        var events: [IngestEvent] = []
        for n in 0..<400 {
            let who = CustomerIdentity(
                refs: [ExternalRef(source: "shop", id: "c\(n % 200)")], email: "c\(n % 200)@example.com")
            events.append(
                IngestEvent(
                    id: "o\(n)", source: "shop", occurredAt: 1_700_000_000 + Int64(n),
                    kind: .orderPlaced(
                        OrderData(
                            ref: "o\(n)", customer: who, placedAt: 1_700_000_000 + Int64(n) * 3_600, currency: .eur,
                            totalMinor: 1_000, lines: [OrderLine(sku: "A", quantity: 1, unitPriceMinor: 1_000)]))))
        }
        for n in 0..<200 where n % 3 != 0 {
            events.append(
                IngestEvent(
                    id: "consent\(n)", source: "shop", occurredAt: 1_700_900_000,
                    kind: .consentChanged(
                        ConsentChange(
                            customer: CustomerIdentity(refs: [ExternalRef(source: "shop", id: "c\(n)")]),
                            channel: "email", status: n % 3 == 1 ? .granted : .revoked, evidence: "checkout box"))))
        }
        try Ingestor(store: store).ingest(events)
    }

    @Test func aConsentSegmentIsCountedFromTheIndexAlone() throws {
        let server = try PostgresTestServer.freshDatabase()
        let store = try PostgresStore(server: server, access: .create, connections: 2)
        defer { store.close() }
        try Self.shop(store)
        let definition = try #require(try Self.definitions(on: server)["customers_consent_email"])
        #expect(definition.contains("INCLUDE (consent)"), "\(definition)")
        try PostgresTestServer.run("VACUUM ANALYZE customers", on: server)
        let status = PostgresSchema.consentStatus("email")
        var plan: [String] = []
        try server.withAdminSession { session throws(PatronError) in
            // Scans that need no index disabled: between the index's two ways, an all-visible
            // table (just vacuumed) makes the index-only scan the cheaper whenever it is possible.
            for path in ["seqscan", "bitmapscan"] { try session.execute("SET enable_\(unescaped: path) = off") }
            plan = try session.values(
                String.self,
                PostgresQuery(
                    unsafeSQL: """
                        EXPLAIN SELECT count(*) FROM customers c
                        WHERE c.order_count >= 2 AND c.last_order_at < 1800000000 AND \(status) = 'granted'
                        """))
        }
        #expect(plan.contains { $0.contains("Index Only Scan using customers_consent_email") }, "\(plan)")
        let count = try store.read { t in
            try t.session.value(
                Int64.self,
                PostgresQuery(
                    unsafeSQL: "SELECT count(*) FROM customers c WHERE c.order_count >= 2 AND \(status) = 'granted'"))
        }
        // Customers 1, 4, 7, … granted (67 of 200), every one with two orders.
        #expect(count == 67)
    }

    @Test func aStoreFromBeforeHasItsAudienceIndexesRebuiltOnOpening() throws {
        let server = try PostgresTestServer.freshDatabase()
        let store = try PostgresStore(server: server, access: .create, connections: 2)
        try Self.shop(store)
        store.close()
        // The index as version 12 built it, and the store marked as version 12.
        try PostgresTestServer.run("DROP INDEX customers_consent_email", on: server)
        try PostgresTestServer.run(
            """
            CREATE INDEX customers_consent_email ON customers((\(PostgresSchema.consentStatus("email", table: ""))),
              order_count, last_order_at, revenue_minor)
            """, on: server)
        try PostgresTestServer.run("UPDATE patron_schema SET version = 12", on: server)
        #expect(try Self.definitions(on: server)["customers_consent_email"]?.contains("INCLUDE") == false)
        let again = try PostgresStore(server: server, access: .write, connections: 2)
        again.close()
        let rebuilt = try #require(try Self.definitions(on: server)["customers_consent_email"])
        #expect(rebuilt.contains("INCLUDE (consent)"), "\(rebuilt)")
        // The same expression as a fresh store's index (which a segment's SQL must match).
        let fresh = try PostgresTestServer.freshDatabase()
        let other = try PostgresStore(server: fresh, access: .create, connections: 2)
        try Self.shop(other)
        other.close()
        #expect(try Self.definitions(on: fresh)["customers_consent_email"] == rebuilt)
    }
}
