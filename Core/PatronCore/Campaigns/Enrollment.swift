import Foundation

/// One firing of a flow's trigger for one customer: the order, cart, birthday or move that
/// starts the flow. Its ``key`` is what makes the firing happen once.
public struct FlowTriggerInstance: Hashable, Sendable {
    public var customerID: CustomerID
    /// Unique per flow and customer: `order:123`, `cart:45@1700000000`, `birthday:2026`.
    public var key: String
    /// When the trigger fired; waits count from here.
    public var at: Int64
    /// The record the flow's messages speak of.
    public var context: EnrollmentContext

    public init(customerID: CustomerID, key: String, at: Int64, context: EnrollmentContext = .init()) {
        self.customerID = customerID
        self.key = key
        self.at = at
        self.context = context
    }
}

/// What a flow run is about besides the customer.
public struct EnrollmentContext: Hashable, Sendable, Codable {
    public var orderID: Int64?
    public var cartID: Int64?
    public var sku: String?
    /// Replenishment: the interval (days) the due day was predicted from.
    public var intervalDays: Int?
    /// Replenishment: when the SKU was last bought.
    public var lastBoughtAt: Int64?

    public init(
        orderID: Int64? = nil, cartID: Int64? = nil, sku: String? = nil, intervalDays: Int? = nil,
        lastBoughtAt: Int64? = nil
    ) {
        self.orderID = orderID
        self.cartID = cartID
        self.sku = sku
        self.intervalDays = intervalDays
        self.lastBoughtAt = lastBoughtAt
    }
}

/// A customer's run through a flow: where they are and when they are due next.
public struct Enrollment: Hashable, Sendable {
    public enum State: Hashable, Sendable {
        /// Runs again at ``Enrollment/wakeAt``.
        case active
        /// Finished, with the reason (`completed`, `exit`, `goal_reached`, `holdout`).
        case ended(String)
    }

    /// The store's id (0 before it is stored).
    public var id: Int64
    public var flowID: String
    public var customerID: CustomerID
    public var triggerKey: String
    public var triggeredAt: Int64
    public var context: EnrollmentContext
    /// In the holdout: gets nothing, counted for lift.
    public var holdout: Bool
    /// The next instruction of the flow's ``FlowProgram``.
    public var pc: Int
    /// When it is due next (the logical time waits count from).
    public var wakeAt: Int64
    public var state: State

    public init(
        id: Int64 = 0, flowID: String, customerID: CustomerID, triggerKey: String, triggeredAt: Int64,
        context: EnrollmentContext = .init(), holdout: Bool = false, pc: Int = 0, wakeAt: Int64, state: State = .active
    ) {
        self.id = id
        self.flowID = flowID
        self.customerID = customerID
        self.triggerKey = triggerKey
        self.triggeredAt = triggeredAt
        self.context = context
        self.holdout = holdout
        self.pc = pc
        self.wakeAt = wakeAt
        self.state = state
    }

    /// The idempotency key of the message sent at instruction `pc`:
    /// flow, step, customer and trigger instance.
    public func messageKey(step pc: Int) -> String { "\(flowID)/\(pc)/\(customerID.rawValue)/\(triggerKey)" }
}

/// Why something was not sent, or not sent now — the record that explains every skip.
public struct CampaignDecision: Hashable, Sendable {
    public var flowID: String
    public var customerID: CustomerID
    /// The trigger instance it concerns.
    public var triggerKey: String
    /// The step, when it is about a message.
    public var step: Int?
    /// `holdout`, `no_consent`, `quiet_hours`, `capped`, `cooldown`, `goal_reached`,
    /// `not_in_audience`, `no_address`, `render_failed`.
    public var reason: String
    public var detail: String
    public var at: Int64

    public init(
        flowID: String, customerID: CustomerID, triggerKey: String, step: Int?, reason: String, detail: String,
        at: Int64
    ) {
        self.flowID = flowID
        self.customerID = customerID
        self.triggerKey = triggerKey
        self.step = step
        self.reason = reason
        self.detail = detail
        self.at = at
    }
}
