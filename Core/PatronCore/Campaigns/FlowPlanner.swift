import Foundation

/// The planner: a pure function of (now, flow, a customer's run, the customer, history) to the
/// messages to send, the run's next state, and a decision for everything not sent. It touches
/// no store and no clock, so a tick, a re-run of the same tick and a simulation decide alike.
public struct FlowPlanner: Sendable {
    public var policy: ContactPolicy

    public init(policy: ContactPolicy = ContactPolicy()) {
        self.policy = policy
    }

    /// What happened to one trigger firing.
    public struct Entry: Hashable, Sendable {
        /// The run to store, if the customer entered (in the holdout it is ended at once).
        public var enrollment: Enrollment?
        public var decision: CampaignDecision?
    }

    /// Whether the firing starts a run: the audience, the re-entry cooldown, then the holdout.
    public func enter(
        flow: Flow, instance: FlowTriggerInstance, inAudience: Bool, lastEnteredAt: Int64?, now: Int64
    ) -> Entry {
        func decision(_ reason: String, _ detail: String) -> CampaignDecision {
            CampaignDecision(
                flowID: flow.id, customerID: instance.customerID, triggerKey: instance.key, step: nil, reason: reason,
                detail: detail, at: now)
        }
        guard inAudience else {
            return Entry(
                enrollment: nil, decision: decision("not_in_audience", "not in \(flow.audience?.source ?? "")"))
        }
        if let last = lastEnteredAt, instance.at - last < flow.reentryCooldownSeconds {
            let until = last + flow.reentryCooldownSeconds
            return Entry(
                enrollment: nil,
                decision: decision(
                    "cooldown", "entered \(Timestamp.format(last)); no re-entry until \(Timestamp.format(until))"))
        }
        var run = Enrollment(
            flowID: flow.id, customerID: instance.customerID, triggerKey: instance.key, triggeredAt: instance.at,
            context: instance.context, wakeAt: instance.at)
        if ContactPolicy.inHoldout(customer: instance.customerID, flow: flow.id, percent: flow.holdoutPercent) {
            run.holdout = true
            run.state = .ended("holdout")
            return Entry(enrollment: run, decision: decision("holdout", "in the \(flow.holdoutPercent)% holdout"))
        }
        return Entry(enrollment: run, decision: nil)
    }

    /// What the planner knows of the customer when a run is due.
    public struct Subject: Sendable {
        public var customer: CustomerRecord
        /// The first counting order placed after the trigger (up to now), for the goal.
        public var orderAfterTrigger: Int64?
        /// Messages already sent or planned to the customer (any flow), for caps.
        public var history: [ContactPolicy.Sent]
        /// Whether the customer is in a condition's segment now.
        public var holds: @Sendable (FlowCondition) -> Bool

        public init(
            customer: CustomerRecord, orderAfterTrigger: Int64?, history: [ContactPolicy.Sent],
            holds: @escaping @Sendable (FlowCondition) -> Bool
        ) {
            self.customer = customer
            self.orderAfterTrigger = orderAfterTrigger
            self.history = history
            self.holds = holds
        }
    }

    /// A message the planner decided to send.
    public struct PlannedMessage: Hashable, Sendable {
        /// Flow, step, customer, trigger instance (``Enrollment/messageKey(step:)``).
        public var key: String
        public var flowID: String
        public var enrollmentID: Int64
        public var step: Int
        public var customerID: CustomerID
        public var channel: ConsentChannel
        public var template: String
        public var recipient: String
        public var dueAt: Int64
        /// The survey the message asks, when a survey step sends it.
        public var survey: SurveyStep?
    }

    /// A ticket the planner decided to open.
    public struct PlannedTicket: Hashable, Sendable {
        /// Flow, step, customer, trigger instance: the ticket is opened once per key.
        public var key: String
        public var step: Int
        public var customerID: CustomerID
        public var ticket: FlowTicket
    }

    /// The outcome of running one due enrollment.
    public struct Advance: Sendable {
        public var enrollment: Enrollment
        public var messages: [PlannedMessage]
        public var decisions: [CampaignDecision]
        public var tickets: [PlannedTicket] = []
    }

    /// Runs the enrollment from its place until it waits, is deferred by quiet hours, or ends.
    /// `subject.history` should hold what was sent or planned before; messages planned here are
    /// counted as they are planned.
    public func advance(flow: Flow, program: FlowProgram, enrollment: Enrollment, subject: Subject, now: Int64)
        -> Advance
    {
        var run = enrollment
        var messages: [PlannedMessage] = []
        var decisions: [CampaignDecision] = []
        var tickets: [PlannedTicket] = []
        var history = subject.history
        func decide(_ reason: String, _ detail: String, step: Int?) {
            decisions.append(
                CampaignDecision(
                    flowID: flow.id, customerID: run.customerID, triggerKey: run.triggerKey, step: step, reason: reason,
                    detail: detail, at: now))
        }
        guard run.state == .active, run.wakeAt <= now else {
            return Advance(enrollment: run, messages: [], decisions: [])
        }
        if flow.goal == .orderPlaced, let order = subject.orderAfterTrigger {
            run.state = .ended("goal_reached")
            decide("goal_reached", "ordered \(Timestamp.format(order))", step: run.pc)
            return Advance(enrollment: run, messages: [], decisions: decisions)
        }
        // Jumps go forward only, so the loop ends within the program's length.
        while run.pc < program.instructions.count {
            switch program.instructions[run.pc] {
            case .exit:
                run.state = .ended("exit")
                return Advance(enrollment: run, messages: messages, decisions: decisions, tickets: tickets)
            case .jump(let target):
                run.pc = target
            case .ticket(let ticket):
                if subject.customer.erasedAt == nil {
                    tickets.append(
                        PlannedTicket(
                            key: run.messageKey(step: run.pc), step: run.pc, customerID: run.customerID,
                            ticket: ticket))
                } else {
                    decide("erased", "the customer is erased: no ticket", step: run.pc)
                }
                run.pc += 1
            case .branch(let condition, let elseAt):
                run.pc = subject.holds(condition) ? run.pc + 1 : elseAt
            case .wait(let seconds):
                run.pc += 1
                run.wakeAt += seconds
                if run.wakeAt > now {
                    return Advance(enrollment: run, messages: messages, decisions: decisions, tickets: tickets)
                }
            case .send, .survey:
                // Both kinds have a message, by construction.
                let (channel, template) = program.instructions[run.pc].message ?? (.email, "")
                let survey = program.survey(at: run.pc)
                let address = policy.channels[channel]?.address
                let recipient: String? =
                    switch address {
                    case .emailAddress: subject.customer.email
                    case .phoneNumber: subject.customer.phone
                    case .contactPoint: subject.customer.contactPoint(for: channel)?.address
                    case nil: nil
                    }
                guard let address else {
                    decide("unknown_channel", "no connector registers channel '\(channel)'", step: run.pc)
                    run.pc += 1
                    continue
                }
                guard let recipient, !recipient.isEmpty, subject.customer.erasedAt == nil else {
                    let what =
                        switch address {
                        case .emailAddress: "email address"
                        case .phoneNumber: "phone number"
                        case .contactPoint: "\(channel) contact point"
                        }
                    decide("no_address", "no \(what)", step: run.pc)
                    run.pc += 1
                    continue
                }
                switch policy.decide(
                    customer: subject.customer, channel: channel, flow: flow.id, now: now, history: history)
                {
                case .send:
                    messages.append(
                        PlannedMessage(
                            key: run.messageKey(step: run.pc), flowID: flow.id, enrollmentID: run.id, step: run.pc,
                            customerID: run.customerID, channel: channel, template: template, recipient: recipient,
                            dueAt: now, survey: survey))
                    history.append(ContactPolicy.Sent(channel: channel, flow: flow.id, at: now))
                    run.pc += 1
                case .deferred(let until):
                    decide("quiet_hours", "deferred to \(Timestamp.format(until))", step: run.pc)
                    run.wakeAt = until
                    return Advance(enrollment: run, messages: messages, decisions: decisions, tickets: tickets)
                case .suppressed(let reason):
                    decide(reason.code, reason.description, step: run.pc)
                    run.pc += 1
                }
            }
        }
        run.state = .ended("completed")
        return Advance(enrollment: run, messages: messages, decisions: decisions, tickets: tickets)
    }
}
