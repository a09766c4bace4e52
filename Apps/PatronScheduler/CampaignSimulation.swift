import Foundation
import Logging
import PatronChannels
import PatronCore

/// `patron campaigns simulate`: replays `[from, to]` with a virtual clock on a copy of the
/// store, ticking every `step` and "sending" through channels that accept everything, so caps,
/// cooldowns and goals play out as in a real run. The real store is not touched and nothing
/// is sent. Segment conditions see customers as they are now (the store keeps no history of
/// profiles); orders, carts and goals are seen as of each tick.
public struct CampaignSimulation: Sendable {
    public var from: Int64
    public var to: Int64
    public var step: Int64
    public var policy: ContactPolicy
    public var shopName: String
    /// Whether to save an RFM snapshot at each virtual 02:00 UTC, as the scheduler's nightly job
    /// does (its segment moves trigger flows).
    public var nightlyRFM: Bool
    /// Signs survey links, as the scheduler would (without: survey steps send nothing, as live).
    public var surveyLinks: (any SurveyLinking)?

    public init(
        from: Int64, to: Int64, step: Int64, policy: ContactPolicy = ContactPolicy(), shopName: String,
        nightlyRFM: Bool = true
    ) {
        self.from = from
        self.to = to
        self.step = step
        self.policy = policy
        self.shopName = shopName
        self.nightlyRFM = nightlyRFM
    }

    /// What the replay would have done.
    public struct Report: Sendable {
        public var messages: [OutboxRow]
        public var decisions: [CampaignDecision]
        public var ticks: Int
    }

    /// Runs the replay over a copy of `store`; `flows` (id, file text, path) are added to the
    /// copy and, with the copy's active flows, active from `from`.
    public func run(
        store: some PatronStore, flows: [(id: String, name: String, source: String, path: String?)]
    ) async throws -> Report {
        let copy = try await store.scratchCopy()
        do {
            let report = try await replay(on: copy, flows: flows)
            try await copy.discardScratchCopy()
            return report
        } catch {
            try? await copy.discardScratchCopy()
            throw error
        }
    }

    private func replay<S: PatronStore>(
        on copy: S, flows: [(id: String, name: String, source: String, path: String?)]
    ) async throws -> Report {
        for flow in flows {
            try await copy.saveFlow(id: flow.id, name: flow.name, source: flow.source, path: flow.path, at: from)
        }
        try await copy.activateForReplay(flows.map(\.id), at: from)
        // Every linked channel "sends" by accepting.
        let channels: [ConsentChannel: any ChannelConnector] = Dictionary(
            uniqueKeysWithValues: ChannelCatalog.linked.map { ($0.channel, SimulatedChannel()) })
        var runtime = CampaignRuntime(
            store: copy, channels: channels, policy: policy, shopName: shopName,
            logger: Logger(label: "patron.simulation"))
        runtime.surveyLinks = surveyLinks
        let active = try await runtime.activeFlows()
        var ticks = 0
        var now = from + step
        while now <= to {
            let nightly = Day(epochSeconds: now).epochSeconds + 2 * 3_600
            if nightlyRFM, now - step < nightly, now >= nightly { try await runtime.nightly(now: now) }
            _ = try await runtime.tick(now: now, flows: active)
            let at = now
            _ = try await runtime.drain(now: { at })
            ticks += 1
            now += step
        }
        return Report(
            messages: try await copy.outboxRows(flowID: nil, from: from, to: to),
            decisions: try await copy.campaignDecisions(flowID: nil, customerID: nil, from: from, to: to),
            ticks: ticks)
    }
}

/// A channel that accepts every message at once and sends nothing (simulations).
public struct SimulatedChannel: ChannelConnector {
    /// Never registered: a simulation routes every channel's messages here.
    public static let descriptor = ChannelDescriptor(
        channel: "simulated", summary: "simulated sending", address: .emailAddress, consent: .optOut, hasSubject: false)
    public init() {}
    public func send(_ message: OutboundMessage) async throws(ChannelError) -> DeliveryReceipt {
        DeliveryReceipt(providerMessageID: "sim-" + message.idempotencyKey, status: .sent, acceptedAt: 0)
    }
}
