import Foundation

/// The campaign engine's reads and writes in memory: the same firings, runs, decisions and
/// outbox rows as the SQLite store, worked out by scanning (the store is for tests and small
/// trials). Keys are the SQLite store's: `order:ID`, `cart:ID@UPDATED`, `created`, `rfm:N`,
/// `segment:N`, `inactive:LAST`, `replenish:SKU@LAST`, `tier:N`.
extension InMemoryStore: CampaignStore {
    public func triggerInstances(of trigger: FlowTrigger, flowID: String, from: Int64, through: Int64) throws
        -> [FlowTriggerInstance]
    {
        try read { t in
            let state = t.state
            let seen = Self.seenKeys(state, flowID: flowID)
            func unseen(_ customer: CustomerID, _ key: String) -> Bool { !seen.contains("\(customer.rawValue)/\(key)") }
            let window = { (at: Int64) in at > from && at <= through }
            let orders = state.orders.values.filter { $0.status.counts }.sorted {
                ($0.placedAt, $0.id) < ($1.placedAt, $1.id)
            }
            var out: [FlowTriggerInstance] = []
            switch trigger {
            case .orderPlaced(let firstOnly):
                var firstOf: [CustomerID: OrderID] = [:]
                for order in orders where firstOf[order.customerID] == nil { firstOf[order.customerID] = order.id }
                for order in orders where window(order.placedAt) {
                    if firstOnly, firstOf[order.customerID] != order.id { continue }
                    let key = "order:\(order.id.rawValue)"
                    guard unseen(order.customerID, key) else { continue }
                    out.append(
                        FlowTriggerInstance(
                            customerID: order.customerID, key: key, at: order.placedAt,
                            context: EnrollmentContext(orderID: order.id.rawValue)))
                }
            case .cartAbandoned(let idle, let minValue):
                for cart in state.carts.values.sorted(by: { $0.id < $1.id })
                where cart.status == .open && window(cart.updatedAt + idle) && cart.valueMinor >= minValue {
                    let ordered = orders.contains { $0.customerID == cart.customerID && $0.placedAt >= cart.updatedAt }
                    let key = "cart:\(cart.id.rawValue)@\(cart.updatedAt)"
                    guard !ordered, unseen(cart.customerID, key) else { continue }
                    out.append(
                        FlowTriggerInstance(
                            customerID: cart.customerID, key: key, at: cart.updatedAt + idle,
                            context: EnrollmentContext(cartID: cart.id.rawValue)))
                }
            case .customerCreated:
                for customer in state.customers.values.sorted(by: { $0.id < $1.id })
                where window(customer.createdAt) && customer.erasedAt == nil && unseen(customer.id, "created") {
                    out.append(FlowTriggerInstance(customerID: customer.id, key: "created", at: customer.createdAt))
                }
            case .rfmSegmentEntered(let segments):
                for (index, move) in state.moves.enumerated() where window(state.moveTimes[index]) {
                    guard let to = move.to, segments.contains(to), let from = move.from, !segments.contains(from)
                    else { continue }
                    let key = "rfm:\(index + 1)"
                    guard unseen(move.customerID, key) else { continue }
                    out.append(FlowTriggerInstance(customerID: move.customerID, key: key, at: state.moveTimes[index]))
                }
            case .segmentEntered(let name):
                let firstSnapshot = state.memberships[name]?.map(\.takenAt).min()
                for (index, change) in state.membershipChanges.enumerated()
                where change.segment == name && change.entered && window(change.at) {
                    guard let firstSnapshot, change.at > firstSnapshot else { continue }
                    let key = "segment:\(index + 1)"
                    guard unseen(change.customer, key) else { continue }
                    out.append(FlowTriggerInstance(customerID: change.customer, key: key, at: change.at))
                }
            case .noOrderFor(let days):
                let span = Int64(days) * 86_400
                for customer in state.customers.values.sorted(by: { $0.id < $1.id }) where customer.erasedAt == nil {
                    guard let last = customer.aggregates.lastOrderAt, window(last + span) else { continue }
                    let key = "inactive:\(last)"
                    guard unseen(customer.id, key) else { continue }
                    out.append(FlowTriggerInstance(customerID: customer.id, key: key, at: last + span))
                }
            case .replenishmentDue(let leadDays):
                let lead = Int64(leadDays) * 86_400
                for due in state.replenishment where window(due.dueAt - lead) {
                    let key = "replenish:\(due.sku)@\(due.lastBoughtAt)"
                    guard unseen(due.customerID, key) else { continue }
                    out.append(
                        FlowTriggerInstance(
                            customerID: due.customerID, key: key, at: due.dueAt - lead,
                            context: EnrollmentContext(
                                sku: due.sku, intervalDays: due.intervalDays, lastBoughtAt: due.lastBoughtAt)))
                }
            case .tierChanged:
                for (index, change) in state.tierChanges.enumerated() where window(change.at) {
                    guard trigger.matches(change) else { continue }
                    let key = "tier:\(index + 1)"
                    guard unseen(change.customerID, key) else { continue }
                    out.append(FlowTriggerInstance(customerID: change.customerID, key: key, at: change.at))
                }
            case .feedbackReceived:
                for response in state.feedback.values.sorted(by: Transaction.answerOrder)
                where window(response.answeredAt) {
                    guard trigger.matches(response) else { continue }
                    let key = "feedback:\(response.key)"
                    guard unseen(response.customerID, key) else { continue }
                    out.append(FlowTriggerInstance(customerID: response.customerID, key: key, at: response.answeredAt))
                }
            case .ticketClosed:
                for ticket in state.tickets.values.sorted(by: {
                    ($0.resolvedAt ?? 0, $0.id) < ($1.resolvedAt ?? 0, $1.id)
                })
                where ticket.status == .closed {
                    guard let resolved = ticket.resolvedAt, window(resolved) else { continue }
                    let key = "ticket:\(ticket.id.rawValue)"
                    guard unseen(ticket.customerID, key) else { continue }
                    out.append(FlowTriggerInstance(customerID: ticket.customerID, key: key, at: resolved))
                }
            case .productViewed(let count, let within):
                let views = state.views.enumerated().filter { $0.element.customerID != nil }
                for (index, view) in views where window(view.at) {
                    let counted = views.filter { other in
                        other.element.customerID == view.customerID && other.element.sku == view.sku
                            && other.element.at > view.at - within
                            && (other.element.at < view.at || (other.element.at == view.at && other.offset <= index))
                    }.count
                    guard counted == count else { continue }
                    let key = "viewed:\(view.sku)@\(view.at)"
                    guard unseen(view.customerID!, key) else { continue }
                    out.append(
                        FlowTriggerInstance(
                            customerID: view.customerID!, key: key, at: view.at,
                            context: EnrollmentContext(sku: view.sku)))
                }
                out.sort { $0.at < $1.at }
            case .birthday, .schedule:
                break
            }
            return out
        }
    }

    /// `customer/key` of the flow's runs and entry decisions.
    static func seenKeys(_ state: State, flowID: String) -> Set<String> {
        var seen: Set<String> = []
        for run in state.runs.values where run.flowID == flowID {
            seen.insert("\(run.customerID.rawValue)/\(run.triggerKey)")
        }
        for decision in state.decisions where decision.flowID == flowID && decision.step == nil {
            seen.insert("\(decision.customerID.rawValue)/\(decision.triggerKey)")
        }
        return seen
    }

    public func birthdayCandidates(monthDays: [String]) throws -> [(CustomerID, birthday: String, timeZone: String?)] {
        let wanted = Set(monthDays)
        return allCustomers().compactMap { customer in
            guard customer.erasedAt == nil, let birthday = customer.birthday,
                wanted.contains(String(birthday.suffix(5)))
            else { return nil }
            return (customer.id, birthday, customer.timeZone)
        }
    }

    public func members(of condition: FlowCondition, among: [CustomerID]?, now: Int64) throws -> Set<CustomerID> {
        if let among, among.isEmpty { return [] }
        let all = Set(try members(condition.expression, now: now))
        return among.map { all.intersection($0) } ?? all
    }

    public func entryState(flowID: String, instances: [FlowTriggerInstance]) throws -> (
        known: Set<String>, lastEntered: [CustomerID: Int64]
    ) {
        try read { t in
            let customers = Set(instances.map(\.customerID))
            var known: Set<String> = []
            var last: [CustomerID: Int64] = [:]
            for run in t.state.runs.values where run.flowID == flowID && customers.contains(run.customerID) {
                known.insert("\(run.customerID.rawValue)/\(run.triggerKey)")
                last[run.customerID] = max(last[run.customerID] ?? .min, run.triggeredAt)
            }
            for decision in t.state.decisions
            where decision.flowID == flowID && decision.step == nil && customers.contains(decision.customerID) {
                known.insert("\(decision.customerID.rawValue)/\(decision.triggerKey)")
            }
            return (known, last)
        }
    }

    public func saveEntries(_ enrollments: [Enrollment], decisions: [CampaignDecision]) throws {
        try write { t in
            Self.insert(enrollments, t)
            Self.insert(decisions, t)
        }
    }

    static func insert(_ runs: [Enrollment], _ t: Transaction) {
        for run in runs {
            let key = "\(run.flowID)/\(run.customerID.rawValue)/\(run.triggerKey)"
            guard t.state.runKeys.insert(key).inserted else { continue }
            var stored = run
            stored.id = t.newID("flow_runs")
            t.state.runs[stored.id] = stored
        }
    }

    static func insert(_ decisions: [CampaignDecision], _ t: Transaction) {
        for decision in decisions {
            let key =
                "\(decision.flowID)/\(decision.customerID.rawValue)/\(decision.triggerKey)/\(decision.step ?? -1)/\(decision.reason)"
            guard t.state.decisionKeys.insert(key).inserted else { continue }
            t.state.decisions.append(decision)
        }
    }

    public func dueEnrollments(flowID: String, now: Int64, limit: Int) throws -> [Enrollment] {
        try read { t in
            Array(
                t.state.runs.values.filter { $0.flowID == flowID && $0.state == .active && $0.wakeAt <= now }
                    .sorted { ($0.wakeAt, $0.id) < ($1.wakeAt, $1.id) }.prefix(max(0, limit)))
        }
    }

    public func planningFacts(for enrollments: [Enrollment], now: Int64, since: Int64) throws -> PlanningFacts {
        try read { t in
            var customers: [CustomerID: CustomerRecord] = [:]
            for id in Set(enrollments.map(\.customerID)) { customers[id] = t.state.customers[id] }
            var after: [Int64: Int64] = [:]
            for run in enrollments {
                after[run.id] =
                    t.state.orders.values.filter {
                        $0.customerID == run.customerID && $0.status.counts && $0.placedAt > run.triggeredAt
                            && $0.placedAt <= now
                    }.map(\.placedAt).min()
            }
            var history: [CustomerID: [ContactPolicy.Sent]] = [:]
            let counted: Set<OutboxMessage.Status> = [.planned, .sending, .sent, .delivered]
            for entry in t.state.outbox.values.sorted(by: { $0.message.id < $1.message.id })
            where customers[entry.message.customerID] != nil && entry.message.plannedAt >= since
                && counted.contains(entry.message.status)
            {
                history[entry.message.customerID, default: []].append(
                    ContactPolicy.Sent(
                        channel: entry.message.channel, flow: entry.message.flowID,
                        at: entry.sentAt ?? entry.message.plannedAt))
            }
            return PlanningFacts(customers: customers, orderAfterTrigger: after, history: history)
        }
    }

    public func templateRecords(for enrollments: [Enrollment]) throws -> [Int64: TemplateRecords] {
        try read { t in
            let segments = Dictionary(
                (t.state.snapshots.last?.rows ?? []).map { ($0.customerID, $0.segment) }, uniquingKeysWith: { $1 })
            var out: [Int64: TemplateRecords] = [:]
            let program = try t.loyaltyRules()?.program
            for run in enrollments {
                var records = TemplateRecords()
                records.rfmSegment = segments[run.customerID]
                records.loyalty = try LoyaltyDesk.templateStatement(
                    in: t, customer: run.customerID, program: program, at: run.wakeAt)
                if let orderID = run.context.orderID {
                    records.order = t.state.orders[OrderID(orderID)].flatMap {
                        $0.customerID == run.customerID ? $0 : nil
                    }
                }
                if let cartID = run.context.cartID {
                    records.cart = t.state.carts[CartID(cartID)].flatMap { $0.customerID == run.customerID ? $0 : nil }
                }
                if let sku = run.context.sku {
                    records.productName =
                        t.state.orders.values.filter { $0.customerID == run.customerID }
                        .sorted { $0.placedAt > $1.placedAt }
                        .lazy.compactMap { $0.lines.first { $0.sku == sku && $0.name != nil }?.name }.first
                }
                out[run.id] = records
            }
            return out
        }
    }

    public func applyPlan(enrollments: [Enrollment], messages: [OutboxMessage], decisions: [CampaignDecision]) throws {
        try write { t in
            for run in enrollments where t.state.runs[run.id] != nil {
                t.state.runs[run.id]?.pc = run.pc
                t.state.runs[run.id]?.wakeAt = run.wakeAt
                t.state.runs[run.id]?.state = run.state
            }
            for message in messages where t.state.outbox[message.key] == nil {
                var stored = message
                stored.id = t.newID("outbox")
                stored.status = .planned
                stored.attempts = 0
                t.state.outbox[message.key] = OutboxEntry(message: stored)
            }
            Self.insert(decisions, t)
        }
    }
}

extension InMemoryStore: CampaignReports {
    public func flowStats(_ id: String, attributionSeconds: Int64) throws -> FlowStats {
        try read { t in
            let state = t.state
            var messages: [OutboxMessage.Status: Int] = [:]
            for entry in state.outbox.values where entry.message.flowID == id {
                messages[entry.message.status, default: 0] += 1
            }
            var decisions: [String: Int] = [:]
            for decision in state.decisions where decision.flowID == id { decisions[decision.reason, default: 0] += 1 }
            let counting = state.orders.values.filter { $0.status.counts }
            func converts(_ customer: CustomerID, after: Int64) -> Bool {
                counting.contains {
                    $0.customerID == customer && $0.placedAt > after && $0.placedAt <= after + attributionSeconds
                }
            }
            var groups: [Bool: (runs: Int, converted: Int)] = [:]
            for run in state.runs.values where run.flowID == id && run.state != .ended("customer_gone") {
                var group = groups[run.holdout] ?? (0, 0)
                group.runs += 1
                if converts(run.customerID, after: run.triggeredAt) { group.converted += 1 }
                groups[run.holdout] = group
            }
            var attributed: [OrderID: Int64] = [:]
            for entry in state.outbox.values
            where entry.message.flowID == id && [.sent, .delivered].contains(entry.message.status) {
                guard let sentAt = entry.sentAt else { continue }
                for order in counting
                where order.customerID == entry.message.customerID && order.placedAt > sentAt
                    && order.placedAt <= sentAt + attributionSeconds
                {
                    attributed[order.id] = order.netMinor
                }
            }
            return FlowStats(
                flowID: id, messages: messages, decisions: decisions, treated: groups[false]?.runs ?? 0,
                holdout: groups[true]?.runs ?? 0, treatedConverted: groups[false]?.converted ?? 0,
                holdoutConverted: groups[true]?.converted ?? 0, attributedOrders: attributed.count,
                attributedRevenueMinor: attributed.values.reduce(0, +))
        }
    }

    public func outboxRows(flowID: String?, from: Int64, to: Int64) throws -> [OutboxRow] {
        try read { t in
            t.state.outbox.values.filter {
                $0.message.plannedAt >= from && $0.message.plannedAt <= to
                    && (flowID == nil || $0.message.flowID == flowID)
            }
            .sorted { ($0.message.plannedAt, $0.message.id) < ($1.message.plannedAt, $1.message.id) }
            .map { entry in
                let m = entry.message
                return OutboxRow(
                    key: m.key, flowID: m.flowID, step: m.step, customerID: m.customerID, channel: m.channel.rawValue,
                    recipient: m.recipient, subject: m.subject, body: m.body, status: m.status.rawValue,
                    attempts: m.attempts, plannedAt: m.plannedAt, sentAt: entry.sentAt, providerID: entry.providerID,
                    lastError: m.lastError)
            }
        }
    }

    public func campaignDecisions(flowID: String?, customerID: CustomerID?, from: Int64, to: Int64) throws
        -> [CampaignDecision]
    {
        try read { t in
            t.state.decisions.enumerated().filter { _, d in
                d.at >= from && d.at <= to && (flowID == nil || d.flowID == flowID)
                    && (customerID == nil || d.customerID == customerID)
            }
            .sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
        }
    }
}

extension InMemoryStore: CampaignUpkeep {
    /// Nothing to build: the in-memory store scans.
    public func prepareCampaigns() throws {}

    public func latestMembershipTime(of segment: String) throws -> Int64? {
        try read { t in t.state.memberships[segment]?.map(\.takenAt).max() }
    }

    public func latestRFMSnapshotTime() throws -> Int64? {
        try read { t in t.state.snapshots.map(\.takenAt).max() }
    }

    @discardableResult
    public func refreshReplenishment(now: Int64, keepSeconds: Int64) throws -> Int {
        try write { t in
            var purchases: [String: [(CustomerID, Int64)]] = [:]
            for order in t.state.orders.values where order.status.counts && order.placedAt <= now {
                for line in order.lines { purchases[line.sku, default: []].append((order.customerID, order.placedAt)) }
            }
            var due: [Replenishment.Due] = []
            for sku in purchases.keys.sorted() {
                let sorted = purchases[sku]!.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
                due += Replenishment.due(sku: sku, purchases: sorted, dueAfter: now - keepSeconds)
            }
            t.state.replenishment = due
            t.state.replenishmentAt = now
            return due.count
        }
    }

    public func replenishmentRefreshedAt() throws -> Int64? { try read { t in t.state.replenishmentAt } }
}

extension InMemoryStore: DeliveryLedger {
    public func recordIgnoredDelivery(_ deliveryID: String, topic: String, at: Int64) throws {
        try write { t in
            if t.state.ignoredDeliveries[deliveryID] == nil { t.state.ignoredDeliveries[deliveryID] = topic }
        }
    }

    public func ignoredDeliveries() throws -> [IgnoredTopic] {
        try read { t in
            Dictionary(grouping: t.state.ignoredDeliveries.values, by: { $0 }).map {
                IgnoredTopic(topic: $0.key, count: $0.value.count)
            }.sorted { $0.topic < $1.topic }
        }
    }
}

extension InMemoryStore: ScratchCopying {
    /// A new store holding a copy of this one's state.
    public func scratchCopy() throws -> InMemoryStore {
        let copy = InMemoryStore()
        let state = try read { t in t.state }
        try copy.write { t in t.state = state }
        return copy
    }

    /// Nothing to free: the copy goes when its last reference does.
    public func discardScratchCopy() throws {}
}
