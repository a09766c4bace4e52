import Foundation

/// What the campaign engine needs from a store: trigger firings and runs, with the outbox and the
/// scheduler's lease it composes. `PatronSQLite` implements it; every write is one transaction
/// and idempotent (runs are unique per flow, customer and trigger key; messages per key;
/// decisions per flow, customer, trigger key, step and reason).
public protocol CampaignStore: OutboxStore, LeaseStore {
    /// Firings of `trigger` whose time is in `(from, through]` that the flow has not seen (no run
    /// and no entry decision with their key). The store answers the event
    /// triggers; ``FlowTrigger/birthday(minuteOfDay:)`` and ``FlowTrigger/schedule(everySeconds:anchor:)``
    /// are worked out by the engine from ``birthdayCandidates(monthDays:)`` and ``members(of:among:now:)``.
    func triggerInstances(of trigger: FlowTrigger, flowID: String, from: Int64, through: Int64) throws
        -> [FlowTriggerInstance]
    /// Customers whose birthday (`YYYY-MM-DD` or `--MM-DD`) falls on one of these `MM-DD`s.
    func birthdayCandidates(monthDays: [String]) throws -> [(CustomerID, birthday: String, timeZone: String?)]
    /// The customers in the condition's segment now, among `among` (`nil`: everyone).
    func members(of condition: FlowCondition, among: [CustomerID]?, now: Int64) throws -> Set<CustomerID>
    /// Which of these firings the flow has seen already (a run or an entry decision), and when
    /// each customer last entered the flow.
    func entryState(flowID: String, instances: [FlowTriggerInstance]) throws -> (
        known: Set<String>, lastEntered: [CustomerID: Int64]
    )
    /// Stores new runs and entry decisions, in one transaction.
    func saveEntries(_ enrollments: [Enrollment], decisions: [CampaignDecision]) throws
    /// Active runs of the flow due by `now`, oldest first.
    func dueEnrollments(flowID: String, now: Int64, limit: Int) throws -> [Enrollment]
    /// For due runs: the customers, each run's first counting order after its trigger (up to
    /// `now`), and each customer's messages since `since` (planned, sending, sent, delivered).
    func planningFacts(for enrollments: [Enrollment], now: Int64, since: Int64) throws -> PlanningFacts
    /// The records the flow's templates speak of, per run id.
    func templateRecords(for enrollments: [Enrollment]) throws -> [Int64: TemplateRecords]
    /// Writes a tick's outcome for a batch of runs in one transaction: the runs' new state, the
    /// messages (a key already in the outbox is left alone) and the decisions.
    func applyPlan(enrollments: [Enrollment], messages: [OutboxMessage], decisions: [CampaignDecision]) throws
}

/// What the planner needs about due runs, read in one go.
public struct PlanningFacts: Sendable {
    public var customers: [CustomerID: CustomerRecord]
    /// Run id → the first counting order after the trigger.
    public var orderAfterTrigger: [Int64: Int64]
    public var history: [CustomerID: [ContactPolicy.Sent]]
    public init(
        customers: [CustomerID: CustomerRecord], orderAfterTrigger: [Int64: Int64],
        history: [CustomerID: [ContactPolicy.Sent]]
    ) {
        self.customers = customers
        self.orderAfterTrigger = orderAfterTrigger
        self.history = history
    }
}

/// The cart, order or product a run's messages speak of.
public struct TemplateRecords: Sendable {
    public var cart: CartRecord?
    public var order: OrderRecord?
    /// The name of the run's SKU on its last order.
    public var productName: String?
    /// The customer's segment in the newest RFM snapshot.
    public var rfmSegment: String?
    /// The customer's points at the run's time (``LoyaltyDesk/templateStatement(in:customer:program:at:)``).
    public var loyalty: LoyaltyStatement?
    /// The catalogue's product for the run's SKU (filled by the tick from the catalogue).
    public var product: ProductRecord?
    /// Suggestions for the customer (filled by the tick when a template lists them).
    public var recommendations: [Recommendation] = []
    /// The signed token product links carry (`?patron=`), when the scheduler signs links.
    public var visitorToken: String?
    public init(
        cart: CartRecord? = nil, order: OrderRecord? = nil, productName: String? = nil, rfmSegment: String? = nil
    ) {
        self.cart = cart
        self.order = order
        self.productName = productName
        self.rfmSegment = rfmSegment
    }
}
