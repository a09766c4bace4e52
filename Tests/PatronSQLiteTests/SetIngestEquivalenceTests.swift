import Foundation
import PatronCore
import PatronSQLite
import PatronTestKit
import Testing

/// The set-based ingest path (look-ahead per chunk, orders written together, customers once
/// per batch) must leave exactly the store that applying one event at a time leaves: random
/// streams with merges by email and phone, erasures, refunds, cancellations, out-of-order and
/// stale updates, replays and unknown customers, split into batches at random places, through
/// both stores, compared whole.
@Suite struct SetIngestEquivalenceTests {
    init() { TestChannels.register() }

    @Test(arguments: 1...12 as ClosedRange<UInt64>)
    func batchesLeaveTheStoreOneEventAtATimeLeaves(seed: UInt64) throws {
        // Some streams are longer than the ingestor's chunk (1,024), so that what a chunk learnt
        // (absent refs, contacts, cached and dirty customers) carries into the next.
        let events = IngestEquivalence.stream(seed: seed, count: seed <= 3 ? 2_600 : 700)
        let (expected, want) = try IngestEquivalence.reference(events)
        let people = expected.customersCreated
        #expect(expected.customersMerged > 0 && expected.ordersUpdated > 0 && expected.duplicates > 0)

        // Small batches, large ones (several chunks in one transaction), one batch: both stores.
        for (largest, label) in [(37, "small"), (2_500, "whole")] {
            let memory = InMemoryStore()
            let sqlite = try SQLiteStore()
            var reports = (IngestReport(), IngestReport())
            for batch in IngestEquivalence.batches(events, seed: seed, largest: largest) {
                reports.0 = reports.0 + (try Ingestor(store: memory).ingest(batch))
                reports.1 = reports.1 + (try Ingestor(store: sqlite).ingest(batch))
            }
            #expect(reports.0 == expected && reports.1 == expected, "\(label)")
            let gotMemory = try IngestEquivalence.dump(memory, customers: people)
            let gotSQLite = try IngestEquivalence.dump(sqlite, customers: people)
            for (name, got) in [("memory", gotMemory), ("sqlite", gotSQLite)] {
                let first = zip(want, got).first { $0 != $1 }
                #expect(
                    got == want,
                    "\(name), \(label) batches: first difference \(first.map { "\($0.0)\n  vs \($0.1)" } ?? "in length")"
                )
            }
            #expect(try IngestEquivalence.appliedIDs(sqlite, events).allSatisfy { $0 })
            #expect(try IngestEquivalence.appliedIDs(memory, events).allSatisfy { $0 })
        }

        // The webhook coalescer's path: groups in one transaction, each with its own report.
        // Each group's report is the one it gets applied alone, one transaction per group.
        let grouped = try SQLiteStore()
        let alone = InMemoryStore()
        var groupReports = IngestReport()
        for batch in IngestEquivalence.batches(events, seed: seed &+ 7, largest: 300) {
            let groups = IngestEquivalence.batches(batch, seed: seed &+ UInt64(batch.count), largest: 9)
            let reports = try Ingestor(store: grouped).ingest(groups: groups)
            #expect(reports == (try groups.map { try Ingestor(store: alone).ingest($0) }))
            groupReports = reports.reduce(groupReports, +)
        }
        #expect(groupReports == expected)
        #expect(try IngestEquivalence.dump(grouped, customers: people) == want)
    }

    /// A batch that fails part-way (a refund above the order's total, after hundreds of events
    /// the look-ahead read and orders it kept back) leaves the store exactly as before it, and
    /// the same batch without the bad event then applies as one event at a time would.
    @Test func aFailingBatchLeavesNothingBehind() throws {
        let events = IngestEquivalence.stream(seed: 42, count: 1_500)
        let head = Array(events.prefix(400))
        let tail = Array(events.dropFirst(400))
        let sqlite = try SQLiteStore()
        try Ingestor(store: sqlite).ingest(head)
        let customers = 2_000
        let before = try IngestEquivalence.dump(sqlite, customers: customers)
        let order = try #require(
            tail.compactMap { event -> String? in
                if case .orderPlaced(let data) = event.kind, event.source == "shop" { return data.ref }
                return nil
            }.first)
        let bad = IngestEvent(
            id: "bad", source: "shop", occurredAt: 1_700_000_000,
            kind: .orderRefunded(RefundData(orderRef: order, amountMinor: 1_000_000_000, currency: .usd)))
        var poisoned = tail
        poisoned.insert(bad, at: 900)
        #expect(throws: PatronError.self) { try Ingestor(store: sqlite).ingest(poisoned) }
        #expect(try IngestEquivalence.dump(sqlite, customers: customers) == before)
        // None of the batch's own events is recorded as applied (replays of the head's are).
        var seen = Set(head.map(\.id))
        let own = tail.filter { seen.insert($0.id).inserted }
        #expect(try IngestEquivalence.appliedIDs(sqlite, own).allSatisfy { !$0 })

        try Ingestor(store: sqlite).ingest(tail)
        let reference = InMemoryStore()
        var oneByOne = Ingestor(store: reference)
        oneByOne.setBased = false
        for event in events { try oneByOne.ingest([event]) }
        #expect(
            try IngestEquivalence.dump(sqlite, customers: customers)
                == (try IngestEquivalence.dump(reference, customers: customers)))
    }
}
