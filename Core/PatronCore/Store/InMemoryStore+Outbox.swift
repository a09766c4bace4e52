import Foundation

/// One outbox message as the in-memory store keeps it.
struct OutboxEntry: Sendable {
    var message: OutboxMessage
    var claimedAt: Int64?
    var providerID: String?
    var providerStatus: DeliveryStatus?
    var sentAt: Int64?
}

extension InMemoryStore: OutboxStore, LeaseStore {
    public func enqueue(_ messages: [OutboxMessage]) throws {
        try write { t in
            for message in messages where t.state.outbox[message.key] == nil {
                var stored = message
                stored.id = t.newID("outbox")
                stored.status = .planned
                stored.attempts = 0
                t.state.outbox[message.key] = OutboxEntry(message: stored)
            }
        }
    }

    public func claimOutbox(channels: [ConsentChannel], now: Int64, staleBefore: Int64, limit: Int) throws -> [(
        OutboxMessage, CustomerRecord?
    )] {
        try write { t in
            let due = t.state.outbox.values.compactMap { entry -> (due: Int64, key: String, id: Int64)? in
                guard channels.contains(entry.message.channel) else { return nil }
                switch entry.message.status {
                case .planned where entry.message.nextAttemptAt <= now:
                    return (entry.message.nextAttemptAt, entry.message.key, entry.message.id)
                case .sending where (entry.claimedAt ?? 0) < staleBefore:
                    return (entry.claimedAt ?? 0, entry.message.key, entry.message.id)
                default: return nil
                }
            }
            let chosen = due.sorted { ($0.due, $0.id) < ($1.due, $1.id) }.prefix(max(0, limit))
            var out: [(OutboxMessage, CustomerRecord?)] = []
            for pick in chosen {
                guard var entry = t.state.outbox[pick.key] else { continue }
                entry.message.status = .sending
                entry.message.attempts += 1
                entry.claimedAt = now
                t.state.outbox[pick.key] = entry
                out.append((entry.message, t.state.customers[entry.message.customerID]))
            }
            return out.sorted { $0.0.id < $1.0.id }
        }
    }

    public func recordOutcomes(_ outcomes: [SendOutcome]) throws {
        try write { t in
            for outcome in outcomes {
                guard let key = t.state.outbox.first(where: { $0.value.message.id == outcome.id })?.key,
                    var entry = t.state.outbox[key], entry.message.status == .sending,
                    entry.message.attempts == outcome.attempt
                else { continue }
                switch outcome.result {
                case .sent(let providerID, let status):
                    entry.message.status = .sent
                    entry.sentAt = outcome.at
                    entry.providerID = providerID
                    entry.providerStatus = entry.providerStatus ?? status
                    entry.message.lastError = nil
                    t.state.outbox[key] = entry
                    if let early = t.state.pendingReceipts.removeValue(forKey: providerID) {
                        _ = Self.applyReceipt(t, providerID: providerID, status: early.status, error: early.error)
                    }
                    continue
                case .retry(let at, let error):
                    entry.message.status = .planned
                    entry.message.nextAttemptAt = at
                    entry.message.lastError = error
                case .deferred(let until):
                    entry.message.status = .planned
                    entry.message.nextAttemptAt = until
                    entry.message.attempts -= 1
                    entry.message.lastError = "quiet hours at send time"
                case .failed(let error):
                    entry.message.status = .failed
                    entry.message.lastError = error
                case .dead(let error):
                    entry.message.status = .dead
                    entry.message.lastError = error
                case .suppressed(let reason):
                    entry.message.status = .suppressed
                    entry.message.lastError = reason
                }
                t.state.outbox[key] = entry
            }
        }
    }

    public func recordDelivery(providerID: String, status: DeliveryStatus, error: String?, at: Int64) throws -> Bool {
        try write { t in
            if Self.applyReceipt(t, providerID: providerID, status: status, error: error) { return true }
            let final: Set<DeliveryStatus> = [.delivered, .failed, .undelivered]
            if let kept = t.state.pendingReceipts[providerID], final.contains(kept.status) { return false }
            t.state.pendingReceipts[providerID] = (status, error, at)
            return false
        }
    }

    /// Applies a receipt to the message with the provider id; a final status stays.
    static func applyReceipt(_ t: Transaction, providerID: String, status: DeliveryStatus, error: String?) -> Bool {
        guard let key = t.state.outbox.first(where: { $0.value.providerID == providerID })?.key,
            var entry = t.state.outbox[key]
        else { return false }
        entry.providerStatus = status
        let next: OutboxMessage.Status? =
            switch status {
            case .delivered: .delivered
            case .failed, .undelivered: .failed
            case .queued, .sent: nil
            }
        if let next, entry.message.status != .delivered, entry.message.status != .failed {
            entry.message.status = next
        }
        if let error { entry.message.lastError = error }
        t.state.outbox[key] = entry
        return true
    }

    public func outboxMessages(keys: [String]) throws -> [OutboxMessage] {
        try read { t in keys.compactMap { t.state.outbox[$0]?.message }.sorted { $0.id < $1.id } }
    }

    public func latestSurveyMessage(to customer: CustomerID, channel: ConsentChannel, openAt now: Int64) throws
        -> OutboxMessage?
    {
        try read { t in
            t.state.outbox.values.map(\.message).filter {
                $0.customerID == customer && $0.plannedAt <= now && $0.channel == channel
                    && ($0.survey == .nps || $0.survey == .csat) && ($0.status == .sent || $0.status == .delivered)
                    && ($0.surveyUntil ?? $0.plannedAt + SurveyStep.defaultValidSeconds) >= now
            }.max { ($0.plannedAt, $0.id) < ($1.plannedAt, $1.id) }
        }
    }

    public func acquireLease(_ name: String, holder: String, now: Int64, seconds: Int64) throws -> Bool {
        try write { t in
            if let lease = t.state.leases[name], lease.holder != holder, lease.expiresAt > now { return false }
            t.state.leases[name] = (holder, now + seconds)
            return true
        }
    }

    public func releaseLease(_ name: String, holder: String) throws {
        try write { t in
            if t.state.leases[name]?.holder == holder { t.state.leases[name] = nil }
        }
    }
}

extension InMemoryStore: FlowRegistry {
    /// Saves the flow; a changed file ends the flow's runs in progress (`flow_changed`).
    @discardableResult
    public func saveFlow(id: String, name: String, source: String, path: String?, at: Int64) throws -> Int {
        try write { t in
            let old = t.state.flows[id]
            var ended = 0
            if let old, old.source != source {
                for (runID, run) in t.state.runs where run.flowID == id && run.state == .active {
                    t.state.runs[runID]?.state = .ended("flow_changed")
                    ended += 1
                }
            }
            t.state.flows[id] = StoredFlow(
                id: id, name: name, source: source, path: path, status: old?.status ?? .draft,
                activatedAt: old?.activatedAt, updatedAt: at)
            return ended
        }
    }

    public func setFlowStatus(_ id: String, _ status: CampaignStatus, at: Int64) throws -> Bool {
        try write { t in
            guard var flow = t.state.flows[id] else { return false }
            if status == .active, flow.status != .active { flow.activatedAt = at }
            flow.status = status
            flow.updatedAt = at
            t.state.flows[id] = flow
            return true
        }
    }

    public func flows() throws -> [StoredFlow] {
        try read { t in t.state.flows.values.sorted { $0.id < $1.id } }
    }

    public func activateForReplay(_ ids: [String], at: Int64) throws {
        try write { t in
            for (id, var flow) in t.state.flows where flow.status == .active || ids.contains(id) {
                flow.status = .active
                flow.activatedAt = at
                t.state.flows[id] = flow
            }
        }
    }
}

extension InMemoryStore: RecordPages {
    public func orders(customer: CustomerID?, after: Int64, limit: Int) throws -> [OrderRecord] {
        try read { t in
            Array(
                t.state.orders.values.filter {
                    $0.id.rawValue > after && (customer == nil || $0.customerID == customer)
                }
                .sorted { $0.id < $1.id }.prefix(max(0, limit)))
        }
    }

    public func order(id: OrderID) throws -> OrderRecord? { try read { $0.state.orders[id] } }

    public func carts(customer: CustomerID?, status: CartStatus?, after: Int64, limit: Int) throws -> [CartRecord] {
        try read { t in
            Array(
                t.state.carts.values.filter {
                    $0.id.rawValue > after && (customer == nil || $0.customerID == customer)
                        && (status == nil || $0.status == status)
                }.sorted { $0.id < $1.id }.prefix(max(0, limit)))
        }
    }

    public func cart(id: CartID) throws -> CartRecord? { try read { $0.state.carts[id] } }

    public func tickets(customer: CustomerID?, status: TicketStatus?, after: Int64, limit: Int) throws
        -> [TicketRecord]
    {
        try read { t in
            Array(
                t.state.tickets.values.filter {
                    $0.id.rawValue > after && (customer == nil || $0.customerID == customer)
                        && (status == nil || $0.status == status)
                }.sorted { $0.id < $1.id }.prefix(max(0, limit)))
        }
    }

    public func ticket(id: TicketID) throws -> TicketRecord? { try read { $0.state.tickets[id] } }

    public func messages(ofTicket ticket: TicketID) throws -> [StoredMessage] {
        try read { t in t.state.messages.filter { $0.ticketID == ticket } }
    }

    public func segmentMoves(of customer: CustomerID) throws -> [SegmentTransition] {
        try read { t in
            let rfm = zip(t.state.moves, t.state.moveTimes).filter { $0.0.customerID == customer }.map {
                SegmentTransition(segment: "rfm", from: $0.0.from, to: $0.0.to, at: $0.1)
            }
            let saved = t.state.membershipChanges.filter { $0.customer == customer }.map {
                SegmentTransition(
                    segment: $0.segment, from: $0.entered ? nil : $0.segment, to: $0.entered ? $0.segment : nil,
                    at: $0.at)
            }
            return rfm + saved
        }
    }

    public func rfmScore(of customer: CustomerID) throws -> StoredRFMScore? {
        try read { t in
            guard let snapshot = t.state.snapshots.last,
                let row = snapshot.rows.first(where: { $0.customerID == customer })
            else { return nil }
            return StoredRFMScore(asOf: snapshot.asOf.description, r: row.r, f: row.f, m: row.m, segment: row.segment)
        }
    }

    public func reportKeys(for ids: [CustomerID]) throws -> [CustomerID: String] {
        try read { t in
            Dictionary(
                uniqueKeysWithValues: ids.map { ($0, t.state.customers[$0]?.primaryRef?.id ?? $0.reportKey) })
        }
    }

    public func allReportKeys() throws -> [CustomerID: String] {
        try read { t in t.state.customers.mapValues { $0.primaryRef?.id ?? $0.id.reportKey } }
    }
}

extension InMemoryStore: StoreVitals {
    public func vitals(now: Int64) throws -> StoreVitalsReport {
        try read { t in
            var outbox: [OutboxMessage.Status: Int] = [:]
            for entry in t.state.outbox.values { outbox[entry.message.status, default: 0] += 1 }
            let leases = t.state.leases.compactMap { name, lease in
                lease.expiresAt > now ? LeaseHolding(name: name, holder: lease.holder, expiresAt: lease.expiresAt) : nil
            }
            return StoreVitalsReport(engine: "memory", outbox: outbox, leases: leases)
        }
    }
}
