import Foundation

/// A campaign automation: what starts it for a customer (``triggers``), who may enter
/// (``audience``), what happens then (``steps``), and when it stops early (``goal``).
///
/// Flows are written in flow files (`PatronFlows` reads them) and compiled by the kernel into a
/// ``FlowProgram`` the ``FlowPlanner`` runs one customer at a time.
public struct Flow: Hashable, Sendable {
    /// A short stable name (`abandoned-cart`): letters, digits and `-`. Idempotency keys, stats
    /// and the CLI use it.
    public var id: String
    /// What people call it.
    public var name: String
    /// Any of these starts the flow for a customer (win-back: no order for 90 days, or a move to
    /// At Risk).
    public var triggers: [FlowTrigger]
    /// Only customers in this segment enter (checked when the trigger fires); `nil`: everyone.
    public var audience: FlowCondition?
    public var steps: [FlowStep]
    public var goal: FlowGoal
    /// A customer who entered the flow less than this long ago does not enter again.
    public var reentryCooldownSeconds: Int64
    /// This share of customers (0–99), chosen by a hash of customer and flow, gets nothing, so
    /// the flow's lift can be measured.
    public var holdoutPercent: Int
    /// An order this long after a message (or after entering, for the holdout) is a conversion.
    public var attributionSeconds: Int64
    /// The attribution window of a flow that names none: 5 days.
    public static let defaultAttributionSeconds: Int64 = 5 * 86_400
    /// The messages the `send` steps name, by name.
    public var templates: [String: FlowTemplate]

    public init(
        id: String, name: String, triggers: [FlowTrigger], audience: FlowCondition? = nil, steps: [FlowStep],
        goal: FlowGoal = .orderPlaced, reentryCooldownSeconds: Int64 = 30 * 86_400, holdoutPercent: Int = 0,
        attributionSeconds: Int64 = Flow.defaultAttributionSeconds, templates: [String: FlowTemplate] = [:]
    ) {
        self.id = id
        self.name = name
        self.triggers = triggers
        self.audience = audience
        self.steps = steps
        self.goal = goal
        self.reentryCooldownSeconds = reentryCooldownSeconds
        self.holdoutPercent = holdoutPercent
        self.attributionSeconds = attributionSeconds
        self.templates = templates
    }
}

/// A segment expression as written in a flow, kept with its text for messages and storage.
public struct FlowCondition: Hashable, Sendable {
    public var source: String
    public var expression: SegmentExpression
    public init(source: String, expression: SegmentExpression) {
        self.source = source
        self.expression = expression
    }
}

/// What starts a flow for a customer. Each firing has a key (``FlowTriggerInstance``), so the
/// same order, cart or birthday never starts the flow twice.
public enum FlowTrigger: Hashable, Sendable {
    /// An order is placed; `firstOnly`: only the customer's first order (welcome series).
    case orderPlaced(firstOnly: Bool)
    /// An open cart worth at least `minValueMinor` has had no activity for `idleSeconds`, and
    /// the customer has ordered nothing since.
    case cartAbandoned(idleSeconds: Int64, minValueMinor: Int64)
    /// A customer record is created (sign-up).
    case customerCreated
    /// The nightly RFM snapshot moved the customer into one of these RFM segments from another
    /// segment (a customer's first scoring is not a move).
    case rfmSegmentEntered([String])
    /// The customer entered the saved segment (as recorded by its membership snapshots).
    case segmentEntered(String)
    /// The customer's last order is now `days` days old.
    case noOrderFor(days: Int)
    /// The customer's birthday, at `minuteOfDay` local time in the customer's time zone
    /// (29 February is celebrated on 28 February in other years).
    case birthday(minuteOfDay: Int)
    /// A SKU the customer bought is due again: its last purchase plus the customer's own median
    /// interval between purchases of it (two or more), else the SKU's median interval over all
    /// customers, less `leadDays`.
    case replenishmentDue(leadDays: Int)
    /// The nightly tier job moved the customer's loyalty tier. `to`: only into one of these
    /// tiers from a tier not among them (or from none); `from`: only out of one of these;
    /// `nil`: any. A change to no tier at all matches `to` never.
    case tierChanged(from: [String]?, to: [String]?)
    /// A customer answered a survey of this kind with a score in `scores` (`nil`: any score),
    /// once per response (a second answer replacing the first does not fire again).
    case feedbackReceived(kind: SurveyKind, scores: ClosedRange<Int>?)
    /// A support ticket of the customer is closed: once per ticket (closed again after a
    /// reopening: not again).
    case ticketClosed
    /// A customer looked at one product `count` times within `withinSeconds` (browse
    /// abandonment): fires at each view that makes exactly `count` views of the product in the
    /// window before it (a third view at once does not fire again; the window slides, so a view
    /// a day later can: the reentry cooldown spaces the series). Anonymous views count from when
    /// their visitor identifies.
    case productViewed(count: Int, withinSeconds: Int64)
    /// Every `everySeconds`, starting at `anchor` (seconds since the epoch): everyone in the
    /// audience enters.
    case schedule(everySeconds: Int64, anchor: Int64)

    /// The name used in flow files and reports.
    public var kind: String {
        switch self {
        case .orderPlaced: "order_placed"
        case .cartAbandoned: "cart_abandoned"
        case .customerCreated: "customer_created"
        case .rfmSegmentEntered: "rfm_segment_entered"
        case .segmentEntered: "segment_entered"
        case .noOrderFor: "no_order_for"
        case .birthday: "birthday"
        case .replenishmentDue: "replenishment_due"
        case .tierChanged: "tier_changed"
        case .feedbackReceived: "feedback_received"
        case .ticketClosed: "ticket_closed"
        case .productViewed: "product_viewed"
        case .schedule: "schedule"
        }
    }

    /// What templates of a flow with this trigger may use besides `customer.*` and `shop.*`.
    public var templateScope: TemplateScope {
        switch self {
        case .orderPlaced: .order
        case .cartAbandoned: .cart
        case .replenishmentDue, .productViewed: .product
        case .feedbackReceived: .feedback
        case .customerCreated, .rfmSegmentEntered, .segmentEntered, .noOrderFor, .birthday, .tierChanged, .ticketClosed,
            .schedule:
            .customer
        }
    }
}

/// One step of a flow.
public indirect enum FlowStep: Hashable, Sendable {
    /// Waits this long before the next step.
    case wait(seconds: Int64)
    /// Goes on with `yes` or `no` by whether the customer is in the segment now; after the
    /// branch, with the step after the condition.
    case condition(FlowCondition, yes: [FlowStep], no: [FlowStep])
    /// Sends the named template on the channel (subject to the contact policy).
    case send(channel: ConsentChannel, template: String)
    /// Sends the survey's template (subject to the contact policy) as a survey message.
    case survey(SurveyStep)
    /// Opens a support ticket for the customer (a person follows up); nothing is sent.
    case ticket(FlowTicket)
    /// Leaves the flow.
    case exit
}

/// What ends a flow early for a customer.
public enum FlowGoal: Hashable, Sendable {
    /// An order placed after the flow was triggered (the default).
    case orderPlaced
    /// Nothing: the customer goes through every step.
    case none
}

/// A ticket a flow opens: its subject and its first note, Mustache templates like a message's.
public struct FlowTicket: Hashable, Sendable {
    public var subject: String
    public var body: String
    public init(subject: String, body: String) {
        self.subject = subject
        self.body = body
    }
}

/// A message of a flow: its channel, an optional subject (email) and the body, both Mustache
/// templates over ``TemplateField``s.
public struct FlowTemplate: Hashable, Sendable {
    public var channel: ConsentChannel
    public var subject: String?
    public var body: String
    public init(channel: ConsentChannel, subject: String? = nil, body: String) {
        self.channel = channel
        self.subject = subject
        self.body = body
    }
}
