import Foundation
import PatronCore

/// The definition of a correct Patron store: what any ``PatronStore`` (everything the apps ask
/// of a store) must do, checked against explicit expectations and, for segments, against the kernel's
/// in-memory evaluator. A new store gets the whole suite by one call:
///
/// ```swift
/// @Test func myStoreConforms() async throws {
///     try await StoreConformance.check { try MyStore(fresh: ()) }
/// }
/// ```
///
/// `makeStore` must return a new, empty store each time (the rules do not share state). Each
/// broken rule throws a ``ConformanceFailure`` naming it.
///
/// Covered: idempotent replay, atomic batches, identity resolution and merges, erasure, RFM and
/// order facts, order span and customer counts, RFM snapshots, saved predictions, segments
/// against the evaluator (random expressions) and at the parser's limits, saved segments and
/// membership diffs, the audit log and privacy requests, API keys, the outbox (claims, stale
/// takeovers, outcomes for their claim only, early and final receipts), leases and the vitals ops watch, the flow
/// registry and replays, record pages, and the campaign engine on the store (first-order and
/// abandoned-cart firings, entries once per firing, a tick's outbox, a changed flow ending runs,
/// flow figures, replenishment, ignored deliveries, scratch copies), and consent on a channel no
/// store was written for (its ledger, current state and segments, through merges and erasure), and
/// the loyalty ledgers (entries as appended, keys unique, moved by merges, the active rules) and
/// tiers (what they qualify on, the changes stored, the nightly job, `loyalty.tier` segments), and
/// feedback (responses one per key, verified reviews, reports, merges, erasure), purchases
/// (what recommendations learn from), the catalogue (variants, stale updates, what lists may
/// suggest) and product views (stitching, consent, pruning, merges, erasure).
public enum StoreConformance {
    /// Runs every rule on fresh stores from `makeStore`.
    public static func check<S: PatronStore>(_ makeStore: () throws -> S) async throws {
        try checkStore(makeStore)
        try segmentsAgreeWithTheEvaluator(try makeStore())
        try loyaltyTiers(try makeStore())
        try feedback(try makeStore())
        try await surveyMessages(try makeStore())
        try await segmentExportsAgreeWithTheEvaluator(try makeStore())
        try savedSegmentsAndDiffs(try makeStore())
        try await auditAndPrivacy(try makeStore())
        try await apiKeys(try makeStore())
        try await outbox(try makeStore())
        try await leases(try makeStore())
        try await vitals(try makeStore())
        try await flowRegistry(try makeStore())
        try await recordPages(try makeStore())
        try await campaigns(try makeStore())
        try consentLedger(try makeStore())
        try browsing(try makeStore())
    }

    /// The rules of the ``Store`` protocol alone (its transactions and analytics): idempotent
    /// replay, atomic batches, identity merges, erasure, RFM and order facts, snapshots and
    /// predictions, contact points. ``check(_:)`` runs them with the rest; a store under
    /// construction runs these first, before it implements the other protocols.
    public static func checkStore<S: Store>(_ makeStore: () throws -> S) throws {
        ChannelRegistry.bootstrapMissing([kitMail, kitPoint])
        try idempotentReplay(try makeStore())
        try atomicBatches(try makeStore())
        try identityMerges(try makeStore())
        try erasure(try makeStore())
        try rfmAndOrderFacts(try makeStore())
        try snapshotsAndPredictions(try makeStore())
        try contactPoints(try makeStore())
        try loyalty(try makeStore())
        try purchases(try makeStore())
        try recommendationModel(try makeStore())
        try catalogue(try makeStore())
        try views(try makeStore())
        try setWrites(try makeStore())
        try deferredIndexLoads(makeStore)
    }

    /// Pages by id after a cursor, filtered by customer and status; records by id; segment moves
    /// and the newest scores of a customer; report keys.
    static func recordPages<S: Store & SegmentRepository & RecordPages>(_ store: S) async throws {
        let rule = "record pages"
        let (a, b) = (who("a", email: "a@x.com"), CustomerIdentity(email: "b@x.com"))
        var events = (1...5).map { n in order("o\(n)", n % 2 == 0 ? b : a, day: n, total: Int64(100 * n)) }
        for (ref, customer, status) in [("k1", a, CartStatus.open), ("k2", b, .deleted), ("k3", a, .open)] {
            events.append(
                IngestEvent(
                    id: "cart-\(ref)", source: "shop", occurredAt: at(6),
                    kind: .cartUpdated(
                        CartData(
                            ref: ref, customer: customer, currency: .usd, valueMinor: 500, lines: [], status: status))))
        }
        for (ref, status) in [("t1", TicketStatus.open), ("t2", .closed)] {
            events.append(
                IngestEvent(
                    id: "ticket-\(ref)", source: "mail", occurredAt: at(7),
                    kind: .ticketUpdated(TicketData(ref: ref, customer: a, subject: "Where?", status: status))))
        }
        try Ingestor(store: store).ingest(events)
        let (ann, bea) = (CustomerID(1), CustomerID(2))
        let first = try await store.orders(customer: nil, after: 0, limit: 2)
        try require(first.map(\.ref.id) == ["o1", "o2"], rule, "the first page: \(first.map(\.ref.id))")
        let next = try await store.orders(customer: nil, after: first.last!.id.rawValue, limit: 10)
        try require(next.map(\.ref.id) == ["o3", "o4", "o5"], rule, "the next page: \(next.map(\.ref.id))")
        let annsOrders = try await store.orders(customer: ann, after: 0, limit: 10)
        try require(annsOrders.map(\.ref.id) == ["o1", "o3", "o5"], rule, "one customer's orders")
        try require(try await store.order(id: first[1].id)?.totalMinor == 200, rule, "an order by id")
        try require(try await store.order(id: OrderID(999)) == nil, rule, "an unknown order")
        let open = try await store.carts(customer: nil, status: .open, after: 0, limit: 10)
        try require(open.map(\.ref.id) == ["k1", "k3"], rule, "open carts: \(open.map(\.ref.id))")
        let beasCarts = try await store.carts(customer: bea, status: nil, after: 0, limit: 10)
        try require(beasCarts.map(\.ref.id) == ["k2"], rule, "one customer's carts")
        try require(try await store.cart(id: open[1].id)?.ref.id == "k3", rule, "a cart by id")
        let tickets = try await store.tickets(customer: ann, status: .open, after: 0, limit: 10)
        try require(tickets.map(\.ref.id) == ["t1"], rule, "open tickets: \(tickets.map(\.ref.id))")
        try require(try await store.ticket(id: tickets[0].id)?.subject == "Where?", rule, "a ticket by id")
        try require(try await store.messages(ofTicket: tickets[0].id).isEmpty, rule, "a ticket without mail")
        // Two snapshots (a move between them) and a saved segment's entry.
        for (takenAt, asOf) in [(Int64(1_000), day0 + 8), (2_000, day0 + 400)] {
            let run = try RFMRun.compute(
                store: store, asOf: asOf, windowDays: nil, configuration: try RFMConfiguration(), currency: .usd)
            _ = try run.save(to: store, takenAt: takenAt)
        }
        try store.recordMembership(
            of: "vip", members: [ann], diff: SegmentDiff(previous: [], current: [ann]), at: 3_000)
        let moves = try await store.segmentMoves(of: ann)
        try require(moves.last == SegmentTransition(segment: "vip", from: nil, to: "vip", at: 3_000), rule, "\(moves)")
        let rfmMoves = moves.filter { $0.segment == "rfm" }
        try require(rfmMoves.allSatisfy { $0.at == 2_000 && $0.from != $0.to }, rule, "RFM moves: \(rfmMoves)")
        let score = try await store.rfmScore(of: ann)
        let latest = try store.latestRFMSnapshot()?.rows.first { $0.customerID == ann }
        try require(
            score?.asOf == (day0 + 400).description && score?.segment == latest?.segment && score?.r == latest?.r, rule,
            "the newest scores: \(String(describing: score))")
        let keys = try await store.reportKeys(for: [ann, bea])
        try require(keys[ann] == "a" && keys[bea] == bea.reportKey, rule, "report keys: \(keys)")
    }

    /// New flows are drafts; saving keeps the status; activation is dated once; by id.
    static func flowRegistry<S: FlowRegistry>(_ store: S) async throws {
        let rule = "flow registry"
        try await store.saveFlow(id: "welcome", name: "Welcome", source: "v1", path: "flows/welcome.yaml", at: 1)
        try await store.saveFlow(id: "birthday", name: "Birthday", source: "b1", path: nil, at: 2)
        var flows = try await store.flows()
        try require(flows.map(\.id) == ["birthday", "welcome"], rule, "by id: \(flows.map(\.id))")
        try require(flows.allSatisfy { $0.status == .draft && $0.activatedAt == nil }, rule, "new flows are drafts")
        try require(try await store.setFlowStatus("welcome", .active, at: 10), rule, "activate")
        try require(try await store.setFlowStatus("welcome", .active, at: 20), rule, "activate again")
        try require(!(try await store.setFlowStatus("nope", .active, at: 20)), rule, "an unknown flow")
        try await store.saveFlow(id: "welcome", name: "Welcome!", source: "v2", path: "flows/welcome.yaml", at: 30)
        flows = try await store.flows()
        let welcome = flows.first { $0.id == "welcome" }
        try require(welcome?.status == .active && welcome?.source == "v2", rule, "saving keeps the status")
        try require(welcome?.activatedAt == 10, rule, "activation is dated once: \(String(describing: welcome))")
        try require(welcome?.name == "Welcome!" && welcome?.updatedAt == 30, rule, "the new file's name and time")
        try require(try await store.setFlowStatus("welcome", .paused, at: 40), rule, "pause")
        try require(try await store.flows().first { $0.id == "welcome" }?.status == .paused, rule, "paused")
        // A replay activates the flows named and the active ones, from its start.
        _ = try await store.setFlowStatus("birthday", .active, at: 50)
        try await store.saveFlow(id: "draft", name: "Draft", source: "d", path: nil, at: 50)
        try await store.activateForReplay(["welcome"], at: 5)
        let replay = Dictionary(uniqueKeysWithValues: try await store.flows().map { ($0.id, $0) })
        try require(
            replay["welcome"]?.status == .active && replay["welcome"]?.activatedAt == 5
                && replay["birthday"]?.activatedAt == 5 && replay["draft"]?.status == .draft, rule,
            "a replay's activation: \(replay.values.map { "\($0.id) \($0.status) \(String(describing: $0.activatedAt))" })"
        )
    }

    static func message(_ key: String, _ channel: ConsentChannel, due: Int64) -> OutboxMessage {
        OutboxMessage(
            key: key, flowID: "f", step: 1, customerID: CustomerID(1), channel: channel,
            recipient: channel == "sms" ? "+14155550100" : "a@x.com", subject: nil, body: "Hi", plannedAt: due,
            nextAttemptAt: due)
    }

    /// Keys once; claims that no second sender takes, unless stale; outcomes for their claim
    /// only; receipts early or late, a final status never undone.
    static func outbox<S: Store & OutboxStore>(_ store: S) async throws {
        let rule = "outbox"
        try Ingestor(store: store).ingest([order("1", who("a", email: "a@x.com"), day: 1, total: 1000)])
        let (a, b, c) = (message("a", "sms", due: 100), message("b", "sms", due: 150), message("c", .email, due: 500))
        try await store.enqueue([a, b, c])
        try await store.enqueue([message("a", "sms", due: 1)])
        let stored = try await store.outboxMessages(keys: ["a", "b", "c", "nope"])
        try require(stored.map(\.key) == ["a", "b", "c"], rule, "a key is enqueued once: \(stored.map(\.key))")
        try require(Set(stored.map(\.id)).count == 3 && stored[0].nextAttemptAt == 100, rule, "ids and times")
        let first = try await store.claimOutbox(channels: ["sms"], now: 200, staleBefore: 0, limit: 10)
        try require(first.map(\.0.key) == ["a", "b"], rule, "the due SMS are claimed: \(first.map(\.0.key))")
        try require(first.allSatisfy { $0.0.status == .sending && $0.0.attempts == 1 }, rule, "claims count an attempt")
        try require(first.first?.1?.id == CustomerID(1), rule, "a claim comes with its customer")
        let again = try await store.claimOutbox(channels: ["sms", .email], now: 200, staleBefore: 0, limit: 10)
        try require(again.isEmpty, rule, "a second sender took claimed or undue messages: \(again.map(\.0.key))")
        let ids = Dictionary(uniqueKeysWithValues: stored.map { ($0.key, $0.id) })
        try await store.recordOutcomes([
            SendOutcome(id: ids["a"]!, result: .sent(providerID: "p-a", status: .sent), at: 210, attempt: 1),
            SendOutcome(id: ids["a"]!, result: .failed("late"), at: 211, attempt: 2),
        ])
        // b's sender died: its claim is taken over, and the dead sender's late answer is ignored.
        let takeover = try await store.claimOutbox(channels: ["sms"], now: 400, staleBefore: 300, limit: 10)
        try require(
            takeover.map(\.0.key) == ["b"] && takeover.first?.0.attempts == 2, rule, "a stale claim is taken over")
        try await store.recordOutcomes([
            SendOutcome(id: ids["b"]!, result: .failed("the dead sender"), at: 401, attempt: 1),
            SendOutcome(id: ids["b"]!, result: .retry(at: 1_000, error: "429"), at: 402, attempt: 2),
        ])
        var now = Dictionary(
            uniqueKeysWithValues: try await store.outboxMessages(keys: ["a", "b"]).map { ($0.key, $0) })
        try require(now["a"]?.status == .sent, rule, "a: \(String(describing: now["a"]?.status))")
        try require(now["b"]?.status == .planned && now["b"]?.nextAttemptAt == 1_000, rule, "b is retried later")
        try require(
            try await store.recordDelivery(providerID: "p-a", status: .delivered, error: nil, at: 500), rule,
            "a's receipt")
        _ = try await store.recordDelivery(providerID: "p-a", status: .sent, error: nil, at: 501)
        now["a"] = try await store.outboxMessages(keys: ["a"]).first
        try require(now["a"]?.status == .delivered, rule, "a final status was undone")
        // c's receipt arrives before its sender records the send.
        let c1 = try await store.claimOutbox(channels: [.email], now: 600, staleBefore: 0, limit: 1)
        try require(c1.map(\.0.key) == ["c"], rule, "c is due at 500")
        try require(
            !(try await store.recordDelivery(providerID: "p-c", status: .delivered, error: nil, at: 601)), rule,
            "an unknown provider id")
        try await store.recordOutcomes([
            SendOutcome(id: ids["c"]!, result: .sent(providerID: "p-c", status: .sent), at: 602, attempt: 1)
        ])
        try require(
            try await store.outboxMessages(keys: ["c"]).first?.status == .delivered, rule, "an early receipt is applied"
        )
    }

    /// One holder at a time; the holder renews; an expired lease is anyone's; only the holder
    /// releases.
    static func leases<S: LeaseStore>(_ store: S) async throws {
        let rule = "leases"
        try require(try await store.acquireLease("scheduler", holder: "a", now: 0, seconds: 60), rule, "a takes it")
        try require(
            !(try await store.acquireLease("scheduler", holder: "b", now: 30, seconds: 60)), rule, "b while a holds")
        try require(
            try await store.acquireLease("scheduler", holder: "a", now: 30, seconds: 60), rule, "a renews to 90")
        try require(
            !(try await store.acquireLease("scheduler", holder: "b", now: 80, seconds: 60)), rule, "the renewal holds")
        try require(try await store.acquireLease("other", holder: "b", now: 80, seconds: 60), rule, "names are apart")
        try require(
            try await store.acquireLease("scheduler", holder: "b", now: 91, seconds: 60), rule, "expired: b takes it")
        try await store.releaseLease("scheduler", holder: "a")
        try require(
            !(try await store.acquireLease("scheduler", holder: "a", now: 92, seconds: 60)), rule,
            "a released b's lease")
        try await store.releaseLease("scheduler", holder: "b")
        try require(
            try await store.acquireLease("scheduler", holder: "a", now: 93, seconds: 60), rule, "after b's release")
    }

    /// Key names are unique, live or revoked; a key is found by its hash while live only;
    /// the list is by name.
    static func apiKeys<S: APIKeyStore>(_ store: S) async throws {
        let rule = "API keys"
        try await store.createAPIKey(name: "reader", hash: "h1", scopes: ["read"], at: 1)
        try await store.createAPIKey(name: "admin", hash: "h2", scopes: ["read", "admin"], at: 2)
        do {
            try await store.createAPIKey(name: "reader", hash: "h3", scopes: ["read"], at: 3)
            throw ConformanceFailure(rule: rule, detail: "a second key named 'reader' was accepted")
        } catch let error as PatronError {
            try require(error.code == .conflict, rule, "a duplicate name: \(error)")
        }
        let found = try await store.apiKey(hash: "h2")
        try require(found?.name == "admin" && found?.scopes == ["read", "admin"], rule, "\(String(describing: found))")
        try require(try await store.apiKey(hash: "nope") == nil, rule, "an unknown hash matched")
        try require(try await store.revokeAPIKey(name: "reader", at: 4), rule, "revoke")
        try require(!(try await store.revokeAPIKey(name: "reader", at: 5)), rule, "a second revoke")
        try require(try await store.apiKey(hash: "h1") == nil, rule, "a revoked key still matches")
        let all = try await store.apiKeys()
        try require(all.map(\.name) == ["admin", "reader"], rule, "the list by name: \(all.map(\.name))")
        try require(all.last?.revokedAt == 4 && all.first?.revokedAt == nil, rule, "revocation times")
        do {
            try await store.createAPIKey(name: "reader", hash: "h4", scopes: ["read"], at: 6)
            throw ConformanceFailure(rule: rule, detail: "a revoked key's name was reused")
        } catch is PatronError {}
    }

    static func require(_ condition: Bool, _ rule: String, _ detail: @autoclosure () -> String) throws {
        guard condition else { throw ConformanceFailure(rule: rule, detail: detail()) }
    }

    static let day0 = Day(iso: "2025-01-01")!

    static func at(_ days: Int, _ seconds: Int64 = 36_000) -> Int64 { (day0 + days).epochSeconds + seconds }

    static func who(_ ref: String, email: String? = nil, phone: String? = nil) -> CustomerIdentity {
        CustomerIdentity(refs: [ExternalRef(source: "", id: ref)], email: email, phone: phone)
    }

    static func order(
        _ id: String, _ customer: CustomerIdentity, day: Int, total: Int64, currency: CurrencyCode = .usd,
        sku: String = "TEA"
    ) -> IngestEvent {
        IngestEvent(
            id: "o-\(id)", source: "shop", occurredAt: at(day),
            kind: .orderPlaced(
                OrderData(
                    ref: id, customer: customer, placedAt: at(day), currency: currency, totalMinor: total,
                    lines: [OrderLine(sku: sku, quantity: 1, unitPriceMinor: total)])))
    }

    /// Every event id is applied once: a replayed batch changes nothing and is counted as
    /// duplicates, within a batch as across batches.
    static func idempotentReplay<S: Store>(_ store: S) throws {
        let rule = "idempotent replay"
        let events = [
            order("1", who("a", email: "a@x.com"), day: 1, total: 1000),
            order("2", who("a"), day: 5, total: 2500),
            order("3", who("b", phone: "+14155550100"), day: 2, total: 700),
        ]
        let first = try Ingestor(store: store).ingest(events)
        try require(first.appliedCount == 3 && first.duplicates == 0, rule, "first pass: \(first)")
        let facts = try store.rfmFacts(asOf: day0 + 30, windowDays: nil)
        let again = try Ingestor(store: store).ingest(events + [events[0]])
        try require(again.appliedCount == 0 && again.duplicates == 4, rule, "replay: \(again)")
        try require(try store.rfmFacts(asOf: day0 + 30, windowDays: nil) == facts, rule, "a replay changed the facts")
        try require(try store.customerCount(createdThrough: nil) == 2, rule, "customers after replay")
        // A quick read (no snapshot asked) sees what a read sees once the writes are committed.
        let (viaRead, viaQuick) = (
            try store.read { t in
                try t.customerID(ref: ExternalRef(source: "shop", id: "a")).flatMap { try t.customer($0) }
            },
            try store.quickRead { t in
                try t.customerID(ref: ExternalRef(source: "shop", id: "a")).flatMap { try t.customer($0) }
            }
        )
        try require(viaQuick != nil && viaQuick == viaRead, rule, "a quick read: \(String(describing: viaQuick))")
    }

    /// A batch that fails leaves the store as before it, and its good events can be applied
    /// afterwards (their ids were not kept).
    static func atomicBatches<S: Store>(_ store: S) throws {
        let rule = "atomic batches"
        try Ingestor(store: store).ingest([order("1", who("a"), day: 1, total: 1000)])
        let good = order("2", who("b"), day: 2, total: 500)
        let otherCurrency = order("3", who("c"), day: 3, total: 900, currency: .eur)
        do {
            try Ingestor(store: store).ingest([good, otherCurrency])
            throw ConformanceFailure(rule: rule, detail: "an order in a second currency was accepted")
        } catch is PatronError {}
        try require(try store.customerCount(createdThrough: nil) == 1, rule, "the failed batch left customers")
        let retry = try Ingestor(store: store).ingest([good])
        try require(retry.appliedCount == 1, rule, "the good event of a failed batch was marked applied")
        try require(try store.read { try $0.reportingCurrency() } == .usd, rule, "the reporting currency changed")
    }

    /// Keys of one event that match different customers make them one person: the one found
    /// first keeps its id, the other's refs, email, phone and orders move to it, its id is gone.
    static func identityMerges<S: Store>(_ store: S) throws {
        let rule = "identity merges"
        try Ingestor(store: store).ingest([
            order("1", who("a", email: "Ann@X.com "), day: 1, total: 1000),
            order("2", who("b", phone: "+1 415 555 0100"), day: 2, total: 700),
        ])
        try store.read { t in
            try require(try t.customerID(email: "ann@x.com") == CustomerID(1), rule, "email is matched normalised")
            try require(try t.customerID(phone: "+14155550100") == CustomerID(2), rule, "phone is matched as E.164")
        }
        // One upsert names a's ref and b's phone.
        try Ingestor(store: store).ingest([
            IngestEvent(
                id: "u1", source: "shop", occurredAt: at(3),
                kind: .customerUpserted(CustomerUpsert(identity: who("a", phone: "+14155550100"))))
        ])
        try store.read { t in
            try require(try t.customerID(ref: ExternalRef(source: "shop", id: "b")) == CustomerID(1), rule, "b's ref")
            try require(try t.customerID(phone: "+14155550100") == CustomerID(1), rule, "b's phone")
            try require(try t.customer(CustomerID(2)) == nil, rule, "the merged customer still exists")
            let merged = try t.customer(CustomerID(1))
            try require(merged?.aggregates.orderCount == 2, rule, "orders moved: \(String(describing: merged))")
            try require(merged?.aggregates.revenueMinor == 1700, rule, "revenue recomputed")
            try require(try t.orders(of: CustomerID(1)).count == 2, rule, "orders(of:) after the merge")
        }
        try require(try store.customerCount(createdThrough: nil) == 1, rule, "one customer after the merge")
    }

    /// An erasure blanks the person and detaches their keys; their orders stay as anonymous
    /// figures.
    static func erasure<S: Store>(_ store: S) throws {
        let rule = "erasure"
        try Ingestor(store: store).ingest([order("1", who("a", email: "a@x.com"), day: 1, total: 1000)])
        try Ingestor(store: store).ingest([
            IngestEvent(
                id: "e1", source: "shop", occurredAt: at(2), kind: .customerErased(CustomerIdentity(email: "a@x.com")))
        ])
        try store.read { t in
            let customer = try t.customer(CustomerID(1))
            try require(customer?.erasedAt != nil && customer?.email == nil, rule, "\(String(describing: customer))")
            try require(try t.customerID(email: "a@x.com") == nil, rule, "the email still matches")
            try require(
                try t.customerID(ref: ExternalRef(source: "shop", id: "a")) == nil, rule, "the ref still matches")
            try require(try t.refs(of: CustomerID(1)).isEmpty, rule, "refs remain")
        }
        let facts = try store.rfmFacts(asOf: day0 + 10, windowDays: nil)
        try require(facts.map(\.monetaryMinor) == [1000], rule, "the erased customer's order no longer counts")
        // A new order with the old email is a new person.
        try Ingestor(store: store).ingest([order("2", CustomerIdentity(email: "a@x.com"), day: 3, total: 50)])
        try require(try store.customerCount(createdThrough: nil) == 2, rule, "the erased person was matched again")
    }

    /// RFM facts and order facts count placed orders net of refunds, never cancelled ones, up to
    /// the end of the as-of day, within a window when one is given.
    static func rfmAndOrderFacts<S: Store>(_ store: S) throws {
        let rule = "RFM and order facts"
        try Ingestor(store: store).ingest([
            order("1", who("a"), day: 1, total: 1000),
            order("2", who("a"), day: 10, total: 2000),
            order("3", who("a"), day: 20, total: 4000),
            order("4", who("b"), day: 5, total: 300),
            order("5", who("b"), day: 40, total: 999),
            IngestEvent(id: "c3", source: "shop", occurredAt: at(21), kind: .orderCancelled(orderRef: "3")),
            IngestEvent(
                id: "r2", source: "shop", occurredAt: at(22),
                kind: .orderRefunded(RefundData(orderRef: "2", amountMinor: 500, currency: .usd))),
        ])
        let facts = try store.rfmFacts(asOf: day0 + 30, windowDays: nil)
        try require(facts.count == 2, rule, "two customers with counting orders: \(facts)")
        let a = facts.first { $0.customerID == CustomerID(1) }
        try require(
            a?.frequency == 2 && a?.monetaryMinor == 2500, rule, "a: 2 orders, 25.00 net: \(String(describing: a))")
        try require(a?.recencyDays == 20, rule, "a's last counting order is 20 days before: \(String(describing: a))")
        let b = facts.first { $0.customerID == CustomerID(2) }
        try require(b?.frequency == 1 && b?.monetaryMinor == 300, rule, "b's day-40 order is after the as-of day")
        let windowed = try store.rfmFacts(asOf: day0 + 30, windowDays: 25)
        let aWindow = windowed.first { $0.customerID == CustomerID(1) }
        try require(aWindow?.frequency == 1 && aWindow?.monetaryMinor == 1500, rule, "window: \(windowed)")
        try require(try store.orderSpan() == (day0 + 1)...(day0 + 40), rule, "order span")
        let ordered = try store.orderFacts(through: day0 + 50)
        try require(ordered.count == 4, rule, "order facts: \(ordered.count)")
        let keys = ordered.map { [$0.customerID.rawValue, $0.placedAt] }
        try require(
            keys == keys.sorted { $0.lexicographicallyPrecedes($1) }, rule, "order facts not by customer, then time")
        try require(try store.customerCount(createdThrough: day0 + 3) == 1, rule, "customers created by day 3")
    }

    /// The newest saved snapshot comes back whole; saved predictions replace the last ones.
    static func snapshotsAndPredictions<S: Store>(_ store: S) throws {
        let rule = "snapshots and predictions"
        try require(try store.latestRFMSnapshot() == nil, rule, "a new store has a snapshot")
        try Ingestor(store: store).ingest(
            (0..<30).map { n in order("\(n)", who("c\(n % 10)"), day: n * 3, total: Int64(100 + n * 37)) })
        let run = try RFMRun.compute(
            store: store, asOf: day0 + 100, windowDays: nil, configuration: try RFMConfiguration(), currency: .usd)
        let id = try run.save(to: store, takenAt: 5)
        let latest = try store.latestRFMSnapshot()
        try require(latest?.id == id && latest?.rows.count == 10, rule, "\(String(describing: latest?.rows.count))")
        try require(latest?.rows == run.snapshot(takenAt: 5).rows, rule, "the snapshot's rows changed")
        // The moves saved with a snapshot come back counted by (from, to), with the two days.
        let first = try store.latestSnapshotMoves()
        try require(
            first?.asOf == day0 + 100 && first?.previousAsOf == nil && first?.comparable == false, rule,
            "the first snapshot's moves: \(String(describing: first))")
        // Half the customers order again, big, long after: they move up.
        try Ingestor(store: store).ingest(
            (0..<5).map { n in order("late\(n)", who("c\(n)"), day: 390, total: 9_000) })
        let later = try RFMRun.compute(
            store: store, asOf: day0 + 400, windowDays: nil, configuration: try RFMConfiguration(), currency: .usd)
        _ = try later.save(to: store, takenAt: 6)
        let moves = try store.latestSnapshotMoves()
        let expected = SegmentMove.summary(later.moves).map {
            SnapshotMoves.Count(from: $0.from, to: $0.to, customers: $0.customers)
        }
        try require(!later.moves.isEmpty, rule, "the kit's second run moves nobody")
        try require(
            moves == SnapshotMoves(asOf: day0 + 400, previousAsOf: day0 + 100, comparable: true, counts: expected),
            rule,
            "the second snapshot's moves: \(String(describing: moves)), expected \(expected)")
        // A third, with other moves (the other half order big, a new customer appears): only the
        // newest snapshot's moves come back, a new customer's from is nil.
        try Ingestor(store: store).ingest(
            (5..<10).map { n in order("later\(n)", who("c\(n)"), day: 395, total: 20_000) }
                + [order("newcomer", who("n1"), day: 396, total: 50_000)])
        let third = try RFMRun.compute(
            store: store, asOf: day0 + 400, windowDays: nil, configuration: try RFMConfiguration(), currency: .usd)
        _ = try third.save(to: store, takenAt: 7)
        let thirdExpected = SegmentMove.summary(third.moves).map {
            SnapshotMoves.Count(from: $0.from, to: $0.to, customers: $0.customers)
        }
        try require(thirdExpected != expected && third.moves.contains { $0.from == nil }, rule, "the kit's third run")
        try require(
            try store.latestSnapshotMoves()
                == SnapshotMoves(asOf: day0 + 400, previousAsOf: day0 + 400, comparable: true, counts: thirdExpected),
            rule, "the third snapshot's moves")
        // A fourth with other parameters: no moves are saved, and the answer says why.
        let fourth = try RFMRun.compute(
            store: store, asOf: day0 + 400, windowDays: nil, configuration: try RFMConfiguration(method: .ntile),
            currency: .usd)
        _ = try fourth.save(to: store, takenAt: 8)
        let incomparable = try store.latestSnapshotMoves()
        try require(
            incomparable == SnapshotMoves(asOf: day0 + 400, previousAsOf: day0 + 400, comparable: false, counts: []),
            rule, "a snapshot with other parameters: \(String(describing: incomparable))")
        let summary = try PurchaseSummary.from(store: store, calibrationEnd: day0 + 100, currencyDigits: 2)
        let saved = try SavedPredictions.compute(
            summary: summary, calibrationEnd: day0 + 100, currencyDigits: 2, monthlyDiscount: 0.01, savedAt: 9)
        try store.savePredictions(saved)
        try require(try store.savedPredictions()?.savedAt == 9, rule, "saved predictions")
    }

    /// A store's segment members are what the kernel's evaluator selects, for random
    /// expressions and at the parser's limits (the deepest nesting, the longest lists).
    static func segmentsAgreeWithTheEvaluator<S: Store & SegmentRepository>(_ store: S) throws {
        let rule = "segments agree with the evaluator"
        let until = Day(iso: "2025-06-30")!
        var events = Array(try ShopGenerator(options: .init(customers: 400, seed: 5, until: until)))
        // Consent on the kit's own channel for two customers in three: granted, then revoked.
        var people = 0
        for event in events {
            guard case .customerUpserted(let upsert) = event.kind else { continue }
            people += 1
            guard people % 3 != 0 else { continue }
            events.append(
                IngestEvent(
                    id: "kit-consent-\(people)", source: "shop", occurredAt: event.occurredAt,
                    kind: .consentChanged(
                        ConsentChange(
                            customer: upsert.identity, channel: kitMail.channel,
                            status: people % 3 == 1 ? .granted : .revoked))))
        }
        let reference = InMemoryStore()
        try loyaltyHistory(events, into: store, until: until)
        try loyaltyHistory(events, into: reference, until: until)
        let answers = sampleAnswers(customers: 250, until: until)
        for target in [store as any Store, reference as any Store] {
            try target.write { t in for response in answers { try t.saveFeedbackResponse(response) } }
        }
        let now = until.epochSeconds + 86_399
        var sources = [
            "loyalty.points >= 100", "loyalty.points between 1 and 300 or loyalty.lifetime_points > 2000",
            "loyalty.points_expiring(within: 60 days) > 0",
            "not loyalty.points_expiring(within: 400 days) >= 50 and orders.count >= 2",
            "orders.count >= 2 and orders.last_at < 90 days ago", #"country in ("DE", "US") or tags contains "vip""#,
            "not (aov > 50 or cart.abandoned_at is null)", #"email starts with "a" and phone is null"#,
            #"bought(sku: "TEA-001", within: 365 days) or ordered(count >= 3)"#,
            "birthday within 30 days", "abandoned_cart(min_value: 20, within: 60 days)",
        ]
        // The widest and the deepest expressions the parser admits.
        sources.append((0..<1_500).map { "orders.count = \($0 % 12)" }.joined(separator: " or "))
        sources.append((0..<1_500).map { "orders.total != \($0)" }.joined(separator: " and "))
        var deep = #"bought(sku: "MUG-003")"#
        for level in 1...SegmentLimits.maxDepth {
            let op = level % 2 == 0 ? "and" : "or"
            deep =
                "\(level % 3 == 0 ? "not " : "")(\(deep) \(op) birthday within 9 days \(op) orders.count > \(level % 4))"
        }
        sources.append(deep)
        var random = SplitMix(seed: 17)
        for _ in 0..<40 { sources.append(randomExpression(&random, depth: 0)) }
        for source in sources {
            let expression = try SegmentParser.parse(source)
            let expected = try reference.members(expression, now: now)
            let got = try store.members(expression, now: now)
            try require(
                got == expected, rule, "\(source.prefix(120)): \(got.count) members, the evaluator \(expected.count)")
            if source.hasPrefix("loyalty.") {
                // Not vacuous: the ledgers give these segments some members, not everyone.
                try require(
                    expected.count > 0 && expected.count < people, rule, "\(source): \(expected.count) of \(people)")
            }
        }
    }

    /// Counts and exported rows (every catalogue field, the newest RFM snapshot's included)
    /// are the evaluator's, with and without an expression, page by page.
    static func segmentExportsAgreeWithTheEvaluator<S: Store & SegmentQueries>(_ store: S) async throws {
        let rule = "segment exports agree with the evaluator"
        let until = Day(iso: "2025-06-30")!
        let events = Array(try ShopGenerator(options: .init(customers: 250, seed: 8, until: until)))
        let reference = InMemoryStore()
        try loyaltyHistory(events, into: store, until: until)
        try loyaltyHistory(events, into: reference, until: until)
        for target in [store as any Store, reference as any Store] {
            let run = try RFMRun.compute(
                store: target, asOf: until, windowDays: nil, configuration: try RFMConfiguration(), currency: .usd)
            _ = try run.save(to: target, takenAt: 1)
        }
        let now = until.epochSeconds + 86_399
        let fields = SegmentCatalogue.fields
        func export<T: SegmentQueries>(
            _ queries: T, _ expression: SegmentExpression?, after: CustomerID? = nil, limit: Int? = nil
        ) async throws -> String {
            var csv = CSVBuffer()
            try await queries.forEachSegmentMember(expression, fields: fields, now: now, after: after, limit: limit) {
                SegmentExport.appendCSV($0, fields: fields, digits: 2, to: &csv)
            }
            return String(decoding: csv.bytes, as: UTF8.self)
        }
        for source in [
            "orders.count >= 2", #"rfm.segment in ("Champions", "At Risk") or tags contains "vip""#,
            #"feedback.nps_class = "detractor" or feedback.reviews.count >= 2 or feedback.csat_last <= 2"#,
        ] {
            let expression = try SegmentParser.parse(source)
            let got = try await export(store, expression)
            let expected = try await export(reference, expression)
            try require(got == expected, rule, "\(source): the rows differ")
            let count = try await store.segmentCount(expression, now: now)
            try require(count == got.split(separator: "\n").count, rule, "\(source): count \(count)")
        }
        let everyone = try await export(store, nil)
        try require(everyone == (try await export(reference, nil)), rule, "everyone: the rows differ")
        try require(everyone.split(separator: "\n").count == 250, rule, "everyone is 250 customers")
        let page = try await export(store, nil, after: CustomerID(100), limit: 20)
        try require(
            page == (try await export(reference, nil, after: CustomerID(100), limit: 20)), rule, "a page differs")
        try require(page.split(separator: "\n").count == 20, rule, "a page of 20")
    }

    /// Survey answers for customers 1…`customers`, for the `feedback.*` fields: NPS for every
    /// third (one to three answers, some in the same second: the higher score is the latest then),
    /// CSAT for every fourth, reviews of one or two SKUs for every fifth.
    public static func sampleAnswers(customers: Int, until: Day) -> [FeedbackResponse] {
        (1...customers).flatMap { n -> [FeedbackResponse] in
            let id = CustomerID(Int64(n))
            let base = until.epochSeconds - Int64(n) * 3_600
            var out: [FeedbackResponse] = []
            if n % 3 == 0 {
                for k in 0..<(1 + n % 3 + n % 2) {
                    out.append(
                        FeedbackResponse(
                            key: "nps:\(n):\(k)", customerID: id, kind: .nps, score: (n * 7 + k * 3) % 11,
                            channel: "link", answeredAt: n % 9 == 0 ? base : base + Int64(k) * 86_400))
                }
            }
            if n % 4 == 0 {
                out.append(
                    FeedbackResponse(
                        key: "csat:\(n)", customerID: id, kind: .csat, score: 1 + n % 5, channel: "sms",
                        answeredAt: base))
            }
            if n % 5 == 0 {
                for sku in ["MUG-003", "TEA-001"].prefix(1 + n % 2) {
                    out.append(
                        FeedbackResponse(
                            key: FeedbackResponse.reviewKey(customer: id, sku: sku), customerID: id, kind: .review,
                            score: 1 + (n + sku.count) % 5, sku: sku, channel: "link", answeredAt: base))
                }
            }
            return out
        }
    }

    /// Ingests `events` with a loyalty programme active (orders earn, pending 30 days, expiring
    /// after a year), then redeems from every fifth customer and runs the expiry half a year
    /// before `until`: ledgers with spends, expiries and reversals for the `loyalty.*` fields.
    static func loyaltyHistory<S: Store>(_ events: [IngestEvent], into store: S, until: Day) throws {
        let program = LoyaltyProgram(
            skuMultipliers: ["TEA-001": 2_000], actions: ["signup": .init(points: 25)], expiry: .afterDays(365),
            returnWindowDays: 30)
        try LoyaltyDesk.activate(store, rules: "(kit)", program: program, at: 0)
        try Ingestor(store: store).ingest(events)
        let at = until.epochSeconds - 180 * 86_400
        _ = try LoyaltyDesk.expire(store, at: at)
        for raw in stride(from: 1, through: 400, by: 5) {
            let id = CustomerID(Int64(raw))
            guard try store.read({ try $0.customerExists(id) }) else { continue }
            let balance = try LoyaltyDesk.statement(store, customer: id, program: nil, at: at).balance
            guard balance > 1 else { continue }
            _ = try LoyaltyDesk.redeem(
                store, customer: id, points: balance / 2, key: "kit", reason: "voucher", actor: nil, at: at)
        }
    }

    /// Saved segments round-trip; a diff against the last snapshot names who entered and left.
    static func savedSegmentsAndDiffs<S: Store & SegmentRepository>(_ store: S) throws {
        let rule = "saved segments and diffs"
        try Ingestor(store: store).ingest([
            order("1", who("a"), day: 1, total: 1000), order("2", who("b"), day: 2, total: 5000),
        ])
        try store.saveSegment(name: "big", expression: "orders.total >= 20", currencyDigits: 2, at: at(3))
        try require(try store.savedSegments().map(\.name) == ["big"], rule, "list")
        try require(try store.savedSegment(named: "big")?.expression == "orders.total >= 20", rule, "get")
        let first = try store.diffSegment(name: "big", currencyDigits: 2, now: at(3), record: true)
        try require(first.previous == nil && first.diff.entered == [CustomerID(2)], rule, "first diff: \(first)")
        try Ingestor(store: store).ingest([order("3", who("a"), day: 4, total: 1500)])
        let second = try store.diffSegment(name: "big", currencyDigits: 2, now: at(5), record: true)
        try require(second.previous == at(3), rule, "the previous snapshot's time")
        try require(second.diff.entered == [CustomerID(1)] && second.diff.left.isEmpty, rule, "second diff: \(second)")
        try require(
            try store.latestMembership(of: "big")?.members == [CustomerID(1), CustomerID(2)], rule, "latest members")
        let sizes = try store.membershipSizes(of: "big", limit: 10)
        try require(
            sizes.map(\.takenAt) == [at(3), at(5)] && sizes.map(\.members) == [1, 2], rule, "sizes over time: \(sizes)")
        try require(try store.membershipSizes(of: "big", limit: 1).map(\.members) == [2], rule, "the newest sizes")
        try require(try store.membershipSizes(of: "nonesuch", limit: 10).isEmpty, rule, "no snapshot, no sizes")
        try require(try store.deleteSegment(named: "big"), rule, "delete")
        try require(
            try store.savedSegment(named: "big") == nil && !(try store.deleteSegment(named: "big")), rule, "gone")
    }

    /// Audit entries commit with their transaction and roll back with it; privacy requests
    /// record theirs; a delivery's mark commits only with its work.
    static func auditAndPrivacy<S: Store & AuditLog>(_ store: S) async throws {
        let rule = "audit and privacy"
        try Ingestor(store: store).ingest([order("1", who("a", email: "a@x.com"), day: 1, total: 1000)])
        do {
            _ = try store.write { t -> Int in
                _ = try t.recordAudit(AuditEntry(at: 1, action: "erase", subject: "x", actor: "t", detail: "d"))
                _ = try t.markApplied(["delivery-1"])
                throw ConformanceFailure(rule: rule, detail: "rollback")
            }
        } catch let failure as ConformanceFailure where failure.detail == "rollback" {}
        try await require(try store.auditLog(limit: 10, documents: false).isEmpty, rule, "a rolled-back entry remains")
        let privacy = PrivacyRequests(store: store)
        let outcome = try privacy.dataRequest(
            CustomerIdentity(email: "a@x.com"), actor: "t", at: at(2), deliveryID: "delivery-1")
        guard case .done(1, let document?) = outcome, document.contains("a@x.com") else {
            throw ConformanceFailure(rule: rule, detail: "the data request after a rollback: \(outcome)")
        }
        try require(
            try privacy.dataRequest(CustomerIdentity(email: "a@x.com"), actor: "t", at: at(2), deliveryID: "delivery-1")
                == .duplicate, rule, "a redelivery is a duplicate")
        try require(
            try privacy.redactShop("s", source: "shop", actor: "t", at: at(3)) == .done(affected: 1, document: nil),
            rule,
            "shop redaction")
        let log = try await store.auditLog(limit: 10, documents: true)
        try require(log.map(\.action) == ["shop_redact", "erase", "data_request"], rule, "\(log.map(\.action))")
        try require(log.last?.document?.contains("a@x.com") == true, rule, "the data request keeps its document")
        try require(log.first?.document == nil && Set(log.map(\.id)).count == 3, rule, "ids are the store's")
        // Nobody matched is recorded too; an erased customer counts 0 and says so.
        try require(
            try privacy.dataRequest(CustomerIdentity(email: "b@x.com"), actor: "t", at: at(4)) == .nobody, rule,
            "a request for nobody")
        try require(
            try privacy.erase(CustomerID(1), actor: "t", at: at(5)) == .done(affected: 0, document: nil), rule,
            "erasing the erased")
        let after = try await store.auditLog(limit: 2, documents: false)
        try require(
            after.map(\.action) == ["erase", "data_request"] && after.first?.detail == "already erased"
                && after.last?.detail == "no data held about this person", rule, "\(after.map(\.detail))")
    }

    /// A random well-typed expression (fields, operators, behaviours, chains, nesting).
    static func randomExpression(_ random: inout SplitMix, depth: Int) -> String {
        if depth < 3, random.next() % 3 == 0 {
            let count = 2 + Int(random.next() % 4)
            let parts = (0..<count).map { _ in randomExpression(&random, depth: depth + 1) }
            let joined = parts.joined(separator: random.next() % 2 == 0 ? " and " : " or ")
            return random.next() % 4 == 0 ? "not (\(joined))" : "(\(joined))"
        }
        let ops = ["=", "!=", "<", "<=", ">", ">="]
        let op = ops[Int(random.next() % 6)]
        let n = Int(random.next() % 100)
        switch random.next() % 10 {
        case 0: return "orders.count \(op) \(n % 8)"
        case 1: return "orders.total \(op) \(n * 7)"
        case 2: return "orders.last_at \(op) \(n * 5) days ago"
        case 3: return #"country \#(op == "=" ? "=" : "!=") "\#(["DE", "US", "GB"][n % 3])""#
        case 4: return "aov \(op) \(n).5"
        case 5: return "cart.abandoned_at \(n % 2 == 0 ? "is null" : "within \(n) days")"
        case 6: return #"tags contains "wholesale""#
        case 7: return #"bought(sku: "TEA-001", within: \#(n * 10 + 1) days)"#
        case 8: return "ordered(count \(op) \(n % 5))"
        default: return #"consent.kit_mail \#(n % 2 == 0 ? "=" : "!=") "\#(["granted", "revoked", "unknown"][n % 3])""#
        }
    }
}

/// A small deterministic generator for the kit's random expressions.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
