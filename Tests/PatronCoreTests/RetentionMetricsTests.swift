import PatronCore
import Testing

@Suite struct RetentionMetricsTests {
    init() { TestChannels.register() }

    @Test func computesTheStandardFigures() throws {
        let store = InMemoryStore()
        try Ingestor(store: store).ingest([
            Make.order("1", customer: "a", day: "2023-01-15", total: 1000),
            Make.order("2", customer: "a", day: "2023-02-14", total: 3000),  // gap 30
            Make.order("3", customer: "a", day: "2024-01-10", total: 2000),  // gap 330
            Make.order("4", customer: "b", day: "2023-01-20", total: 500),
            Make.order("5", customer: "c", day: "2023-03-01", total: 1500),
            Make.order("6", customer: "c", day: "2023-03-11", total: 1500),  // gap 10
            Make.event(
                "x", .customerUpserted(CustomerUpsert(identity: CustomerIdentity(email: "no-orders@example.com"))),
                day: "2023-06-01"),
        ])
        let metrics = try RetentionMetrics.compute(store: store, asOf: Day(iso: "2024-01-14"), periodDays: 365)
        #expect(metrics.customers == 4)
        #expect(metrics.buyers == 3)
        #expect(metrics.orders == 6)
        #expect(metrics.revenueMinor == 9500)
        #expect(metrics.averageOrderValueMinor == 1583)
        #expect(metrics.repeatPurchaseRate == 2.0 / 3.0)
        #expect(metrics.historicCLVMinor == 3167)
        #expect(metrics.medianDaysBetweenOrders == 30)
        // Active in the last 365 days (2023-01-15 … 2024-01-14): a (all), b (01-20), c (03-01).
        #expect(metrics.activeCustomers == 3)
        // The period before (2022-01-15 … 2023-01-14) had no buyer: churn is undefined.
        #expect(metrics.churnRate == nil)
        let cohort = try #require(metrics.cohorts.rows.first)
        #expect(cohort.cohort == "2023-01" && cohort.size == 2)
        #expect(cohort.active.prefix(2) == [2, 1])  // a ordered again in February
        #expect(metrics.cohorts.rows.map(\.cohort) == ["2023-01", "2023-03"])
    }

    @Test func churnCountsThoseActiveBeforeButNotSince() throws {
        let store = InMemoryStore()
        try Ingestor(store: store).ingest([
            Make.order("1", customer: "a", day: "2024-01-10", total: 100),
            Make.order("2", customer: "b", day: "2024-01-12", total: 100),
            Make.order("3", customer: "a", day: "2024-02-20", total: 100),
        ])
        let metrics = try RetentionMetrics.compute(store: store, asOf: Day(iso: "2024-02-29"), periodDays: 30)
        #expect(metrics.churnRate == 0.5)
        #expect(metrics.activeCustomers == 1)
    }

    @Test func medianOfAnEvenNumberOfGapsIsTheMeanOfTheMiddleTwo() throws {
        let store = InMemoryStore()
        try Ingestor(store: store).ingest([
            Make.order("1", customer: "a", day: "2024-01-01", total: 100),
            Make.order("2", customer: "a", day: "2024-01-11", total: 100),  // 10
            Make.order("3", customer: "b", day: "2024-01-01", total: 100),
            Make.order("4", customer: "b", day: "2024-01-31", total: 100),  // 30
            Make.order("5", customer: "b", day: "2024-01-31", total: 100),  // 0: same day
            Make.order("6", customer: "b", day: "2024-03-31", total: 100),  // 60
        ])
        let metrics = try RetentionMetrics.compute(store: store, asOf: Day(iso: "2024-04-01"), periodDays: 30)
        #expect(metrics.medianDaysBetweenOrders == 20)  // 0, 10, 30, 60
        #expect(metrics.orders == 6 && metrics.buyers == 2)
    }

    @Test func customersCreatedAfterTheAsOfDateDoNotCount() throws {
        let store = InMemoryStore()
        try Ingestor(store: store).ingest([
            Make.order("1", customer: "a", day: "2024-01-10", total: 100),
            Make.order("2", customer: "b", day: "2024-05-10", total: 100),
        ])
        let metrics = try RetentionMetrics.compute(store: store, asOf: Day(iso: "2024-02-01"), periodDays: 30)
        #expect(metrics.customers == 1)
        #expect(metrics.buyers == 1)
    }
}
