import Foundation

/// One message of the outbox, as reports show it.
public struct OutboxRow: Hashable, Sendable {
    public var key: String
    public var flowID: String
    public var step: Int
    public var customerID: CustomerID
    public var channel: String
    public var recipient: String
    public var subject: String?
    public var body: String
    public var status: String
    public var attempts: Int
    public var plannedAt: Int64
    public var sentAt: Int64?
    public var providerID: String?
    public var lastError: String?

    public init(
        key: String, flowID: String, step: Int, customerID: CustomerID, channel: String, recipient: String,
        subject: String?, body: String, status: String, attempts: Int, plannedAt: Int64, sentAt: Int64?,
        providerID: String?, lastError: String?
    ) {
        self.key = key
        self.flowID = flowID
        self.step = step
        self.customerID = customerID
        self.channel = channel
        self.recipient = recipient
        self.subject = subject
        self.body = body
        self.status = status
        self.attempts = attempts
        self.plannedAt = plannedAt
        self.sentAt = sentAt
        self.providerID = providerID
        self.lastError = lastError
    }
}

/// What the campaign reports read: a flow's figures, the outbox and the decisions.
///
/// An implementer keeps: rows and decisions come oldest first (ties by the order they were
/// written); the time bounds are inclusive; `nil` filters select everything; a flow's figures
/// count runs of customers since erased out of the holdout comparison, and attribute an order
/// to a message when it is placed (not cancelled) within `attributionSeconds` after the send.
public protocol CampaignReports: Sendable {
    /// A flow's messages per status, decisions per reason, holdout comparison and attributed
    /// orders.
    func flowStats(_ id: String, attributionSeconds: Int64) async throws -> FlowStats
    /// The outbox's messages planned in `[from, to]`, optionally of one flow.
    func outboxRows(flowID: String?, from: Int64, to: Int64) async throws -> [OutboxRow]
    /// Decisions recorded in `[from, to]`, optionally of one flow or one customer.
    func campaignDecisions(flowID: String?, customerID: CustomerID?, from: Int64, to: Int64) async throws
        -> [CampaignDecision]
}

/// The scheduler's upkeep around a tick: what is kept up to date between ticks, and when it
/// last was.
///
/// An implementer keeps: ``refreshReplenishment(now:keepSeconds:)`` replaces every due row by
/// ``Replenishment/due(sku:purchases:dueAfter:)`` over the orders (not cancelled) placed by
/// `now`, and records `now` as the time of the refresh; ``prepareCampaigns()`` may be called on
/// every tick and is cheap once done.
public protocol CampaignUpkeep: Sendable {
    /// Builds what event triggers read quickly (indexes), if missing.
    func prepareCampaigns() async throws
    /// When the saved segment's newest membership snapshot was taken.
    func latestMembershipTime(of segment: String) async throws -> Int64?
    /// When the newest RFM snapshot was taken.
    func latestRFMSnapshotTime() async throws -> Int64?
    /// Recomputes replenishment due days, keeping those due after `now − keepSeconds`; returns
    /// the rows kept.
    @discardableResult
    func refreshReplenishment(now: Int64, keepSeconds: Int64) async throws -> Int
    /// The `now` of the last refresh.
    func replenishmentRefreshedAt() async throws -> Int64?
}

extension CampaignUpkeep {
    /// Recomputes replenishment due days, keeping two days of those already due.
    @discardableResult
    public func refreshReplenishment(now: Int64) async throws -> Int {
        try await refreshReplenishment(now: now, keepSeconds: 2 * 86_400)
    }
}
