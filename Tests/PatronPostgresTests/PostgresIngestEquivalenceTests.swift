import Foundation
import PatronCore
import PatronTestKit
import Testing

@testable import PatronPostgres

/// Random event streams ingested into PostgreSQL leave the store that applying one event at a
/// time to the in-memory reference leaves (and so the SQLite store, which its own suite holds
/// to the same reference): merges by email and phone, erasures, refunds, cancellations,
/// out-of-order and stale updates, replays, unknown customers, in batches cut at random places.
@Suite(.enabled(if: PostgresTestServer.available, PostgresTestServer.skipReason))
struct PostgresIngestEquivalenceTests {
    init() { TestChannels.register() }

    @Test(arguments: [1, 2, 5] as [UInt64])
    func postgresIngestsAsTheReferenceDoes(seed: UInt64) throws {
        let events = IngestEquivalence.stream(seed: seed, count: seed == 1 ? 1_500 : 500)
        let (expected, want) = try IngestEquivalence.reference(events)
        let people = expected.customersCreated

        for largest in [41, 2_000] {
            let store = try PostgresTestServer.freshStore()
            var report = IngestReport()
            for batch in IngestEquivalence.batches(events, seed: seed, largest: largest) {
                report = report + (try Ingestor(store: store).ingest(batch))
            }
            #expect(report == expected, "batches up to \(largest)")
            let got = try IngestEquivalence.dump(store, customers: people)
            let first = zip(want, got).first { $0 != $1 }
            #expect(
                got == want,
                "batches up to \(largest): first difference \(first.map { "\($0.0)\n  vs \($0.1)" } ?? "in length")")
            #expect(try IngestEquivalence.appliedIDs(store, events).allSatisfy { $0 })
        }
    }

    /// A batch that fails part-way leaves the database as it was before the batch, and none of
    /// the batch's event ids recorded.
    @Test func aFailingBatchLeavesNothingBehind() throws {
        let events = IngestEquivalence.stream(seed: 42, count: 900)
        let head = Array(events.prefix(300))
        let tail = Array(events.dropFirst(300))
        let store = try PostgresTestServer.freshStore()
        try Ingestor(store: store).ingest(head)
        let before = try IngestEquivalence.dump(store, customers: 600)
        let order = try #require(
            tail.compactMap { event -> String? in
                if case .orderPlaced(let data) = event.kind, event.source == "shop" { return data.ref }
                return nil
            }.first)
        var poisoned = tail
        poisoned.insert(
            IngestEvent(
                id: "bad", source: "shop", occurredAt: 1_700_000_000,
                kind: .orderRefunded(RefundData(orderRef: order, amountMinor: 1_000_000_000, currency: .usd))),
            at: 500)
        #expect(throws: PatronError.self) { try Ingestor(store: store).ingest(poisoned) }
        #expect(try IngestEquivalence.dump(store, customers: 600) == before)
        var seen = Set(head.map(\.id))
        let own = tail.filter { seen.insert($0.id).inserted }
        #expect(try IngestEquivalence.appliedIDs(store, own).allSatisfy { !$0 })
    }
}
