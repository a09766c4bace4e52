import Foundation
import PatronCore
import PatronSQLite
import Testing

/// The SQLite store must answer exactly as the kernel's reference (the in-memory store and the
/// definitions in `RFMFact.compute`) on the same events.
@Suite struct StoreEquivalenceTests {
    init() { TestChannels.register() }

    static let until = Day(iso: "2025-06-30")!

    /// A generated shop, then a batch that merges, cancels, refunds, erases and moves carts.
    static func events() throws -> [[IngestEvent]] {
        let shop = Array(try ShopGenerator(options: .init(customers: 1500, seed: 11, until: until)))
        let c = { (ref: String) in CustomerIdentity(refs: [ExternalRef(source: "", id: ref)]) }
        func at(_ day: String) -> Int64 { Day(iso: day)!.epochSeconds + 100 }
        let c2Email = shop.compactMap { event -> String? in
            guard case .customerUpserted(let upsert) = event.kind,
                upsert.identity.refs.first?.id == ShopGenerator.customerRef(1)
            else {
                return nil
            }
            return upsert.identity.email
        }.first!
        let firstOrderOfC5 = shop.compactMap { event -> String? in
            guard case .orderPlaced(let order) = event.kind,
                order.customer.refs.first?.id == ShopGenerator.customerRef(4)
            else { return nil }
            return order.ref
        }.first!
        let extra: [IngestEvent] = [
            // c1's profile now says c2's email: c1 and c2 are one person.
            IngestEvent(
                id: "x1", source: "demo-shop", occurredAt: at("2025-06-01"),
                kind: .customerUpserted(
                    CustomerUpsert(
                        identity: CustomerIdentity(
                            refs: [ExternalRef(source: "", id: ShopGenerator.customerRef(0))],
                            email: c2Email.uppercased())))),
            IngestEvent(
                id: "x2", source: "pos", occurredAt: at("2025-06-02"),
                kind: .orderPlaced(
                    OrderData(
                        ref: "p1", customer: CustomerIdentity(email: "nobody.new@example.com", phone: "+15555550123"),
                        placedAt: at("2025-06-02"), currency: .usd, totalMinor: 4200))),
            IngestEvent(
                id: "x3", source: "demo-shop", occurredAt: at("2025-06-03"),
                kind: .customerErased(c(ShopGenerator.customerRef(2)))),
            IngestEvent(
                id: "x4", source: "demo-shop", occurredAt: at("2025-06-04"),
                kind: .orderUpdated(
                    OrderData(
                        ref: firstOrderOfC5, customer: c(ShopGenerator.customerRef(5)), placedAt: at("2025-05-01"),
                        currency: .usd, totalMinor: 12345))),
        ]
        return [shop, extra]
    }

    static func signature(of customer: CustomerRecord) -> String {
        "\(customer.primaryRef?.description ?? "-")|\(customer.email ?? "-")|\(customer.phone ?? "-")|\(customer.firstName ?? "-")|"
            + "\(customer.birthday ?? "-")|\(customer.tags)|\(customer.consent)|\(customer.aggregates)|\(customer.erasedAt ?? 0)"
    }

    @Test func sqliteAgreesWithTheReference() throws {
        let memory = InMemoryStore()
        let sqlite = try SQLiteStore()
        for batch in try Self.events() {
            let a = try Ingestor(store: memory).ingest(batch)
            let b = try Ingestor(store: sqlite).ingest(batch)
            #expect(a == b)
        }
        #expect(memory.merges().count == 1)
        // Customers: same profiles and aggregates (ids are assigned alike, refs point alike).
        let reference = memory.allCustomers()
        #expect(reference.count > 1400)
        try sqlite.read { transaction in
            for customer in reference {
                let stored = try #require(try transaction.customer(customer.id))
                #expect(Self.signature(of: stored) == Self.signature(of: customer))
            }
        }
        #expect(try sqlite.customerCount(createdThrough: nil) == reference.count)
        // Aggregates equal a recomputation from history (what the ingestor maintains incrementally).
        try sqlite.read { transaction in
            for customer in reference.prefix(300) {
                let recomputed = CustomerAggregates.recompute(
                    orders: try transaction.orders(of: customer.id), carts: try transaction.carts(of: customer.id),
                    tickets: try transaction.tickets(of: customer.id))
                #expect(recomputed == customer.aggregates, "customer \(customer.id)")
            }
        }
        // RFM inputs: all-time (aggregate fast path), in the past, and windowed (SQL path).
        let keys = Dictionary(
            uniqueKeysWithValues: reference.map { ($0.id, $0.primaryRef?.id ?? $0.id.reportKey) })
        for (asOf, window) in [
            (Self.until, nil), (Self.until + 30, nil), (Day(iso: "2024-12-31")!, nil), (Self.until, 90),
            (Day(iso: "2024-06-30")!, 365),
        ] as [(Day, Int?)] {
            let expected = RFMFact.compute(orders: memory.allOrders(), keys: keys, asOf: asOf, windowDays: window)
            #expect(
                try sqlite.rfmFacts(asOf: asOf, windowDays: window) == expected, "as of \(asOf), window \(window ?? 0)")
        }
        #expect(try sqlite.orderFacts(through: Self.until) == (try memory.orderFacts(through: Self.until)))
        #expect(try sqlite.orderSpan() == (try memory.orderSpan()))
        // The erased customer and the POS customer known only by email/phone have no source ref.
        let refless = try sqlite.rfmFacts(asOf: Self.until, windowDays: nil).filter { $0.key.hasPrefix("patron:") }
        #expect(refless.count == 2)
    }

    @Test func snapshotsRoundTrip() throws {
        let sqlite = try SQLiteStore()
        try Ingestor(store: sqlite).ingest(
            try ShopGenerator(options: .init(customers: 200, seed: 4, until: Self.until)))
        let run = try RFMRun.compute(
            store: sqlite, asOf: Self.until, windowDays: nil, configuration: try RFMConfiguration(), currency: .usd)
        let id = try run.save(to: sqlite, takenAt: 1000)
        let loaded = try #require(try sqlite.latestRFMSnapshot())
        #expect(loaded.id == id)
        #expect(loaded.asOf == Self.until)
        #expect(loaded.rows == run.snapshot(takenAt: 1000).rows)
        let later = try RFMRun.compute(
            store: sqlite, asOf: Self.until + 200, windowDays: nil, configuration: try RFMConfiguration(),
            currency: .usd)
        #expect(later.previousSnapshot?.id == id)
        #expect(later.moves == SegmentMove.between(loaded, later.snapshot(takenAt: 0)))
        _ = try later.save(to: sqlite, takenAt: 2000)
        try sqlite.withDatabase { db in
            let value1 = try Int.fetchOne(db, sql: "SELECT count(*) FROM segment_moves")
            #expect(value1 == later.moves.count)
        }
    }
}
