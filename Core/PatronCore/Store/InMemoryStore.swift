import Foundation

/// A store in memory, for tests and for trying the kernel without a database. It is a whole
/// ``PatronStore``: every protocol the apps use, checked by the same conformance kit as the
/// SQLite store.
///
/// Transactions work on a copy of the state and publish it only when the body returns, so a
/// throwing batch leaves nothing behind, exactly as a database transaction.
public final class InMemoryStore: Store, @unchecked Sendable {
    // @unchecked: `state` is only read or replaced while `lock` is held, and `write` holds it for
    // the whole transaction, so transactions are serialised.
    private let lock = NSLock()
    private var state = State()

    public init() {}

    struct State {
        var applied: Set<String> = []
        var currency: CurrencyCode?
        var customers: [CustomerID: CustomerRecord] = [:]
        var refs: [ExternalRef: CustomerID] = [:]
        var refOrder: [ExternalRef] = []
        var emails: [String: CustomerID] = [:]
        var phones: [String: CustomerID] = [:]
        var orders: [OrderID: OrderRecord] = [:]
        var orderRefs: [ExternalRef: OrderID] = [:]
        var carts: [CartID: CartRecord] = [:]
        var cartRefs: [ExternalRef: CartID] = [:]
        var tickets: [TicketID: TicketRecord] = [:]
        var ticketRefs: [ExternalRef: TicketID] = [:]
        var messages: [StoredMessage] = []
        var consentEvents: [(customer: CustomerID, statement: ConsentStatement)] = []
        var mailboxes: [String: MailboxCursor] = [:]
        var audit: [AuditEntry] = []
        var apiKeys: [String: (key: StoredAPIKey, hash: String)] = [:]
        var outbox: [String: OutboxEntry] = [:]
        var pendingReceipts: [String: (status: DeliveryStatus, error: String?, at: Int64)] = [:]
        var leases: [String: (holder: String, expiresAt: Int64)] = [:]
        var flows: [String: StoredFlow] = [:]
        var merges: [(from: CustomerID, into: CustomerID, at: Int64)] = []
        var snapshots: [RFMSnapshot] = []
        var predictionFit: SavedPredictions?
        var predictions: [CustomerID: StoredPrediction] = [:]
        var moves: [SegmentMove] = []
        /// When each of `moves` happened (its snapshot's time).
        var moveTimes: [Int64] = []
        /// The snapshot each move was saved with.
        var moveSnapshots: [Int64] = []
        var savedSegments: [String: SavedSegment] = [:]
        var memberships: [String: [(takenAt: Int64, members: [CustomerID])]] = [:]
        var membershipChanges: [(segment: String, customer: CustomerID, entered: Bool, at: Int64)] = []
        var runs: [Int64: Enrollment] = [:]
        /// `flow/customer/trigger key` of every run, so a run is stored once.
        var runKeys: Set<String> = []
        var decisions: [CampaignDecision] = []
        /// `flow/customer/trigger key/step/reason` of every decision, so one is stored once.
        var decisionKeys: Set<String> = []
        var ignoredDeliveries: [String: String] = [:]
        var replenishment: [Replenishment.Due] = []
        var replenishmentAt: Int64?
        var loyaltyEntries: [LoyaltyEntry] = []
        var loyaltyKeys: Set<String> = []
        var loyaltyRules: LoyaltyRulesRecord?
        var loyaltyTiers: [CustomerID: String?] = [:]
        var tierChanges: [TierChange] = []
        var tierOverrides: [CustomerID: TierOverride] = [:]
        var feedback: [String: FeedbackResponse] = [:]
        var recommendations: StoredRecommendationModel?
        var products: [String: ProductRecord] = [:]
        var catalogueVersion: Int64 = 0
        var productTombstones: [String: Int64] = [:]
        var views: [ProductView] = []
        var visitors: [String: CustomerID] = [:]
        var viewTotals: [CustomerID: [String: ViewTotal]] = [:]
        /// Next id per table; ids are never reused (as SQLite's AUTOINCREMENT / rowids).
        var nextIDs: [String: Int64] = [:]
    }

    public func write<T>(_ body: (Transaction) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        let transaction = Transaction(state: state)
        let result = try body(transaction)
        state = transaction.state
        return result
    }

    public func read<T>(_ body: (Transaction) throws -> T) throws -> T {
        let transaction = Transaction(state: snapshotState())
        return try body(transaction)
    }

    private func snapshotState() -> State {
        lock.lock()
        defer { lock.unlock() }
        return state
    }

    /// Every order in the store, in id order.
    public func allOrders() -> [OrderRecord] {
        snapshotState().orders.values.sorted { $0.id < $1.id }
    }

    /// Every customer in the store, in id order.
    public func allCustomers() -> [CustomerRecord] {
        snapshotState().customers.values.sorted { $0.id < $1.id }
    }

    /// The merges recorded so far.
    public func merges() -> [(from: CustomerID, into: CustomerID)] {
        snapshotState().merges.map { ($0.from, $0.into) }
    }

    public func rfmFacts(asOf: Day, windowDays: Int?) throws -> [RFMFact] {
        let state = snapshotState()
        var keys: [CustomerID: String] = [:]
        for (id, customer) in state.customers { keys[id] = customer.primaryRef?.id ?? id.reportKey }
        return RFMFact.compute(orders: state.orders.values, keys: keys, asOf: asOf, windowDays: windowDays)
    }

    public func forEachOrderFact(through: Day, _ body: (OrderFact) throws -> Void) throws {
        let state = snapshotState()
        try state.orders.values
            .filter { $0.status.counts && Day(epochSeconds: $0.placedAt) <= through }
            .map { OrderFact(customerID: $0.customerID, placedAt: $0.placedAt, netMinor: $0.netMinor) }
            .sorted { ($0.customerID, $0.placedAt) < ($1.customerID, $1.placedAt) }
            .forEach(body)
    }

    public func forEachPurchase(before: Int64, _ body: (PurchaseLine) throws -> Void) throws {
        let state = snapshotState()
        try state.orders.values.filter { $0.status.counts && $0.placedAt < before }
            .flatMap { order in
                order.lines.map { PurchaseLine(customerID: order.customerID, sku: $0.sku, placedAt: order.placedAt) }
            }
            .sorted(by: PurchaseLine.streamOrder)
            .forEach(body)
    }

    public func orderSpan() throws -> ClosedRange<Day>? {
        let days = snapshotState().orders.values.filter(\.status.counts).map { Day(epochSeconds: $0.placedAt) }
        guard let first = days.min(), let last = days.max() else { return nil }
        return first...last
    }

    public func customerCount(createdThrough day: Day?) throws -> Int {
        let end = day.map { ($0 + 1).epochSeconds } ?? Int64.max
        return snapshotState().customers.values.filter { $0.createdAt < end }.count
    }

    public func latestRFMSnapshot() throws -> RFMSnapshot? { snapshotState().snapshots.last }

    public func saveRFMSnapshot(_ snapshot: RFMSnapshot, moves: [SegmentMove]) throws -> Int64 {
        lock.lock()
        defer { lock.unlock() }
        var saved = snapshot
        saved.id = Int64(state.snapshots.count + 1)
        state.snapshots.append(saved)
        state.moves += moves
        state.moveTimes += moves.map { _ in saved.takenAt }
        state.moveSnapshots += moves.map { _ in saved.id }
        return saved.id
    }

    public func latestSnapshotMoves() throws -> SnapshotMoves? {
        let state = snapshotState()
        guard let newest = state.snapshots.last else { return nil }
        let moves = zip(state.moves, state.moveSnapshots).filter { $0.1 == newest.id }.map(\.0)
        let previous = state.snapshots.dropLast().last
        return SnapshotMoves(
            asOf: newest.asOf, previousAsOf: previous?.asOf, comparable: previous?.parameters == newest.parameters,
            counts: SegmentMove.summary(moves).map {
                SnapshotMoves.Count(from: $0.from, to: $0.to, customers: $0.customers)
            })
    }

    public func savePredictions(_ predictions: SavedPredictions) throws {
        lock.lock()
        defer { lock.unlock() }
        var header = predictions
        header.rows = []
        state.predictionFit = header
        state.predictions = Dictionary(predictions.rows.map { ($0.customer, $0.prediction) }) { _, last in last }
    }

    public func savedPredictions() throws -> SavedPredictions? { snapshotState().predictionFit }

    /// A transaction over a private copy of the state.
    public final class Transaction: StoreTransaction {
        var state: State
        init(state: State) { self.state = state }

        func newID(_ table: String) -> Int64 {
            let id = state.nextIDs[table, default: 1]
            state.nextIDs[table] = id + 1
            return id
        }

        public func markApplied(_ eventIDs: [String]) throws -> [Bool] {
            eventIDs.map { state.applied.insert($0).inserted }
        }
        public func reportingCurrency() throws -> CurrencyCode? { state.currency }
        public func setReportingCurrency(_ currency: CurrencyCode) throws { state.currency = currency }

        public func customerID(ref: ExternalRef) throws -> CustomerID? { state.refs[ref] }
        public func customerID(email: String) throws -> CustomerID? { state.emails[email] }
        public func customerID(phone: String) throws -> CustomerID? { state.phones[phone] }
        public func customer(_ id: CustomerID) throws -> CustomerRecord? { state.customers[id] }

        public func nextCustomerID() throws -> CustomerID { CustomerID(state.nextIDs["customers", default: 1]) }

        public func insertCustomer(_ customer: CustomerRecord) throws -> CustomerID {
            var record = customer
            record.id = CustomerID(newID("customers"))
            state.customers[record.id] = record
            index(record, previous: nil)
            return record.id
        }

        public func updateCustomer(_ customer: CustomerRecord) throws {
            let previous = state.customers[customer.id]
            state.customers[customer.id] = customer
            index(customer, previous: previous)
        }

        private func index(_ record: CustomerRecord, previous: CustomerRecord?) {
            if let old = previous?.email, state.emails[old] == record.id { state.emails[old] = nil }
            if let old = previous?.phone, state.phones[old] == record.id { state.phones[old] = nil }
            if let email = record.email { state.emails[email] = record.id }
            if let phone = record.phone, ContactNormalizer.phone(phone) == phone { state.phones[phone] = record.id }
        }

        public func attach(ref: ExternalRef, to customer: CustomerID) throws {
            if state.refs[ref] == nil { state.refOrder.append(ref) }
            state.refs[ref] = customer
        }

        public func refs(of customer: CustomerID) throws -> [ExternalRef] {
            state.refOrder.filter { state.refs[$0] == customer }
        }

        public func detachRefs(of customer: CustomerID) throws {
            for ref in try refs(of: customer) { state.refs[ref] = nil }
            let refs = state.refs
            state.refOrder.removeAll { refs[$0] == nil }
        }

        public func reassign(from: CustomerID, into: CustomerID, at: Int64) throws {
            for ref in state.refOrder where state.refs[ref] == from { state.refs[ref] = into }
            for (id, order) in state.orders where order.customerID == from { state.orders[id]?.customerID = into }
            for (id, cart) in state.carts where cart.customerID == from { state.carts[id]?.customerID = into }
            for (id, ticket) in state.tickets where ticket.customerID == from { state.tickets[id]?.customerID = into }
            for index in state.messages.indices where state.messages[index].customerID == from {
                state.messages[index].customerID = into
            }
            for index in state.consentEvents.indices where state.consentEvents[index].customer == from {
                state.consentEvents[index].customer = into
            }
            state.loyaltyTiers[from] = nil
            state.tierOverrides[from] = nil
            for index in state.tierChanges.indices where state.tierChanges[index].customerID == from {
                state.tierChanges[index].customerID = into
            }
            for index in state.loyaltyEntries.indices where state.loyaltyEntries[index].customerID == from {
                state.loyaltyEntries[index].customerID = into
            }
            for (key, response) in state.feedback where response.customerID == from {
                state.feedback[key]?.customerID = into
            }
            // Planned messages of the merged record are suppressed; a send in flight stays with it.
            for (key, entry) in state.outbox where entry.message.customerID == from && entry.message.status != .sending
            {
                if entry.message.status == .planned {
                    state.outbox[key]?.message.status = .suppressed
                    state.outbox[key]?.message.lastError = "merged into customer \(into.rawValue)"
                }
                state.outbox[key]?.message.customerID = into
            }
            moveViews(from: from, into: into)
            if let old = state.customers.removeValue(forKey: from) {
                if let email = old.email, state.emails[email] == from { state.emails[email] = nil }
                if let phone = old.phone, state.phones[phone] == from { state.phones[phone] = nil }
            }
            state.merges.append((from, into, at))
        }

        public func order(ref: ExternalRef) throws -> OrderRecord? { state.orderRefs[ref].flatMap { state.orders[$0] } }
        public func insertOrder(_ order: OrderRecord) throws -> OrderID? {
            guard state.orderRefs[order.ref] == nil else { return nil }
            var record = order
            record.id = OrderID(newID("orders"))
            state.orders[record.id] = record
            state.orderRefs[record.ref] = record.id
            return record.id
        }
        public func updateOrder(_ order: OrderRecord, linesChanged: Bool) throws {
            var stored = order
            if !linesChanged, let lines = state.orders[order.id]?.lines { stored.lines = lines }
            state.orders[order.id] = stored
        }
        public func orders(of customer: CustomerID) throws -> [OrderRecord] {
            state.orders.values.filter { $0.customerID == customer }.sorted { $0.id < $1.id }
        }

        public func countingOrders(of customer: CustomerID) throws -> [OrderFact] {
            try orders(of: customer).filter(\.status.counts).map {
                OrderFact(customerID: $0.customerID, placedAt: $0.placedAt, netMinor: $0.netMinor)
            }
        }

        public func nextCartID() throws -> CartID { CartID(state.nextIDs["carts", default: 1]) }
        public func cart(ref: ExternalRef) throws -> CartRecord? { state.cartRefs[ref].flatMap { state.carts[$0] } }
        public func insertCart(_ cart: CartRecord) throws -> CartID {
            var record = cart
            record.id = CartID(newID("carts"))
            state.carts[record.id] = record
            state.cartRefs[record.ref] = record.id
            return record.id
        }
        public func updateCart(_ cart: CartRecord) throws { state.carts[cart.id] = cart }
        public func carts(of customer: CustomerID) throws -> [CartRecord] {
            state.carts.values.filter { $0.customerID == customer }.sorted { $0.id < $1.id }
        }

        public func ticket(ref: ExternalRef) throws -> TicketRecord? {
            state.ticketRefs[ref].flatMap { state.tickets[$0] }
        }
        public func insertTicket(_ ticket: TicketRecord) throws -> TicketID {
            var record = ticket
            record.id = TicketID(newID("tickets"))
            state.tickets[record.id] = record
            state.ticketRefs[record.ref] = record.id
            return record.id
        }
        public func updateTicket(_ ticket: TicketRecord) throws { state.tickets[ticket.id] = ticket }
        public func tickets(of customer: CustomerID) throws -> [TicketRecord] {
            state.tickets.values.filter { $0.customerID == customer }.sorted { $0.id < $1.id }
        }
        public func ticket(id: TicketID) throws -> TicketRecord? { state.tickets[id] }

        public func ticketID(messageIDs: [String]) throws -> TicketID? {
            for id in messageIDs {
                if let message = state.messages.first(where: { $0.messageID == id }), let ticket = message.ticketID {
                    return ticket
                }
            }
            return nil
        }
        public func insertMessage(_ message: StoredMessage) throws {
            guard !state.messages.contains(where: { $0.messageID == message.messageID }) else { return }
            state.messages.append(message)
        }
        public func messages(of customer: CustomerID) throws -> [StoredMessage] {
            state.messages.filter { $0.customerID == customer }.sorted { $0.sentAt < $1.sentAt }
        }
        public func eraseMessages(of customer: CustomerID) throws {
            for index in state.messages.indices where state.messages[index].customerID == customer {
                state.messages[index].sender = nil
                state.messages[index].recipients = []
                state.messages[index].subject = ""
                state.messages[index].body = ""
            }
        }
        public func mailboxCursor(key: String) throws -> MailboxCursor? { state.mailboxes[key] }
        public func setMailboxCursor(_ cursor: MailboxCursor) throws { state.mailboxes[cursor.key] = cursor }

        public func recordAudit(_ entry: AuditEntry) throws -> Int64 {
            var entry = entry
            entry.id = newID("audit")
            state.audit.append(entry)
            return entry.id
        }

        public func recordConsent(_ statement: ConsentStatement, of customer: CustomerID) throws {
            state.consentEvents.append((customer, statement))
        }

        public func consentHistory(of customer: CustomerID) throws -> [ConsentStatement] {
            state.consentEvents.filter { $0.customer == customer }.map(\.statement)
        }

        public func eraseConsentHistory(of customer: CustomerID) throws {
            state.consentEvents.removeAll { $0.customer == customer }
        }

        public func customerIDs(withRefsFrom source: String) throws -> [CustomerID] {
            Set(state.refs.filter { $0.key.source == source }.values).sorted { $0.rawValue < $1.rawValue }
        }
    }
}

extension InMemoryStore: APIKeyStore {
    public func createAPIKey(name: String, hash: String, scopes: [String], at: Int64) throws {
        try write { t in
            guard t.state.apiKeys[name] == nil else {
                throw PatronError(.conflict, "an API key named '\(name)' exists (revoke it, or choose another name)")
            }
            t.state.apiKeys[name] = (StoredAPIKey(name: name, scopes: scopes, createdAt: at), hash)
        }
    }

    public func apiKey(hash: String) throws -> StoredAPIKey? {
        try read { t in t.state.apiKeys.values.first { $0.hash == hash && $0.key.revokedAt == nil }?.key }
    }

    public func apiKeys() throws -> [StoredAPIKey] {
        try read { t in t.state.apiKeys.values.map(\.key).sorted { $0.name < $1.name } }
    }

    public func revokeAPIKey(name: String, at: Int64) throws -> Bool {
        try write { t in
            guard var entry = t.state.apiKeys[name], entry.key.revokedAt == nil else { return false }
            entry.key.revokedAt = at
            t.state.apiKeys[name] = entry
            return true
        }
    }
}

extension InMemoryStore {
    /// The newest audit entries first (documents included only when asked).
    public func auditLog(limit: Int, documents: Bool = false) -> [AuditEntry] {
        snapshotState().audit.reversed().prefix(limit).map { entry in
            var entry = entry
            if !documents { entry.document = nil }
            return entry
        }
    }

    public func auditEntry(id: Int64) -> AuditEntry? {
        snapshotState().audit.first { $0.id == id }
    }
}

extension InMemoryStore: SegmentRepository, SegmentQueries {
    public func members(_ expression: SegmentExpression, now: Int64) throws -> [CustomerID] {
        let evaluator = SegmentEvaluator(expression, now: now)
        var rows: [CustomerID: RFMSnapshot.Row] = [:]
        for row in snapshotState().snapshots.last?.rows ?? [] { rows[row.customerID] = row }
        let state = snapshotState()
        var histories: [CustomerID: SegmentHistory] = [:]
        if expression.readsHistory {
            for order in state.orders.values { histories[order.customerID, default: .init()].orders.append(order) }
            for cart in state.carts.values { histories[cart.customerID, default: .init()].carts.append(cart) }
            for entry in state.loyaltyEntries { histories[entry.customerID, default: .init()].loyalty.append(entry) }
            for (customer, tier) in state.loyaltyTiers { histories[customer, default: .init()].tier = tier }
            for response in state.feedback.values {
                histories[response.customerID, default: .init()].feedback.append(response)
            }
            for view in state.views {
                if let customer = view.customerID { histories[customer, default: .init()].views.append(view) }
            }
        }
        return allCustomers().filter {
            evaluator.matches(
                $0, rfm: rows[$0.id], predicted: state.predictions[$0.id], history: histories[$0.id] ?? .init())
        }
        .map(\.id)
    }

    /// Every member, in id order, with `fields`' values (the in-memory twin of the SQLite export).
    public func forEachSegmentMember(
        _ expression: SegmentExpression?, fields: [SegmentField], now: Int64, after: CustomerID? = nil,
        limit: Int? = nil, _ body: (SegmentValuesRow) throws -> Void
    ) throws {
        var rows: [CustomerID: RFMSnapshot.Row] = [:]
        for row in snapshotState().snapshots.last?.rows ?? [] { rows[row.customerID] = row }
        let customers = Dictionary(uniqueKeysWithValues: allCustomers().map { ($0.id, $0) })
        let members = try expression.map { try self.members($0, now: now) } ?? customers.keys.sorted()
        let page = members.filter { after == nil || $0 > after! }.prefix(limit ?? Int.max)
        for id in page {
            guard let customer = customers[id] else { continue }
            let predicted = snapshotState().predictions[id]
            let loyalty =
                fields.contains(where: SegmentCatalogue.readsLoyalty)
                ? snapshotState().loyaltyEntries.filter { $0.customerID == id } : []
            let feedback =
                fields.contains(where: SegmentCatalogue.readsFeedback)
                ? snapshotState().feedback.values.filter { $0.customerID == id } : []
            let values = fields.map {
                SegmentEvaluator.value(
                    of: $0, for: customer, rfm: rows[id], predicted: predicted, loyalty: loyalty,
                    tier: snapshotState().loyaltyTiers[id] ?? nil, feedback: feedback, now: now)
            }
            try body(SegmentValuesRow(id: id, key: customer.primaryRef?.id ?? id.reportKey, values: values))
        }
    }

    public func segmentCount(_ expression: SegmentExpression, now: Int64) throws -> Int {
        try members(expression, now: now).count
    }

    public func forEachOrder(of expression: SegmentExpression?, now: Int64, _ body: (OrderExportRow) throws -> Void)
        throws
    {
        let state = snapshotState()
        let members = try expression.map { Set(try self.members($0, now: now)) }
        for order in state.orders.values.sorted(by: { $0.id < $1.id }) {
            if let members, !members.contains(order.customerID) { continue }
            let customer = state.customers[order.customerID]
            try body(
                OrderExportRow(
                    ref: order.ref.id, source: order.ref.source,
                    customerKey: customer?.primaryRef?.id ?? order.customerID.reportKey, placedAt: order.placedAt,
                    status: order.status.rawValue, currency: order.currency, totalMinor: order.totalMinor,
                    refundedMinor: order.refundedMinor, lines: order.lines.count))
        }
    }

    /// The in-memory store evaluates every customer with the kernel's evaluator; there is no
    /// query plan to show.
    public func explainSegment(_ expression: SegmentExpression, now: Int64) throws -> (query: String, plan: [String]) {
        ("\(expression)", ["SCAN customers (the kernel's segment evaluator, in memory)"])
    }

    public func savedSegment(named name: String) throws -> SavedSegment? { snapshotState().savedSegments[name] }

    public func savedSegments() throws -> [SavedSegment] {
        snapshotState().savedSegments.values.sorted { $0.name < $1.name }
    }

    public func save(_ segment: SavedSegment) throws {
        try write { $0.state.savedSegments[segment.name] = segment }
    }

    public func deleteSegment(named name: String) throws -> Bool {
        try write { transaction in
            transaction.state.memberships[name] = nil
            return transaction.state.savedSegments.removeValue(forKey: name) != nil
        }
    }

    public func latestMembership(of name: String) throws -> (takenAt: Int64, members: [CustomerID])? {
        snapshotState().memberships[name]?.last
    }

    public func membershipSizes(of name: String, limit: Int) throws -> [(takenAt: Int64, members: Int)] {
        (snapshotState().memberships[name] ?? []).suffix(max(0, limit)).map { ($0.0, $0.1.count) }
    }

    public func recordMembership(of name: String, members: [CustomerID], diff: SegmentDiff, at: Int64) throws {
        try write { transaction in
            transaction.state.memberships[name, default: []].append((at, members.sorted()))
            transaction.state.membershipChanges +=
                diff.entered.map { (name, $0, true, at) } + diff.left.map { (name, $0, false, at) }
        }
    }
}
