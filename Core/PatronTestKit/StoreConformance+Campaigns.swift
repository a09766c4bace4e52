import Foundation
import PatronCore

extension StoreConformance {
    /// The kit's own channels, registered by ``check(_:)`` unless an app registered them: a mail
    /// channel no store has heard of proves that stores keep consent and audiences for any
    /// channel a connector brings.
    static let kitMail = ChannelDescriptor(
        channel: "kit_mail", summary: "the conformance kit's mail", address: .emailAddress, consent: .optIn,
        hasSubject: true)
    /// A channel that sends to contact points the customer gives (as push does).
    static let kitPoint = ChannelDescriptor(
        channel: "kit_point", summary: "the conformance kit's contact points", address: .contactPoint, consent: .optIn,
        hasSubject: false)

    /// Renders a template as written (the kit checks what the store keeps, not Mustache).
    struct PlainRenderer: MessageRendering {
        func render(_ template: FlowTemplate, values: [String: TemplateValue]) throws -> RenderedMessage {
            RenderedMessage(subject: template.subject, body: template.body)
        }
    }

    static func consent(_ customer: CustomerIdentity, day: Int) -> IngestEvent {
        IngestEvent(
            id: "consent-\(customer.email ?? "")", source: "shop", occurredAt: at(day, 0),
            kind: .consentChanged(ConsentChange(customer: customer, channel: kitMail.channel, status: .granted)))
    }

    static func cart(_ ref: String, _ customer: CustomerIdentity, day: Int, value: Int64) -> IngestEvent {
        IngestEvent(
            id: "cart-\(ref)", source: "shop", occurredAt: at(day),
            kind: .cartUpdated(
                CartData(
                    ref: ref, customer: customer, currency: .usd, valueMinor: value,
                    lines: [OrderLine(sku: "TEA", quantity: 1, unitPriceMinor: value)], status: .open)))
    }

    /// The campaign engine on the store: first-order and abandoned-cart firings (an order after
    /// the cart is no abandonment), entry once per firing, the outbox a tick writes, a repeated
    /// tick that adds nothing, a changed flow file that ends runs in progress, flow figures,
    /// replenishment due days, the ledger of ignored deliveries and a scratch copy nothing else
    /// sees.
    static func campaigns<
        S: Store & CampaignStore & CampaignReports & CampaignUpkeep & DeliveryLedger & ScratchCopying & FlowRegistry
    >(
        _ store: S
    ) async throws {
        let rule = "campaigns"
        let (a, b, c) = (who("a", email: "a@x.com"), who("b", email: "b@x.com"), who("c", email: "c@x.com"))
        try Ingestor(store: store).ingest([
            consent(a, day: 0), consent(b, day: 0), consent(c, day: 0),
            order("1", a, day: 1, total: 1000), cart("k1", b, day: 2, value: 5000), cart("k2", c, day: 2, value: 5000),
            order("3", c, day: 2, total: 900), order("2", a, day: 3, total: 1500),
        ])
        let ids = try store.read { t in
            try ["a", "b", "c"].map { try t.customerID(email: "\($0)@x.com")! }
        }
        // Firings, for a flow that has seen none.
        let everything = (from: Int64.min / 2, through: Int64.max / 2)
        let firsts = try store.triggerInstances(
            of: .orderPlaced(firstOnly: true), flowID: "fresh", from: everything.from, through: everything.through)
        try require(
            firsts.map(\.customerID).sorted() == [ids[0], ids[2]] && firsts.allSatisfy { $0.key.hasPrefix("order:") },
            rule, "first orders: \(firsts)")
        let orders = try store.triggerInstances(
            of: .orderPlaced(firstOnly: false), flowID: "fresh", from: at(1), through: at(3))
        try require(orders.count == 2, rule, "orders in (day 1, day 3]: \(orders)")
        let abandoned = try store.triggerInstances(
            of: .cartAbandoned(idleSeconds: 3_600, minValueMinor: 1_000), flowID: "fresh", from: everything.from,
            through: everything.through)
        try require(
            abandoned.map(\.customerID) == [ids[1]] && abandoned.first?.at == at(2) + 3_600, rule,
            "abandoned carts (c ordered after hers): \(abandoned)")
        try require(
            try store.triggerInstances(
                of: .cartAbandoned(idleSeconds: 3_600, minValueMinor: 6_000), flowID: "fresh", from: everything.from,
                through: everything.through
            ).isEmpty, rule, "a cart under the minimum value")
        let template = ["hi": FlowTemplate(channel: kitMail.channel, subject: "Hi", body: "Hello")]
        let welcome = Flow(
            id: "welcome", name: "Welcome", triggers: [.orderPlaced(firstOnly: true)],
            steps: [.send(channel: kitMail.channel, template: "hi")], templates: template)
        let carts = Flow(
            id: "carts", name: "Carts", triggers: [.cartAbandoned(idleSeconds: 3_600, minValueMinor: 1_000)],
            steps: [
                .send(channel: kitMail.channel, template: "hi"), .wait(seconds: 30 * 86_400),
                .send(channel: kitMail.channel, template: "hi"),
            ],
            templates: template)
        let active = [ActiveFlow(flow: welcome, activatedAt: at(0, 0)), ActiveFlow(flow: carts, activatedAt: at(0, 0))]
        let tick = CampaignTick(
            store: store, planner: FlowPlanner(), renderer: PlainRenderer(), shopName: "Shop", currency: .usd)
        for day in 1...4 { _ = try tick.run(active, now: at(day, 43_200)) }
        let rows = try await store.outboxRows(flowID: nil, from: .min, to: .max)
        let sent = Dictionary(grouping: rows, by: \.flowID).mapValues { Set($0.map(\.customerID)) }
        try require(
            sent["welcome"] == [ids[0], ids[2]] && sent["carts"] == [ids[1]] && rows.count == 3, rule,
            "the outbox after four ticks: \(rows.map { "\($0.flowID) \($0.customerID.reportKey)" })")
        try require(
            rows.allSatisfy { $0.status == "planned" && $0.channel == "kit_mail" && $0.body == "Hello" }, rule,
            "rows as planned: \(rows)")
        try require(
            rows.map(\.plannedAt) == rows.map(\.plannedAt).sorted(), rule, "outbox rows come oldest first")
        _ = try tick.run(active, now: at(4, 43_200))
        try require(
            try await store.outboxRows(flowID: nil, from: .min, to: .max).count == 3, rule,
            "a repeated tick wrote again")
        try require(
            try await store.outboxRows(flowID: "carts", from: .min, to: .max).map(\.customerID) == [ids[1]], rule,
            "rows of one flow")
        let stats = try await store.flowStats("welcome", attributionSeconds: 5 * 86_400)
        try require(
            stats.messages == [.planned: 2] && stats.treated == 2 && stats.holdout == 0 && stats.attributedOrders == 0,
            rule, "welcome's figures: \(stats)")
        // The cart run waits at its second send; a changed file ends it.
        try require(
            try store.dueEnrollments(flowID: "carts", now: at(40), limit: 10).map(\.customerID) == [ids[1]], rule,
            "the cart run waits for its second message")
        try await store.saveFlow(id: "carts", name: "Carts", source: "v1", path: nil, at: at(4))
        let ended = try await store.saveFlow(id: "carts", name: "Carts", source: "v2", path: nil, at: at(4))
        try require(ended == 1, rule, "a changed flow file ended \(ended) runs, not 1")
        try require(
            try store.dueEnrollments(flowID: "carts", now: at(40), limit: 10).isEmpty, rule,
            "an ended run is still due")
        // Replenishment: a bought TEA twice, two days apart; c once.
        let kept = try await store.refreshReplenishment(now: at(4), keepSeconds: 2 * 86_400)
        let expected = Replenishment.due(
            sku: "TEA", purchases: [(ids[0], at(1)), (ids[0], at(3)), (ids[2], at(2))], dueAfter: at(4) - 2 * 86_400)
        try require(
            kept == expected.count && !expected.isEmpty, rule, "replenishment rows: \(kept), expected \(expected)")
        try require(try await store.replenishmentRefreshedAt() == at(4), rule, "the refresh time")
        let due = try store.triggerInstances(
            of: .replenishmentDue(leadDays: 0), flowID: "refill", from: .min / 2, through: .max / 2)
        try require(
            Set(due.map { "\($0.customerID.rawValue) \($0.key) \($0.at) \($0.context.intervalDays ?? 0)" })
                == Set(
                    expected.map {
                        "\($0.customerID.rawValue) replenish:TEA@\($0.lastBoughtAt) \($0.dueAt) \($0.intervalDays)"
                    }),
            rule, "replenishment firings: \(due)")
        // Decisions are listed oldest first and filter by flow.
        let decisions = try await store.campaignDecisions(flowID: nil, customerID: nil, from: .min, to: .max)
        try require(decisions.map(\.at) == decisions.map(\.at).sorted(), rule, "decisions come oldest first")
        try require(
            try await store.campaignDecisions(flowID: "nobody", customerID: nil, from: .min, to: .max).isEmpty, rule,
            "decisions of a flow that has none")
        // Ignored deliveries count once per id.
        for (id, topic) in [
            ("d1", "app/uninstalled"), ("d1", "app/uninstalled"), ("d2", "app/uninstalled"), ("d3", "shop/update"),
        ] {
            try await store.recordIgnoredDelivery(id, topic: topic, at: at(5))
        }
        try require(
            try await store.ignoredDeliveries()
                == [IgnoredTopic(topic: "app/uninstalled", count: 2), IgnoredTopic(topic: "shop/update", count: 1)],
            rule, "ignored deliveries")
        // A scratch copy holds what the store holds; writes to it stay there.
        let copy = try await store.scratchCopy()
        try Ingestor(store: copy).ingest([order("9", who("z"), day: 6, total: 100)])
        try require(try copy.customerCount(createdThrough: nil) == 4, rule, "the copy lacks the store's customers")
        try require(try store.customerCount(createdThrough: nil) == 3, rule, "a write to the copy reached the store")
        try await copy.discardScratchCopy()
    }
}
