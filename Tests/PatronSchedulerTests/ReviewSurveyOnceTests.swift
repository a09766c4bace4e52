import Foundation
import PatronAuth
import PatronCore
import PatronSQLite
import PatronScheduler
import Testing

/// A review survey asks each SKU of a customer once: a second order's request asks only what
/// is new (also when both are planned in one tick), and an order with nothing new sends nothing
/// and says why (`already_reviewed`). That
/// an undeliverable request does not count as asked is the store conformance kit's (`survey
/// messages`).
@Suite(.serialized) struct ReviewSurveyOnceTests {
    init() { TestChannels.register() }

    let t0 = CampaignFixture.t0
    let hour: Int64 = 3_600

    static let flow = """
        id: reviews
        name: Review every order
        trigger:
          order_placed: {}
        goal: none
        reentry_cooldown: 0d
        steps:
          - wait: 1h
          - survey: { kind: review, send: ask }
        templates:
          ask:
            channel: email
            subject: Your order
            body: "{{#survey.items}}{{name}} {{link}} {{/survey.items}}"
        """

    func order(_ shop: CampaignFixture, _ ref: String, _ skus: [String], at: Int64, by who: String = "ann") throws {
        try shop.ingest(
            [
                .orderPlaced(
                    OrderData(
                        ref: ref, customer: CustomerIdentity(refs: [ExternalRef(source: "shop", id: who)]),
                        placedAt: at, currency: .eur, totalMinor: 1_000 * Int64(skus.count),
                        lines: skus.map {
                            OrderLine(sku: $0, name: $0.lowercased(), quantity: 1, unitPriceMinor: 1_000)
                        }
                    ))
            ], at: at)
    }

    @Test func eachSKUIsAskedOnce() async throws {
        let shop = try CampaignFixture()
        try shop.customer("ann", phone: "+14155550401")
        try shop.activate(Self.flow, at: t0 - hour)
        let signer = try SurveyLinkSigner(secret: SurveyEndToEndTests.secret, baseURL: "https://shop.example/")
        var runtime = CampaignRuntime(store: shop.store, channels: [.email: SimulatedChannel()])
        runtime.surveyLinks = signer
        func run(through end: Int64) async throws {
            var now = t0
            while now <= end {
                _ = try await runtime.tick(now: now)
                let at = now
                _ = try await runtime.drain(now: { at })
                now += hour
            }
        }
        try order(shop, "o1", ["MUG", "TEA"], at: t0)
        try order(shop, "o2", ["MUG", "SPOON"], at: t0 + hour)
        try order(shop, "o3", ["TEA", "MUG"], at: t0 + 2 * hour)
        try await run(through: t0 + 5 * hour)
        let messages = try shop.outbox().sorted { $0.plannedAt < $1.plannedAt }
        let skus = try messages.map { message in
            try message.body.split(separator: " ").filter { $0.hasPrefix("https://shop.example/s/") }.map {
                try #require(try signer.verify(String($0.dropFirst("https://shop.example/s/".count))).sku)
            }
        }
        #expect(skus == [["MUG", "TEA"], ["SPOON"]], "\(messages.map(\.body))")
        let decisions = try await shop.store.campaignDecisions(
            flowID: "reviews", customerID: nil, from: .min, to: .max)
        #expect(decisions.contains { $0.reason == "already_reviewed" && $0.detail.contains("o3") }, "\(decisions)")

        // Bob's two orders a minute apart, due in the same tick: the second asks only what the
        // first did not.
        try shop.customer("bob", phone: "+14155550402", firstName: "Bob")
        try order(shop, "o4", ["CUP", "PLATE"], at: t0 + 24 * hour, by: "bob")
        try order(shop, "o5", ["CUP", "BOWL"], at: t0 + 24 * hour + 60, by: "bob")
        _ = try await runtime.tick(now: t0 + 24 * hour + 120)
        _ = try await runtime.tick(now: t0 + 26 * hour)
        let batch = try shop.outbox().filter { $0.plannedAt > t0 + 24 * hour }.map { message in
            try message.body.split(separator: " ").filter { $0.hasPrefix("https://shop.example/s/") }.map {
                try #require(try signer.verify(String($0.dropFirst("https://shop.example/s/".count))).sku)
            }
        }
        #expect(batch.count == 2 && Set(batch.flatMap { $0 }) == ["CUP", "PLATE", "BOWL"], "\(batch)")
        #expect(batch.flatMap { $0 }.count == 3, "a SKU was asked twice in one tick: \(batch)")
    }
}
