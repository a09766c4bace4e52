import Foundation
import PatronCore
import Testing

/// What a customer buys again and again comes back to their list when it is due (their own
/// interval), the one exception to "never what they bought": not before, not long after, not
/// when out of stock, and never in an evaluation of "something new".
@Suite struct ReplenishRecommendationTests {
    init() { TestChannels.register() }

    static let day0 = Day(iso: "2025-01-01")!.epochSeconds
    static func at(_ day: Int) -> Int64 { day0 + Int64(day) * 86_400 + 36_000 }

    static func order(_ ref: String, _ customer: String, day: Int, _ skus: [String]) -> IngestEvent {
        IngestEvent(
            id: "o-\(ref)", source: "shop", occurredAt: at(day),
            kind: .orderPlaced(
                OrderData(
                    ref: ref, customer: CustomerIdentity(refs: [ExternalRef(source: "", id: customer)]),
                    placedAt: at(day), currency: .usd, totalMinor: 100 * Int64(skus.count),
                    lines: skus.map { OrderLine(sku: $0, quantity: 1, unitPriceMinor: 100) })))
    }

    @Test func aHabitIsSuggestedWhenItIsDue() throws {
        let store = InMemoryStore()
        try Ingestor(store: store).ingest([
            Self.order("1", "ann", day: 0, ["COFFEE", "MUG"]), Self.order("2", "ann", day: 30, ["COFFEE"]),
            Self.order("3", "bob", day: 1, ["MUG", "SPOON"]), Self.order("4", "cat", day: 2, ["MUG", "SPOON", "TEA"]),
        ])
        let ann = try #require(try store.read { try $0.customerID(ref: ExternalRef(source: "shop", id: "ann")) })
        func list(day: Int) throws -> [Recommendation] {
            try RecommendationDesk.forCustomer(store, ann, n: 3, at: Self.at(day), from: .learnNow(.init()))
        }
        // Bought every 30 days, last on day 30: due on day 60, suggested from day 53 until day 90.
        #expect(try list(day: 50).map(\.source).contains(.replenish) == false)
        let due = try list(day: 58)
        #expect(due.first?.sku == "COFFEE" && due.first?.source == .replenish && due.first?.intervalDays == 30)
        #expect(due.dropFirst().allSatisfy { $0.sku != "COFFEE" && $0.sku != "MUG" } && due.count == 3)
        #expect(try list(day: 89).first?.sku == "COFFEE")
        #expect(try list(day: 120).contains { $0.sku == "COFFEE" } == false)
        // In the JSON, with its interval.
        #expect(Recommendation.json([due[0]]).contains(#""source":"replenish","interval_days":30"#))

        // Out of stock: not suggested.
        try store.write { t in
            try t.saveProducts([
                ProductRecord(
                    sku: "COFFEE", source: "shop", productRef: "c", name: "Coffee", inStock: false, updatedAt: 0),
                ProductRecord(sku: "SPOON", source: "shop", productRef: "s", name: "Spoon", updatedAt: 0),
            ])
        }
        #expect(try list(day: 58).contains { $0.sku == "COFFEE" } == false)
        try store.write { t in
            try t.saveProducts([
                ProductRecord(sku: "COFFEE", source: "shop", productRef: "c", name: "Coffee", updatedAt: 1)
            ])
        }
        let back = try list(day: 58)
        #expect(back.first?.sku == "COFFEE" && back.first?.product?.name == "Coffee", "\(back.map(\.sku))")
    }
}
