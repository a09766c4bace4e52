import Foundation
import PatronCore
import PatronFlows
import PatronSMS
import PatronSQLite
import PatronScheduler
import Testing

enum FlowFixture {
    static func parse(_ yaml: String) throws -> Flow {
        switch Result(catching: { () throws(FlowFileErrors) -> Flow in try FlowFile.parse(yaml, file: "test.yaml") }) {
        case .success(let flow): return flow
        case .failure(let errors): throw errors
        }
    }

    /// SMS at once, email a day later; no holdout, so every customer is treated.
    static let cart = """
        id: cart-test
        name: Cart test
        trigger:
          cart_abandoned: { idle: 4h, min_value: "20.00" }
        reentry_cooldown: 7d
        steps:
          - send: cart_sms
          - wait: 1d
          - send: cart_email
        templates:
          cart_sms: { channel: sms, body: "{{shop.name}}: your cart ({{cart.value}}) is waiting." }
          cart_email:
            channel: email
            subject: Your cart
            body: "Hi {{customer.first_name}}: {{#cart.items}}{{quantity}} x {{name}}; {{/cart.items}}"
        """
}

/// The campaign engine on a real SQLite file, sending to the stub gateway over a real socket,
/// receipts coming back through the API's signed status-callback receiver.
@Suite(.serialized) struct CampaignEngineTests {
    init() { TestChannels.register() }

    let t0 = CampaignFixture.t0

    func shop() throws -> CampaignFixture {
        let shop = try CampaignFixture()
        try shop.customer("ann", phone: "+14155550101")
        try shop.customer("bob", phone: "+14155550102")  // cart too small
        try shop.customer("cat", phone: "+14155550103")  // ordered after the cart
        try shop.customer("dan", phone: "+14155550429")  // the gateway rate-limits him
        try shop.customer("eve", phone: "+14155550400")  // invalid number
        try shop.customer("fay", phone: "+14155550104")  // withdraws consent after planning
        try shop.customer("gus", phone: "+14155550105", zone: "Asia/Tokyo")  // 23:00 there at 14:00 UTC
        try shop.customer("hal", phone: "+14155550106", sms: .unknown)  // never opted in to SMS
        try shop.customer("ida", phone: "+14155550600")  // accepted, then undelivered
        for name in ["ann", "cat", "dan", "eve", "fay", "gus", "hal", "ida"] {
            try shop.cart("cart-\(name)", customer: name, valueMinor: 5_000, at: t0)
        }
        try shop.cart("cart-bob", customer: "bob", valueMinor: 1_000, at: t0)
        try shop.order("order-cat", customer: "cat", at: t0 + 3600)
        try shop.activate(FlowFixture.cart, at: t0 - 3600)
        return shop
    }

    @Test func abandonedCartsArePlannedOnceSentWithRetriesAndConfirmedByReceipts() async throws {
        let shop = try shop()
        let store = shop.store
        try await CampaignFixture.live(store: store) { gateway, port in
            let runtime = CampaignRuntime(
                store: store, channels: [.sms: CampaignFixture.smsChannel(port: port)], shopName: "Mugs & Co",
                retry: RetryPolicy(baseSeconds: 60, capSeconds: 600, maxAttempts: 3))
            // Idle for three hours: nothing yet.
            await #expect(try runtime.tick(now: t0 + 3 * 3600).plannedTotal == 0)
            let report = try await runtime.tick(now: t0 + 4 * 3600)
            #expect(report.entered["cart-test"] == 7)  // not bob (small cart), not cat (ordered)
            #expect(report.planned["cart-test"] == 5)  // ann dan eve fay ida; gus deferred, hal no consent
            #expect(report.decisions["quiet_hours"] == 1 && report.decisions["no_consent"] == 1)
            // The same tick again changes nothing.
            let again = try await runtime.tick(now: t0 + 4 * 3600)
            #expect(again.plannedTotal == 0 && again.entered.isEmpty && again.decisions.isEmpty)
            #expect(try shop.outbox().count == 5)
            let annSMS = try #require(try shop.outbox().first { $0.recipient == "+14155550101" })
            #expect(annSMS.body == "Mugs & Co: your cart (50.00 EUR) is waiting.")
            #expect(
                annSMS.key.hasPrefix("cart-test/0/\(try shop.id("ann").rawValue)/cart:")
                    && annSMS.key.hasSuffix("@\(t0)"))

            // Fay withdraws consent after planning: she is not messaged.
            try shop.consent("fay", sms: .revoked, at: t0 + 4 * 3600 + 10)
            let sent = try await runtime.drain(now: { [t0] in t0 + 4 * 3600 + 30 })
            #expect(sent.sent == 2 && sent.suppressed == 1 && sent.failed == 1 && sent.retried == 1)
            func status(_ phone: String) throws -> OutboxRow? {
                try shop.outbox().first { $0.recipient == phone }
            }
            #expect(try status("+14155550104")?.status == "suppressed")
            #expect(try status("+14155550400")?.status == "failed")
            #expect(try status("+14155550400")?.lastError?.contains("21211") == true)
            let dan = try #require(try status("+14155550429"))
            #expect(dan.status == "planned" && dan.attempts == 1 && dan.lastError?.contains("429") == true)
            // The gateway keeps rate-limiting Dan: after the third attempt he is dead-lettered.
            for minutes in [20, 40] {
                _ = try await runtime.drain(now: { [t0] in t0 + 4 * 3600 + Int64(minutes) * 60 })
            }
            #expect(try status("+14155550429")?.status == "dead")
            #expect(try status("+14155550429")?.attempts == 3)

            // Receipts arrive through the signed status callback.
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline,
                try status("+14155550101")?.status != "delivered" || status("+14155550600")?.status != "failed"
            {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(try status("+14155550101")?.status == "delivered")
            #expect(try status("+14155550600")?.status == "failed")
            #expect(try status("+14155550600")?.lastError?.contains("30003") == true)
            #expect(gateway.messages.count == 2)

            // Gus's message goes at 08:00 in Tokyo (23:00 UTC), not before.
            await #expect(try runtime.tick(now: t0 + 12 * 3600).plannedTotal == 0)
            await #expect(try runtime.tick(now: t0 + 13 * 3600).planned["cart-test"] == 1)
            #expect(try status("+14155550105")?.plannedAt == t0 + 13 * 3600)

            // A day later the email step is planned (Hal too: only his SMS lacked consent), but with
            // no email channel configured it waits.
            let next = try await runtime.tick(now: t0 + 28 * 3600)
            #expect(next.planned["cart-test"] == 6)
            _ = try await runtime.drain(now: { [t0] in t0 + 28 * 3600 })
            let mails = try shop.outbox().filter { $0.channel == "email" }
            #expect(mails.count == 6 && mails.allSatisfy { $0.status == "planned" })
            #expect(mails.first { $0.recipient == "ann@example.com" }?.body == "Hi Ann: 2 x Blue mug; ")
        }
    }

    @Test func triggerFiringsComeFromTheStoreByTimeOnce() throws {
        let shop = try CampaignFixture()
        try shop.customer("ann", phone: "+14155550101")
        try shop.customer("bob", phone: "+14155550102")
        let ann = try shop.id("ann")
        let bob = try shop.id("bob")
        // The first scoring is not a move; Ann's later move into At Risk is, Bob's within the list is not.
        let first = RFMSnapshot(
            takenAt: t0, asOf: Day(epochSeconds: t0), parameters: "{}",
            rows: [
                .init(customerID: ann, r: 3, f: 3, m: 3, segment: "Loyal"),
                .init(customerID: bob, r: 1, f: 4, m: 4, segment: "At Risk"),
            ])
        _ = try shop.store.saveRFMSnapshot(
            first,
            moves: [.init(customerID: ann, from: nil, to: "Loyal"), .init(customerID: bob, from: nil, to: "At Risk")])
        let second = RFMSnapshot(
            takenAt: t0 + 86_400, asOf: Day(epochSeconds: t0 + 86_400), parameters: "{}",
            rows: [
                .init(customerID: ann, r: 1, f: 3, m: 3, segment: "At Risk"),
                .init(customerID: bob, r: 1, f: 4, m: 5, segment: "Can't Lose Them"),
            ])
        _ = try shop.store.saveRFMSnapshot(
            second,
            moves: [
                .init(customerID: ann, from: "Loyal", to: "At Risk"),
                .init(customerID: bob, from: "At Risk", to: "Can't Lose Them"),
            ])
        let moves = try shop.store.triggerInstances(
            of: .rfmSegmentEntered(["At Risk", "Can't Lose Them"]), flowID: "f", from: t0 - 1, through: t0 + 2 * 86_400)
        #expect(moves.map(\.customerID) == [ann])
        // Lapsed customers: the day the last order turns 90 days old.
        try shop.order("o1", customer: "bob", at: t0 - 90 * 86_400 + 600)
        let lapsed = try shop.store.triggerInstances(
            of: .noOrderFor(days: 90), flowID: "f", from: t0, through: t0 + 3600)
        #expect(lapsed.map(\.customerID) == [bob] && lapsed.first?.at == t0 + 600)
        #expect(
            try shop.store.triggerInstances(of: .noOrderFor(days: 90), flowID: "f", from: t0 + 3600, through: t0 + 7200)
                .isEmpty)
        // New customers, and first orders only.
        try shop.customer("cat", phone: "+14155550103", at: t0 + 60)
        let created = try shop.store.triggerInstances(of: .customerCreated, flowID: "f", from: t0, through: t0 + 3600)
        #expect(created.map(\.customerID) == [try shop.id("cat")])
        try shop.order("o2", customer: "cat", at: t0 + 120)
        try shop.order("o3", customer: "cat", at: t0 + 180)
        let firsts = try shop.store.triggerInstances(
            of: .orderPlaced(firstOnly: true), flowID: "f", from: t0, through: t0 + 3600)
        #expect(firsts.count == 1 && firsts.first?.at == t0 + 120)
        #expect(
            try shop.store.triggerInstances(
                of: .orderPlaced(firstOnly: false), flowID: "f", from: t0, through: t0 + 3600
            ).count == 2)
    }

    /// The sender re-checks quiet hours at send time by the policy the planner plans with
    /// (it used to get the default policy, so the two disagreed on quiet hours).
    @Test func theSenderAndThePlannerShareOneContactPolicy() throws {
        let shop = try shop()
        let policy = ContactPolicy(
            quietHours: ContactPolicy.QuietHours(start: 13 * 60, end: 14 * 60), caps: [], defaultTimeZone: "Asia/Tokyo")
        let runtime = CampaignRuntime(store: shop.store, channels: [.sms: SimulatedChannel()], policy: policy)
        #expect(runtime.sender().policy == policy)
        #expect(runtime.sender().policy.quietHours == runtime.policy.quietHours)
    }

    @Test func anOrderEndsTheRunAndCountsAsAConversion() async throws {
        let shop = try shop()
        let runtime = CampaignRuntime(store: shop.store, channels: [.sms: SimulatedChannel()])
        _ = try await runtime.tick(now: t0 + 4 * 3600)
        _ = try await runtime.drain(now: { [t0] in t0 + 4 * 3600 })
        // Ann orders the next morning: her email step never comes.
        try shop.order("order-ann", customer: "ann", totalMinor: 4_200, at: t0 + 20 * 3600)
        _ = try await runtime.tick(now: t0 + 28 * 3600)
        let mails = try shop.outbox().filter { $0.channel == "email" }
        #expect(!mails.contains { $0.recipient == "ann@example.com" })
        let decisions = try shop.store.campaignDecisions(customerID: try shop.id("ann"))
        #expect(decisions.map(\.reason) == ["goal_reached"])
        let stats = try shop.store.flowStats("cart-test", attributionSeconds: 5 * 86_400)
        #expect(stats.attributedOrders == 1 && stats.attributedRevenueMinor == 4_200)
        #expect(stats.treated == 7 && stats.treatedConverted == 1)
        #expect(stats.decisions["goal_reached"] == 1)
    }
}

/// `segment_entered`: the tick snapshots the saved segment (hourly); the first snapshot fires
/// nothing, an entry after it starts the flow.
@Suite struct SegmentEnteredTests {
    init() { TestChannels.register() }

    @Test func aCustomerWhoEntersASavedSegmentStartsTheFlow() async throws {
        let t0 = CampaignFixture.t0
        let shop = try CampaignFixture()
        try shop.customer("ann", phone: "+14155550301")
        try shop.customer("bob", phone: "+14155550302")
        try shop.order("a1", customer: "ann", at: t0 - 86_400)
        try shop.order("a2", customer: "ann", at: t0 - 3_600)
        try shop.store.save(SavedSegment(name: "repeat", expression: "orders.count >= 2", savedAt: t0 - 86_400))
        try shop.activate(
            """
            id: repeat-thanks
            name: Thanks for coming back
            trigger:
              segment_entered: { segment: repeat }
            goal: none
            steps:
              - send: thanks
            templates:
              thanks: { channel: sms, body: "Thanks for coming back, {{customer.first_name}}!" }
            """, at: t0 - 86_400)
        let runtime = CampaignRuntime(store: shop.store, channels: [.sms: SimulatedChannel()])
        // The first snapshot finds Ann already in the segment: not an entry.
        await #expect(try runtime.tick(now: t0).plannedTotal == 0)
        try shop.order("b1", customer: "bob", at: t0 + 600)
        try shop.order("b2", customer: "bob", at: t0 + 1_200)
        // Within the hour the snapshot is not taken again; after it, Bob's entry fires.
        await #expect(try runtime.tick(now: t0 + 1_800).plannedTotal == 0)
        let report = try await runtime.tick(now: t0 + 3_700)
        #expect(report.planned["repeat-thanks"] == 1)
        #expect(try shop.outbox().map(\.recipient) == ["+14155550302"])
        #expect(try shop.outbox().first?.body == "Thanks for coming back, Ann!")
    }
}

/// A gateway that is down: every message waits and is retried later; none is lost or failed.
@Suite struct GatewayDownTests {
    init() { TestChannels.register() }

    @Test func aClosedPortLeavesEveryMessagePlannedForALaterAttempt() async throws {
        let t0 = CampaignFixture.t0
        let shop = try CampaignFixture()
        for n in 0..<3 {
            try shop.customer("c\(n)", phone: "+1415555020\(n)")
            try shop.cart("cart-\(n)", customer: "c\(n)", valueMinor: 5_000, at: t0)
        }
        try shop.activate(FlowFixture.cart, at: t0 - 3600)
        // Port 9 (discard) on loopback: nothing listens, the connection is refused.
        let runtime = CampaignRuntime(
            store: shop.store, channels: [.sms: CampaignFixture.smsChannel(port: 9)],
            retry: RetryPolicy(baseSeconds: 60, capSeconds: 600, maxAttempts: 5))
        await #expect(try runtime.tick(now: t0 + 4 * 3600).plannedTotal == 3)
        let round = try await runtime.drain(now: { t0 + 4 * 3600 })
        #expect(round.retried == 3 && round.sent == 0 && round.failed == 0)
        let rows = try shop.outbox()
        #expect(
            rows.allSatisfy {
                $0.status == "planned" && $0.attempts == 1 && $0.lastError?.contains("did not answer") == true
            })
        // Nothing is due again before the backoff.
        #expect(try await runtime.drain(now: { t0 + 4 * 3600 + 1 }).claimed == 0)
    }
}

/// The outbox's guards: a late outcome of a claim that was taken over changes nothing, and a
/// message that would land in quiet hours at send time waits without counting an attempt.
@Suite struct OutboxGuardTests {
    init() { TestChannels.register() }

    @Test func aLateOutcomeOfATakenOverClaimChangesNothing() async throws {
        let t0 = CampaignFixture.t0
        let shop = try CampaignFixture()
        try shop.customer("ann", phone: "+14155550401")
        try shop.cart("cart-ann", customer: "ann", valueMinor: 5_000, at: t0)
        try shop.activate(FlowFixture.cart, at: t0 - 3600)
        let runtime = CampaignRuntime(store: shop.store, channels: [.sms: SimulatedChannel()])
        let plan = t0 + 4 * 3600
        await #expect(try runtime.tick(now: plan).plannedTotal == 1)
        let first = try shop.store.claimOutbox(channels: [.sms], now: plan, staleBefore: plan - 120, limit: 10)
        #expect(first.map(\.0.attempts) == [1])
        // The first sender seems dead: after the claim timeout a second one takes the message over.
        let second = try shop.store.claimOutbox(channels: [.sms], now: plan + 200, staleBefore: plan + 80, limit: 10)
        #expect(second.map(\.0.attempts) == [2])
        let id = try #require(first.first?.0.id)
        try shop.store.recordOutcomes([
            SendOutcome(id: id, result: .retry(at: plan + 999, error: "late"), at: plan + 201, attempt: 1)
        ])
        #expect(try shop.outbox().map(\.status) == ["sending"])
        try shop.store.recordOutcomes([
            SendOutcome(id: id, result: .sent(providerID: "SM1", status: .queued), at: plan + 202, attempt: 2)
        ])
        #expect(try shop.outbox().map(\.status) == ["sent"])
        try shop.store.recordOutcomes([
            SendOutcome(id: id, result: .failed("late too"), at: plan + 203, attempt: 1)
        ])
        #expect(try shop.outbox().map(\.status) == ["sent"])
    }

    @Test func aMessageDueInQuietHoursAtSendTimeWaitsForTheMorning() async throws {
        let t0 = CampaignFixture.t0
        let shop = try CampaignFixture()
        try shop.customer("ann", phone: "+14155550402")
        try shop.cart("cart-ann", customer: "ann", valueMinor: 5_000, at: t0)
        try shop.activate(FlowFixture.cart, at: t0 - 3600)
        let runtime = CampaignRuntime(store: shop.store, channels: [.sms: SimulatedChannel()])
        await #expect(try runtime.tick(now: t0 + 4 * 3600).plannedTotal == 1)
        // Planned at 14:00 UTC, but the sender only gets to it at 23:00 UTC (a backlog, a channel
        // configured late): it waits for 08:00, and the attempt does not count.
        let night = Day(epochSeconds: t0).epochSeconds + 23 * 3600
        let round = try await runtime.drain(now: { night })
        #expect(round.sent == 0 && round.retried == 1)
        let row = try #require(try shop.outbox().first)
        #expect(row.status == "planned" && row.attempts == 0 && row.lastError == "quiet hours at send time")
        #expect(try await runtime.drain(now: { night + 3600 }).claimed == 0)
        let morning = Day(epochSeconds: t0).epochSeconds + 86_400 + 8 * 3600
        #expect(try await runtime.drain(now: { morning }).sent == 1)
    }
}
