import Foundation
import PatronCore
import PatronSQLite
import PatronScheduler
import Testing

/// The shipped `points-expiring` flow end to end: points earned by orders as they are ingested
/// (rules active), the Monday schedule picks the customers with at least 100 points expiring
/// within 30 days, and the stub gateway receives the SMS naming the points, the day and the
/// balance; the email goes too; nobody is reminded twice within the cooldown.
@Suite(.serialized) struct LoyaltyReminderTests {
    init() { TestChannels.register() }

    let t0 = CampaignFixture.t0  // Monday 2026-03-02 10:00 UTC
    let day: Int64 = 86_400

    @Test func customersWithPointsAboutToExpireAreReminded() async throws {
        let shop = try CampaignFixture()
        try LoyaltyDesk.activate(
            shop.store, rules: "(test)", program: LoyaltyProgram(expiry: .afterDays(365)), at: t0 - 400 * day)
        try shop.customer("ann", phone: "+14155550301", at: t0 - 380 * day)
        try shop.customer("bob", phone: "+14155550302", at: t0 - 380 * day)
        try shop.customer("cat", phone: "+14155550303", sms: .revoked, at: t0 - 380 * day)
        try shop.customer("dan", phone: "+14155550304", at: t0 - 380 * day)
        try shop.order("a1", customer: "ann", totalMinor: 15_000, at: t0 - 350 * day)  // 150 points, 15 days left
        try shop.order("b1", customer: "bob", totalMinor: 5_000, at: t0 - 350 * day)  // 50: too few
        try shop.order("c1", customer: "cat", totalMinor: 20_000, at: t0 - 340 * day)  // 200, 25 days left
        try shop.order("d1", customer: "dan", totalMinor: 30_000, at: t0 - 300 * day)  // 300, 65 days left
        let flow = try String(
            contentsOf: CampaignFixture.root.appendingPathComponent("flows/points-expiring.yaml"), encoding: .utf8)
        try shop.activate(flow, at: t0 - 2 * 3600)

        try await CampaignFixture.live(store: shop.store) { gateway, port in
            let runtime = CampaignRuntime(
                store: shop.store,
                channels: [
                    .sms: CampaignFixture.smsChannel(port: port), .email: try ShippedFlowsEndToEndTests.emailChannel(),
                ],
                shopName: "Mugs & Co")
            _ = try await runtime.tick(now: t0)
            _ = try await runtime.drain(now: { [t0] in t0 })
            let outbox = try shop.outbox()
            let names = [try shop.id("ann"): "ann", try shop.id("bob"): "bob", try shop.id("cat"): "cat"]
            let sent = outbox.map { "\(names[$0.customerID] ?? "dan") \($0.channel)" }
            #expect(sent.sorted() == ["ann email", "ann sms", "cat email"], "\(sent)")
            #expect(gateway.messages.count == 1)
            #expect(
                gateway.messages.first?["Body"]
                    == "Mugs & Co: 150 of your 150 points expire on 2026-03-17. Use them before then! Reply STOP to opt out.",
                "\(gateway.messages)")
            let cat = try shop.id("cat")
            let mail = try #require(outbox.first { $0.channel == "email" && $0.customerID == cat })
            #expect(mail.subject == "200 of your Mugs & Co points expire soon")
            #expect(mail.body.contains("200 of your points expire on 2026-03-27. You have\n200 points to spend"))

            // A week later the schedule fires again: the cooldown keeps it to one reminder.
            _ = try await runtime.tick(now: t0 + 7 * day)
            #expect(try shop.outbox().count == 3)
        }
    }
}
