import Foundation
import PatronAuth
import PatronCore
import PatronMail
import PatronSQLite
import PatronScheduler
import Testing

/// The shipped flows on one shop, hour by hour over fifteen days: each sends what it should,
/// to whom, when; re-running a tick sends nothing new; a simulation of the same fortnight plans
/// exactly what the real run then sends.
@Suite(.serialized) struct ShippedFlowsEndToEndTests {
    init() { TestChannels.register() }

    let t0 = CampaignFixture.t0
    let hour: Int64 = 3600
    let day: Int64 = 86_400

    func shop() throws -> CampaignFixture {
        let shop = try CampaignFixture()
        try shop.customer("ann", phone: "+14155550201")
        try shop.cart("cart-ann", customer: "ann", valueMinor: 5_000, at: t0)
        try shop.customer("new", phone: "+14155550202", sms: .unknown, at: t0)
        try shop.order("first-new", customer: "new", at: t0 + hour)
        try shop.customer("old", phone: "+14155550203", at: t0 - 300 * day)
        try shop.order("old-1", customer: "old", at: t0 - 200 * day)
        try shop.order("old-2", customer: "old", at: t0 - 90 * day + 2 * hour)
        try shop.customer("bday", phone: "+14155550204", zone: "Asia/Tokyo", birthday: "--03-03")
        try shop.customer("tea", phone: "+14155550205", sms: .revoked)
        for (n, daysAgo) in [27, 17, 7].enumerated() {
            try shop.order("tea-\(n)", customer: "tea", sku: "TEA", at: t0 - Int64(daysAgo) * day)
        }
        try shop.activateShippedFlows(at: t0 - hour)
        return shop
    }

    /// Email through the test SMTP sink when the test services run, else a channel that accepts.
    static func emailChannel() throws -> any ChannelConnector {
        let environment = ProcessInfo.processInfo.environment
        guard let port = environment["PATRON_SMTP_PORT"] else { return SimulatedChannel() }
        return EmailChannel(
            server: try MailServer(
                url: "smtp://127.0.0.1:\(port)", username: environment["PATRON_SMTP_USER"],
                password: environment["PATRON_SMTP_PASSWORD"]),
            from: MailAddress(name: "Mugs & Co", address: "shop@example.com"))
    }

    @Test func eachShippedFlowSendsWhatItShouldToWhomWhen() async throws {
        let shop = try shop()
        let links = try SurveyLinkSigner(secret: "a test secret, 32 bytes or so!!", baseURL: "http://127.0.0.1:9/")
        var simulation = CampaignSimulation(
            from: t0 - hour, to: t0 + 15 * day, step: hour, shopName: "Mugs & Co", nightlyRFM: false)
        simulation.surveyLinks = links
        let simulated = try await simulation.run(store: shop.store, flows: [])
        #expect(try shop.outbox().isEmpty, "the simulation must not touch the store")
        let email = try Self.emailChannel()
        try await CampaignFixture.live(store: shop.store) { gateway, port in
            var runtime = CampaignRuntime(
                store: shop.store, channels: [.sms: CampaignFixture.smsChannel(port: port), .email: email],
                shopName: "Mugs & Co")
            runtime.surveyLinks = links
            var now = t0
            while now <= t0 + 15 * day {
                _ = try await runtime.tick(now: now)
                let at = now
                _ = try await runtime.drain(now: { at })
                now += hour
            }
            let again = try await runtime.tick(now: now - hour)
            #expect(again.plannedTotal == 0 && again.entered.isEmpty)

            func id(_ ref: String) throws -> CustomerID { try shop.id(ref) }
            func held(_ ref: String, _ flow: String, _ percent: Int) throws -> Bool {
                ContactPolicy.inHoldout(customer: try id(ref), flow: flow, percent: percent)
            }
            var expected: [String] = []
            func expect(_ flow: String, _ ref: String, _ channel: String, at: Int64, holdout: Int = 0) throws {
                if try !held(ref, flow, holdout) { expected.append("\(flow) \(ref) \(channel) \(at - t0)") }
            }
            try expect("abandoned-cart", "ann", "email", at: t0 + 4 * hour, holdout: 10)
            try expect("abandoned-cart", "ann", "sms", at: t0 + 28 * hour, holdout: 10)
            try expect("welcome", "new", "email", at: t0 + hour)
            try expect("welcome", "new", "email", at: t0 + hour + 3 * day)
            try expect("welcome", "new", "email", at: t0 + hour + 10 * day)
            try expect("post-purchase-review", "new", "email", at: t0 + hour + 14 * day)
            try expect("win-back", "old", "email", at: t0 + 2 * hour, holdout: 10)
            try expect("win-back", "old", "sms", at: t0 + 2 * hour + 7 * day, holdout: 10)
            // 09:00 on 3 March in Tokyo is midnight UTC.
            try expect("birthday", "bday", "email", at: t0 + 14 * hour)
            try expect("birthday", "bday", "sms", at: t0 + 14 * hour)
            // TEA every ten days, last bought a week ago: due in three days, reminded three days before.
            try expect("replenishment", "tea", "email", at: t0)
            let refs = Dictionary(
                uniqueKeysWithValues: try ["ann", "new", "old", "bday", "tea"].map { (try id($0), $0) })
            let outbox = try shop.outbox()
            let actual = outbox.map { "\($0.flowID) \(refs[$0.customerID] ?? "?") \($0.channel) \($0.plannedAt - t0)" }
            #expect(actual.sorted() == expected.sorted())
            #expect(outbox.allSatisfy { $0.status == "sent" || $0.status == "delivered" }, "\(outbox.map(\.status))")
            #expect(gateway.messages.count == outbox.filter { $0.channel == "sms" }.count)
            // Every body was rendered from the customer's data.
            let birthday = try #require(outbox.first { $0.flowID == "birthday" && $0.channel == "email" })
            #expect(birthday.subject == "Happy birthday, Ann!" && birthday.body.contains("Everyone at Mugs & Co"))
            // The review request links each SKU of the order to its signed answer page.
            let review = try #require(outbox.first { $0.flowID == "post-purchase-review" })
            #expect(review.body.contains("http://127.0.0.1:9/s/"), "\(review.body)")
            let replenish = try #require(outbox.first { $0.flowID == "replenishment" })
            #expect(replenish.body.contains("TEA") || replenish.body.contains("Blue mug"))
            // What was not sent is explained: tea's SMS consent is revoked, new never opted in.
            let decisions = try shop.store.campaignDecisions()
            #expect(decisions.allSatisfy { !$0.reason.isEmpty && !$0.detail.isEmpty })
            // The simulation planned the same messages at the same times.
            #expect(
                Set(simulated.messages.map { "\($0.key) \($0.plannedAt)" })
                    == Set(outbox.map { "\($0.key) \($0.plannedAt)" }))
        }
    }
}
