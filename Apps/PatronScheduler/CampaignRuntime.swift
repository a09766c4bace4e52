import Foundation
import Logging
import Metrics
import PatronChannels
import PatronCore
import PatronFlows

/// The campaign engine wired to a store: the flows stored there (parsed from their
/// files), the tick, the outbox sender with the configured channels, and the nightly jobs.
/// The scheduler's services and the `patron campaigns` commands both run it.
public struct CampaignRuntime<S: PatronStore>: Sendable {
    public let store: S
    public let channels: [ConsentChannel: any ChannelConnector]
    public var policy: ContactPolicy
    public var shopName: String
    public var retry: RetryPolicy
    public var concurrency: Int
    /// A message claimed longer ago than this by a sender that died is sent again (same key).
    public var claimTimeoutSeconds: Int64 = 120
    /// Signs survey links (`PATRON_SURVEY_SECRET`, `PATRON_SURVEY_URL`); without it survey
    /// steps send nothing and say why.
    public var surveyLinks: (any SurveyLinking)?
    /// How long raw product views are kept (the nightly job prunes older ones; totals stay).
    public var viewRetentionDays = ViewTracker.defaultRetentionDays
    let logger: Logger

    public init(
        store: S, channels: [ConsentChannel: any ChannelConnector], policy: ContactPolicy = ContactPolicy(),
        shopName: String = "our shop", retry: RetryPolicy = RetryPolicy(), concurrency: Int = 32,
        logger: Logger = Logger(label: "patron.campaigns")
    ) {
        ChannelCatalog.bootstrap()
        self.store = store
        self.channels = channels
        self.policy = policy
        self.shopName = shopName
        self.retry = retry
        self.concurrency = concurrency
        self.logger = logger
    }

    /// The active flows, parsed from their stored files. A stored file that no longer parses
    /// (a newer format, a segment removed) is logged and skipped, not fatal.
    public func activeFlows() async throws -> [ActiveFlow] {
        let digits = CurrencyCode.minorUnitDigits(of: try store.reportingCurrency())
        var out: [ActiveFlow] = []
        for stored in try await store.flows() where stored.status == .active {
            do {
                let flow = try FlowFile.parseStored(
                    id: stored.id, source: stored.source, path: stored.path, currencyDigits: digits,
                    savedSegment: { try store.savedSegment(named: $0)?.expression })
                out.append(ActiveFlow(flow: flow, activatedAt: stored.activatedAt ?? stored.updatedAt))
            } catch {
                logger.error(
                    "stored flow does not parse; skipped", metadata: ["flow": "\(stored.id)", "error": "\(error)"])
            }
        }
        return out
    }

    /// One tick at `now` over `flows` (the active ones when `nil`).
    public func tick(now: Int64, flows: [ActiveFlow]? = nil) async throws -> TickReport {
        var tick = CampaignTick(
            store: store, planner: FlowPlanner(policy: policy), renderer: MustacheRenderer(), shopName: shopName,
            currency: try store.reportingCurrency())
        tick.surveyLinks = surveyLinks
        let active: [ActiveFlow]
        if let flows { active = flows } else { active = try await activeFlows() }
        if !active.isEmpty { try await store.prepareCampaigns() }
        try await refreshReplenishmentIfStale(for: active, now: now)
        try await snapshotSegmentsIfStale(for: active, now: now)
        let report = try tick.run(active, now: now)
        for (flow, count) in report.entered {
            Counter(label: "patron_campaign_entered_total", dimensions: [("flow", flow)]).increment(by: count)
        }
        for (flow, count) in report.planned {
            Counter(label: "patron_campaign_planned_total", dimensions: [("flow", flow)]).increment(by: count)
        }
        for (reason, count) in report.decisions {
            Counter(label: "patron_campaign_decisions_total", dimensions: [("reason", reason)]).increment(by: count)
        }
        logger.info(
            "tick",
            metadata: [
                "at": "\(Timestamp.format(now))", "entered": "\(report.entered.values.reduce(0, +))",
                "planned": "\(report.plannedTotal)",
                "decisions":
                    "\(report.decisions.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))",
            ])
        return report
    }

    public func sender(now: @escaping @Sendable () -> Int64 = wallClock) -> OutboxSender<S> {
        // The planner's policy: quiet hours are checked again at send time, by the same rules.
        var sender = OutboxSender(
            store: store, channels: channels, retry: retry, concurrency: concurrency,
            claimTimeoutSeconds: claimTimeoutSeconds, policy: policy)
        let (store, policy, logger) = (store, policy, logger)
        sender.onUnreachable = { message in
            do {
                try Self.dropContactPoint(of: message, store: store, policy: policy, at: now())
            } catch {
                logger.error("an unreachable contact point was not dropped", metadata: ["error": "\(error)"])
            }
        }
        return sender
    }

    /// A contact point the channel says is gone (a push subscription answered 410) is taken
    /// back, as the customer would: the channel's consent becomes `unsubscribed` when it was the
    /// last one. Other channels' addresses (email, phone) are the customer's own and stay.
    static func dropContactPoint(of message: OutboxMessage, store: S, policy: ContactPolicy, at: Int64) throws {
        guard policy.channels[message.channel]?.address == .contactPoint,
            let customer = try store.read({ try $0.customer(message.customerID) })
        else { return }
        let refs = try store.read { try $0.refs(of: message.customerID) }
        guard let ref = customer.primaryRef ?? refs.first else { return }
        let event = IngestEvent(
            id: "gone:\(message.key)", source: ref.source, occurredAt: at,
            kind: .contactPointChanged(
                ContactPointChange(
                    customer: CustomerIdentity(refs: [ExternalRef(source: "", id: ref.id)]), channel: message.channel,
                    address: message.recipient, added: false)))
        try Ingestor(store: store).ingest([event])
    }

    /// Sends rounds until nothing more is due at `now()` or `shouldStop()` says so; a round in
    /// flight always finishes.
    public func drain(
        now: @escaping @Sendable () -> Int64 = wallClock, shouldStop: () async -> Bool = { false }
    ) async throws -> OutboxSender<S>.RoundReport {
        let sender = sender(now: now)
        var total = OutboxSender<S>.RoundReport()
        while !(await shouldStop()) {
            let round = try await sender.round(now: now)
            if round.claimed == 0 { break }
            total.claimed += round.claimed
            total.sent += round.sent
            total.retried += round.retried
            total.failed += round.failed
            total.dead += round.dead
            total.suppressed += round.suppressed
            for (outcome, count) in [
                ("sent", round.sent), ("retried", round.retried), ("failed", round.failed), ("dead", round.dead),
                ("suppressed", round.suppressed),
            ] where count > 0 {
                Counter(label: "patron_outbox_messages_total", dimensions: [("outcome", outcome)]).increment(by: count)
            }
            logger.info(
                "sent",
                metadata: [
                    "claimed": "\(round.claimed)", "sent": "\(round.sent)", "retried": "\(round.retried)",
                    "failed": "\(round.failed)", "dead": "\(round.dead)", "suppressed": "\(round.suppressed)",
                ])
            if round.sent + round.failed + round.dead + round.suppressed == 0 { break }
        }
        return total
    }

    /// Replenishment due days are recomputed when a flow needs them and they are over a day old
    /// (or from a later time than `now`, in a replay).
    func refreshReplenishmentIfStale(for flows: [ActiveFlow], now: Int64) async throws {
        let needed = flows.contains { active in
            active.flow.triggers.contains { if case .replenishmentDue = $0 { return true } else { return false } }
        }
        guard needed else { return }
        let last = try await store.replenishmentRefreshedAt()
        if let last, last <= now, now - last < 86_400 { return }
        let kept = try await store.refreshReplenishment(now: now)
        logger.info("replenishment refreshed", metadata: ["due_rows": "\(kept)", "at": "\(Timestamp.format(now))"])
    }

    /// Saved segments that flows trigger on (`segment_entered`) get a membership snapshot when
    /// theirs is over an hour old: its entries are the firings. A segment's first snapshot
    /// fires nothing (everyone would have "entered").
    func snapshotSegmentsIfStale(for flows: [ActiveFlow], now: Int64) async throws {
        var names: Set<String> = []
        for active in flows {
            for trigger in active.flow.triggers {
                if case .segmentEntered(let name) = trigger { names.insert(name) }
            }
        }
        let digits = CurrencyCode.minorUnitDigits(of: try store.reportingCurrency())
        for name in names.sorted() {
            if let last = try await store.latestMembershipTime(of: name), now - last < 3_600 { continue }
            do {
                let (_, diff, members) = try store.diffSegment(
                    name: name, currencyDigits: digits, now: now, record: true)
                logger.info(
                    "segment snapshot",
                    metadata: [
                        "segment": "\(name)", "members": "\(members)", "entered": "\(diff.entered.count)",
                        "left": "\(diff.left.count)",
                    ])
            } catch {
                logger.error("segment snapshot failed", metadata: ["segment": "\(name)", "error": "\(error)"])
            }
        }
    }

    /// The nightly jobs: a saved RFM snapshot (its segment moves trigger flows), the
    /// replenishment due days, loyalty expiry, birthdays and tiers, the recommendation model, and
    /// raw product views past their retention.
    public func nightly(now: Int64) async throws {
        let currency = try store.reportingCurrency()
        if try store.orderSpan() != nil {
            let run = try RFMRun.compute(
                store: store, asOf: Day(epochSeconds: now), windowDays: nil, configuration: RFMConfiguration(),
                currency: currency)
            let id = try run.save(to: store, takenAt: now)
            logger.notice("rfm snapshot saved", metadata: ["snapshot": "\(id)", "moves": "\(run.moves.count)"])
        }
        let kept = try await store.refreshReplenishment(now: now)
        logger.notice("replenishment refreshed", metadata: ["due_rows": "\(kept)"])
        let expired = try LoyaltyDesk.expire(store, at: now)
        logger.notice(
            "loyalty points expired",
            metadata: [
                "customers": "\(expired.customers)", "awards": "\(expired.entries)", "points": "\(expired.points)",
            ])
        let birthdays = try LoyaltyDesk.awardBirthdays(store, at: now)
        logger.notice("loyalty birthday points awarded", metadata: ["customers": "\(birthdays)"])
        let tiers = try LoyaltyDesk.updateTiers(store, at: now)
        logger.notice(
            "loyalty tiers updated",
            metadata: [
                "customers": "\(tiers.customers)", "upgrades": "\(tiers.upgrades)", "downgrades": "\(tiers.downgrades)",
            ])
        let model = try RecommendationDesk.rebuild(store, at: now)
        logger.notice(
            "recommendation model rebuilt", metadata: ["lines": "\(model.lines)", "customers": "\(model.customers)"])
        let pruned = try ViewTracker.prune(store, at: now, retentionDays: viewRetentionDays)
        logger.notice(
            "product views pruned", metadata: ["views": "\(pruned)", "retention_days": "\(viewRetentionDays)"])
    }

}

/// The wall clock the scheduler and the senders read by default, in epoch seconds.
public let wallClock: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
