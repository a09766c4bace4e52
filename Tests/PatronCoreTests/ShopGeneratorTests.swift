import PatronCore
import Testing

@Suite struct ShopGeneratorTests {
    init() { TestChannels.register() }

    let until = Day(iso: "2025-06-30")!

    @Test func isDeterministicForASeed() throws {
        let a = Array(try ShopGenerator(options: .init(customers: 200, seed: 42, until: until)))
        let b = Array(try ShopGenerator(options: .init(customers: 200, seed: 42, until: until)))
        let c = Array(try ShopGenerator(options: .init(customers: 200, seed: 43, until: until)))
        #expect(a == b)
        #expect(a != c)
    }

    @Test(arguments: [(100, 1000), (1000, 10_000), (50, 3), (10, 0)])
    func placesExactlyTheOrdersAskedFor(customers: Int, orders: Int) throws {
        let events = Array(
            try ShopGenerator(options: .init(customers: customers, orders: orders, seed: 3, until: until)))
        #expect(events.filter { $0.type == .orderPlaced }.count == orders)
        #expect(events.filter { $0.type == .customerUpserted }.count == customers)
    }

    /// Nothing happens after `until` (a consent revoked "next autumn" would be an event from the
    /// future: found by the browse-abandonment test, whose customers were revoked ahead of time),
    /// and the catalogue comes first.
    @Test func everyEventIsWithinTheHistory() throws {
        let events = Array(try ShopGenerator(options: .init(customers: 1000, seed: 9, until: until, days: 120)))
        let end = (until + 1).epochSeconds
        let late = events.filter { $0.occurredAt >= end }
        #expect(late.isEmpty, "\(late.prefix(3).map { "\($0.id) at \(Timestamp.format($0.occurredAt))" })")
        #expect(events.prefix(240).allSatisfy { $0.type == .productUpdated })
        #expect(events.dropFirst(240).allSatisfy { $0.type != .productUpdated })
    }

    @Test func makesARealisticShop() throws {
        let store = InMemoryStore()
        let report = try Ingestor(store: store).ingest(
            try ShopGenerator(options: .init(customers: 2000, seed: 5, until: until)))
        #expect(report.ordersPlaced == 20_000)
        #expect(report.customersMerged == 0)
        let customers = store.allCustomers()
        #expect(customers.count == 2000)
        let buyers = customers.filter { $0.aggregates.orderCount > 0 }
        #expect(buyers.count > 1700 && buyers.count < 2000)  // some never buy
        let oneTime = buyers.filter { $0.aggregates.orderCount == 1 }.count
        #expect(oneTime > 100)  // purchase rates differ
        #expect(buyers.map(\.aggregates.orderCount).max()! > 60)
        #expect(customers.contains { $0.aggregates.openCartCount > 0 })
        #expect(customers.contains { $0.aggregates.openTicketCount > 0 })
        #expect(customers.contains { $0.consent["sms"].status == .granted })
        #expect(customers.contains { $0.consent[.email].status == .revoked })
        #expect(Set(customers.compactMap(\.timeZone)).count > 5)
        #expect(customers.filter { $0.birthday != nil }.count > 1000)
        #expect(store.allOrders().contains { $0.status == .cancelled })
        #expect(store.allOrders().contains { $0.refundedMinor > 0 })
        let lastDay = store.allOrders().map { Day(epochSeconds: $0.placedAt) }.max()
        #expect(lastDay! <= until)
    }
}
