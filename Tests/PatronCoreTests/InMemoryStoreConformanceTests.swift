import Foundation
import PatronCore
import PatronTestKit
import Testing

/// The in-memory store keeps the store contract (the kit's every rule).
@Suite struct InMemoryStoreConformanceTests {
    init() { TestChannels.register() }

    @Test func theInMemoryStoreConforms() async throws {
        try await StoreConformance.check { InMemoryStore() }
    }
}

/// The kit catches a store that breaks the contract: each fault fails the rule it breaks.
@Suite struct StoreConformanceCatchesFaultsTests {
    init() { TestChannels.register() }

    enum Fault {
        case dropsASegmentMember, ignoresTheWindow, forgetsRollbacks, keepsRevokedKeys, claimsTwice, sharesLeases
        case pagesFromTheCursor, forgetsTheFirstOrderRule, showsExpiredLeases
    }

    /// The in-memory store with one fault.
    // @unchecked Sendable: see the comment inside; the added StoreVitals reads the inner store only.
    final class FaultyStore: Store, SegmentRepository, SegmentQueries, AuditLog, APIKeyStore, OutboxStore,
        LeaseStore, FlowRegistry, RecordPages, CampaignStore, CampaignReports, CampaignUpkeep, DeliveryLedger,
        ScratchCopying, StoreVitals, @unchecked Sendable
    {
        func vitals(now: Int64) throws -> StoreVitalsReport {
            try inner.vitals(now: fault == .showsExpiredLeases ? 0 : now)
        }
        // @unchecked: the inner store serialises its own state behind a lock, `hashes` is a locked
        // box, and `fault` never changes after init.
        let inner: InMemoryStore
        let fault: Fault
        init(_ fault: Fault, inner: InMemoryStore = InMemoryStore()) {
            self.fault = fault
            self.inner = inner
        }

        func write<T>(_ body: (InMemoryStore.Transaction) throws -> T) throws -> T {
            guard fault == .forgetsRollbacks else { return try inner.write(body) }
            // Commits what the body did before it threw.
            var kept: T?
            var failure: Error?
            _ = try inner.write { t -> Bool in
                do { kept = try body(t) } catch { failure = error }
                return true
            }
            if let failure { throw failure }
            return kept!
        }
        func read<T>(_ body: (InMemoryStore.Transaction) throws -> T) throws -> T { try inner.read(body) }
        func rfmFacts(asOf: Day, windowDays: Int?) throws -> [RFMFact] {
            try inner.rfmFacts(asOf: asOf, windowDays: fault == .ignoresTheWindow ? nil : windowDays)
        }
        func forEachOrderFact(through: Day, _ body: (OrderFact) throws -> Void) throws {
            try inner.forEachOrderFact(through: through, body)
        }
        func forEachPurchase(before: Int64, _ body: (PurchaseLine) throws -> Void) throws {
            try inner.forEachPurchase(before: before, body)
        }
        func orderSpan() throws -> ClosedRange<Day>? { try inner.orderSpan() }
        func customerCount(createdThrough day: Day?) throws -> Int { try inner.customerCount(createdThrough: day) }
        func latestRFMSnapshot() throws -> RFMSnapshot? { try inner.latestRFMSnapshot() }
        func saveRFMSnapshot(_ snapshot: RFMSnapshot, moves: [SegmentMove]) throws -> Int64 {
            try inner.saveRFMSnapshot(snapshot, moves: moves)
        }
        func latestSnapshotMoves() throws -> SnapshotMoves? { try inner.latestSnapshotMoves() }
        func savePredictions(_ predictions: SavedPredictions) throws { try inner.savePredictions(predictions) }
        func savedPredictions() throws -> SavedPredictions? { try inner.savedPredictions() }
        func members(_ expression: SegmentExpression, now: Int64) throws -> [CustomerID] {
            let members = try inner.members(expression, now: now)
            return fault == .dropsASegmentMember ? Array(members.dropLast()) : members
        }
        func savedSegment(named name: String) throws -> SavedSegment? { try inner.savedSegment(named: name) }
        func savedSegments() throws -> [SavedSegment] { try inner.savedSegments() }
        func save(_ segment: SavedSegment) throws { try inner.save(segment) }
        func deleteSegment(named name: String) throws -> Bool { try inner.deleteSegment(named: name) }
        func latestMembership(of name: String) throws -> (takenAt: Int64, members: [CustomerID])? {
            try inner.latestMembership(of: name)
        }
        func membershipSizes(of name: String, limit: Int) throws -> [(takenAt: Int64, members: Int)] {
            try inner.membershipSizes(of: name, limit: limit)
        }
        func recordMembership(of name: String, members: [CustomerID], diff: SegmentDiff, at: Int64) throws {
            try inner.recordMembership(of: name, members: members, diff: diff, at: at)
        }
        func auditLog(limit: Int, documents: Bool) throws -> [AuditEntry] {
            inner.auditLog(limit: limit, documents: documents)
        }
        /// Hash → name of every key created (for the fault that ignores revocation).
        let hashes = NSLockedNames()
        func createAPIKey(name: String, hash: String, scopes: [String], at: Int64) throws {
            try inner.createAPIKey(name: name, hash: hash, scopes: scopes, at: at)
            hashes.set(hash, name)
        }
        func apiKey(hash: String) throws -> StoredAPIKey? {
            guard fault == .keepsRevokedKeys else { return try inner.apiKey(hash: hash) }
            return try inner.apiKeys().first { $0.name == hashes.get(hash) }
        }
        func apiKeys() throws -> [StoredAPIKey] { try inner.apiKeys() }
        func enqueue(_ messages: [OutboxMessage]) throws { try inner.enqueue(messages) }
        func claimOutbox(channels: [ConsentChannel], now: Int64, staleBefore: Int64, limit: Int) throws -> [(
            OutboxMessage, CustomerRecord?
        )] {
            // The fault: a claim ignores claims still in flight (a double send).
            try inner.claimOutbox(
                channels: channels, now: now, staleBefore: fault == .claimsTwice ? .max : staleBefore, limit: limit)
        }
        func recordOutcomes(_ outcomes: [SendOutcome]) throws { try inner.recordOutcomes(outcomes) }
        func recordDelivery(providerID: String, status: DeliveryStatus, error: String?, at: Int64) throws -> Bool {
            try inner.recordDelivery(providerID: providerID, status: status, error: error, at: at)
        }
        func outboxMessages(keys: [String]) throws -> [OutboxMessage] { try inner.outboxMessages(keys: keys) }
        func latestSurveyMessage(to customer: CustomerID, channel: ConsentChannel, openAt now: Int64) throws
            -> OutboxMessage?
        { try inner.latestSurveyMessage(to: customer, channel: channel, openAt: now) }
        func acquireLease(_ name: String, holder: String, now: Int64, seconds: Int64) throws -> Bool {
            // The fault: every holder gets the lease (two schedulers at work).
            fault == .sharesLeases ? true : try inner.acquireLease(name, holder: holder, now: now, seconds: seconds)
        }
        func releaseLease(_ name: String, holder: String) throws { try inner.releaseLease(name, holder: holder) }
        func saveFlow(id: String, name: String, source: String, path: String?, at: Int64) throws -> Int {
            try inner.saveFlow(id: id, name: name, source: source, path: path, at: at)
        }
        func setFlowStatus(_ id: String, _ status: CampaignStatus, at: Int64) throws -> Bool {
            try inner.setFlowStatus(id, status, at: at)
        }
        func flows() throws -> [StoredFlow] { try inner.flows() }
        func orders(customer: CustomerID?, after: Int64, limit: Int) throws -> [OrderRecord] {
            // The fault: the page starts at the cursor, not after it.
            try inner.orders(customer: customer, after: fault == .pagesFromTheCursor ? after - 1 : after, limit: limit)
        }
        func order(id: OrderID) throws -> OrderRecord? { try inner.order(id: id) }
        func carts(customer: CustomerID?, status: CartStatus?, after: Int64, limit: Int) throws -> [CartRecord] {
            try inner.carts(customer: customer, status: status, after: after, limit: limit)
        }
        func cart(id: CartID) throws -> CartRecord? { try inner.cart(id: id) }
        func tickets(customer: CustomerID?, status: TicketStatus?, after: Int64, limit: Int) throws -> [TicketRecord] {
            try inner.tickets(customer: customer, status: status, after: after, limit: limit)
        }
        func ticket(id: TicketID) throws -> TicketRecord? { try inner.ticket(id: id) }
        func messages(ofTicket ticket: TicketID) throws -> [StoredMessage] { try inner.messages(ofTicket: ticket) }
        func segmentMoves(of customer: CustomerID) throws -> [SegmentTransition] {
            try inner.segmentMoves(of: customer)
        }
        func rfmScore(of customer: CustomerID) throws -> StoredRFMScore? { try inner.rfmScore(of: customer) }
        func reportKeys(for ids: [CustomerID]) throws -> [CustomerID: String] { try inner.reportKeys(for: ids) }
        func segmentCount(_ expression: SegmentExpression, now: Int64) throws -> Int {
            try inner.segmentCount(expression, now: now)
        }
        func forEachSegmentMember(
            _ expression: SegmentExpression?, fields: [SegmentField], now: Int64, after: CustomerID?, limit: Int?,
            _ body: (SegmentValuesRow) throws -> Void
        ) throws {
            try inner.forEachSegmentMember(expression, fields: fields, now: now, after: after, limit: limit, body)
        }
        func revokeAPIKey(name: String, at: Int64) throws -> Bool { try inner.revokeAPIKey(name: name, at: at) }
        func auditEntry(id: Int64) throws -> AuditEntry? { inner.auditEntry(id: id) }
        func activateForReplay(_ ids: [String], at: Int64) throws { try inner.activateForReplay(ids, at: at) }
        func allReportKeys() throws -> [CustomerID: String] { try inner.allReportKeys() }
        func forEachOrder(of expression: SegmentExpression?, now: Int64, _ body: (OrderExportRow) throws -> Void)
            throws
        { try inner.forEachOrder(of: expression, now: now, body) }
        func explainSegment(_ expression: SegmentExpression, now: Int64) throws -> (query: String, plan: [String]) {
            try inner.explainSegment(expression, now: now)
        }
        func triggerInstances(of trigger: FlowTrigger, flowID: String, from: Int64, through: Int64) throws
            -> [FlowTriggerInstance]
        {
            // The fault: every order counts as a first order.
            var asked = trigger
            if fault == .forgetsTheFirstOrderRule, case .orderPlaced = trigger {
                asked = .orderPlaced(firstOnly: false)
            }
            return try inner.triggerInstances(of: asked, flowID: flowID, from: from, through: through)
        }
        func birthdayCandidates(monthDays: [String]) throws -> [(CustomerID, birthday: String, timeZone: String?)] {
            try inner.birthdayCandidates(monthDays: monthDays)
        }
        func members(of condition: FlowCondition, among: [CustomerID]?, now: Int64) throws -> Set<CustomerID> {
            try inner.members(of: condition, among: among, now: now)
        }
        func entryState(flowID: String, instances: [FlowTriggerInstance]) throws -> (
            known: Set<String>, lastEntered: [CustomerID: Int64]
        ) { try inner.entryState(flowID: flowID, instances: instances) }
        func saveEntries(_ enrollments: [Enrollment], decisions: [CampaignDecision]) throws {
            try inner.saveEntries(enrollments, decisions: decisions)
        }
        func dueEnrollments(flowID: String, now: Int64, limit: Int) throws -> [Enrollment] {
            try inner.dueEnrollments(flowID: flowID, now: now, limit: limit)
        }
        func planningFacts(for enrollments: [Enrollment], now: Int64, since: Int64) throws -> PlanningFacts {
            try inner.planningFacts(for: enrollments, now: now, since: since)
        }
        func templateRecords(for enrollments: [Enrollment]) throws -> [Int64: TemplateRecords] {
            try inner.templateRecords(for: enrollments)
        }
        func applyPlan(enrollments: [Enrollment], messages: [OutboxMessage], decisions: [CampaignDecision]) throws {
            try inner.applyPlan(enrollments: enrollments, messages: messages, decisions: decisions)
        }
        func flowStats(_ id: String, attributionSeconds: Int64) throws -> FlowStats {
            try inner.flowStats(id, attributionSeconds: attributionSeconds)
        }
        func outboxRows(flowID: String?, from: Int64, to: Int64) throws -> [OutboxRow] {
            try inner.outboxRows(flowID: flowID, from: from, to: to)
        }
        func campaignDecisions(flowID: String?, customerID: CustomerID?, from: Int64, to: Int64) throws
            -> [CampaignDecision]
        { try inner.campaignDecisions(flowID: flowID, customerID: customerID, from: from, to: to) }
        func prepareCampaigns() throws { try inner.prepareCampaigns() }
        func latestMembershipTime(of segment: String) throws -> Int64? { try inner.latestMembershipTime(of: segment) }
        func latestRFMSnapshotTime() throws -> Int64? { try inner.latestRFMSnapshotTime() }
        func refreshReplenishment(now: Int64, keepSeconds: Int64) throws -> Int {
            try inner.refreshReplenishment(now: now, keepSeconds: keepSeconds)
        }
        func replenishmentRefreshedAt() throws -> Int64? { try inner.replenishmentRefreshedAt() }
        func recordIgnoredDelivery(_ deliveryID: String, topic: String, at: Int64) throws {
            try inner.recordIgnoredDelivery(deliveryID, topic: topic, at: at)
        }
        func ignoredDeliveries() throws -> [IgnoredTopic] { try inner.ignoredDeliveries() }
        func scratchCopy() throws -> FaultyStore { FaultyStore(fault, inner: try inner.scratchCopy()) }
        func discardScratchCopy() throws { try inner.discardScratchCopy() }
    }

    @Test(arguments: [
        (Fault.dropsASegmentMember, "segments agree with the evaluator"),
        (Fault.ignoresTheWindow, "RFM and order facts"), (Fault.forgetsRollbacks, "atomic batches"),
        (Fault.keepsRevokedKeys, "API keys"), (Fault.claimsTwice, "outbox"), (Fault.sharesLeases, "leases"),
        (Fault.pagesFromTheCursor, "record pages"), (Fault.forgetsTheFirstOrderRule, "campaigns"),
        (Fault.showsExpiredLeases, "vitals"),
    ])
    func eachFaultFailsItsRule(fault: Fault, rule: String) async {
        do {
            try await StoreConformance.check { FaultyStore(fault) }
            Issue.record("the kit passed a store that \(fault)")
        } catch let failure as ConformanceFailure {
            #expect(failure.rule == rule, "\(failure)")
        } catch {
            Issue.record("\(error)")
        }
    }
}

/// A lock-guarded dictionary of names, for the faulty store.
final class NSLockedNames: @unchecked Sendable {
    // @unchecked: `names` is only touched while `lock` is held.
    private let lock = NSLock()
    private var names: [String: String] = [:]
    func set(_ key: String, _ value: String) {
        lock.lock()
        defer { lock.unlock() }
        names[key] = value
    }
    func get(_ key: String) -> String? {
        lock.lock()
        defer { lock.unlock() }
        return names[key]
    }
}
