import Foundation

/// A Patron store: where customers, orders, carts and tickets live.
///
/// Implemented by `PatronSQLite` (the embedded default) and by ``InMemoryStore`` for tests.
/// Writes happen only inside ``write(_:)``, one transaction per call: if the body throws, nothing
/// it did remains. Analytics read plain facts through the `…Facts` requirements and compute in
/// the kernel, so every store gives the same answers.
public protocol Store: Sendable {
    /// The store's transaction type.
    associatedtype Transaction: StoreTransaction

    /// Runs `body` in one write transaction; rolls back everything if it throws.
    func write<T>(_ body: (Transaction) throws -> T) throws -> T
    /// Runs `body` against a consistent read-only view.
    func read<T>(_ body: (Transaction) throws -> T) throws -> T
    /// Like ``read(_:)`` where the view need not be one snapshot: each statement sees the latest
    /// commit, and the store may leave out the transaction around them. For hot single-record
    /// reads (the API's `GET /v1/customers/{id}`), where BEGIN and COMMIT cost more than the
    /// lookups. An implementer keeps: `body` only reads, and sees every commit made before the
    /// call by this process. Default: ``read(_:)``.
    func quickRead<T>(_ body: (Transaction) throws -> T) throws -> T

    /// For a long load (``Ingestor/load(batchSize:deferral:remaining:next:progress:)``): drops
    /// the secondary indexes the ingest never reads (audience, RFM and SKU indexes, say), so that
    /// each batch does not update them row by row, and returns their names — empty when the store
    /// keeps them (by `deferral`, by its own estimate of the cost, or because it cannot defer).
    /// `events` is how many events the load still expects. An implementer keeps: every read
    /// answers as before while indexes are deferred (only slower); the deferral is recorded in
    /// the same transaction that drops them; a store reopened after its loader died builds them
    /// (``rebuildDeferredIndexes()``), so no store goes on missing an index unnoticed.
    /// Default: `[]` (nothing deferred).
    func deferIndexes(forAbout events: Int, _ deferral: IndexDeferral) throws -> [String]
    /// Builds the indexes ``deferIndexes(forAbout:_:)`` dropped, unless another load still has
    /// them deferred (it builds them at its end); returns the names built. Safe to call any
    /// time, and again. Default: `[]`.
    func rebuildDeferredIndexes() throws -> [String]

    /// Per-customer recency, frequency and monetary inputs as of the end of `asOf` (orders after
    /// it are ignored); with `windowDays`, frequency and monetary count only orders placed in the
    /// last `windowDays` days up to `asOf`. Only customers with a counting order up to `asOf`.
    /// Must equal ``RFMFact/compute(orders:keys:asOf:windowDays:)`` over the store's orders.
    func rfmFacts(asOf: Day, windowDays: Int?) throws -> [RFMFact]
    /// Calls `body` with every counting order up to the end of `through`, sorted by customer,
    /// then time — streamed, so metrics over millions of orders need not hold them.
    func forEachOrderFact(through: Day, _ body: (OrderFact) throws -> Void) throws
    /// Calls `body` with every line of every counting (not cancelled) order placed before
    /// `before`, sorted by customer, then time, then SKU (``PurchaseLine/streamOrder(_:_:)``) —
    /// streamed, so a model over millions of lines need not hold them as rows.
    func forEachPurchase(before: Int64, _ body: (PurchaseLine) throws -> Void) throws
    /// The first and last day with a counting order; `nil` when there is none.
    func orderSpan() throws -> ClosedRange<Day>?
    /// How many customers the store had by the end of `createdThrough` (all with `nil`; erased
    /// ones included: they still have orders).
    func customerCount(createdThrough day: Day?) throws -> Int

    /// The newest saved RFM snapshot, with its assignments.
    func latestRFMSnapshot() throws -> RFMSnapshot?
    /// Saves a snapshot and the segment moves since the previous one; returns the snapshot's id.
    func saveRFMSnapshot(_ snapshot: RFMSnapshot, moves: [SegmentMove]) throws -> Int64
    /// The moves saved with the newest snapshot (since the one before it), counted by (from, to),
    /// and whether the two were taken with the same parameters; `nil` before the first snapshot.
    /// Implementers keep the moves with their snapshot.
    func latestSnapshotMoves() throws -> SnapshotMoves?

    /// Replaces the saved predictive fit and every customer's predictions, in one transaction.
    func savePredictions(_ predictions: SavedPredictions) throws
    /// The saved predictive fit without its rows, if there is one.
    func savedPredictions() throws -> SavedPredictions?
}

/// What one transaction on a store can do. The ``Ingestor`` is written against this alone.
///
/// Rules an implementation keeps: lookups see the transaction's own writes; `insert…` assigns a
/// new id and ignores the one passed in; refs, email and phone are unique per customer. A write
/// that returns nothing may report its failure later (at the next call that waits for an
/// answer, or when the transaction commits) so that a server can work on it meanwhile; the
/// transaction then fails as a whole and leaves nothing, as if the write itself had thrown. So
/// a caller cannot catch one write's failure and go on in the same transaction.
public protocol StoreTransaction: LoyaltyTransaction, FeedbackTransaction, RecommendationTransaction,
    CatalogueTransaction, ViewTransaction
{
    /// Records that the events were applied. Returns, per id, whether it is new (`false`: it had
    /// been applied before, or it appears earlier in `eventIDs`).
    func markApplied(_ eventIDs: [String]) throws -> [Bool]

    /// The currency all money in the store is in; `nil` before the first order.
    func reportingCurrency() throws -> CurrencyCode?
    func setReportingCurrency(_ currency: CurrencyCode) throws

    func customerID(ref: ExternalRef) throws -> CustomerID?
    /// By normalised email.
    func customerID(email: String) throws -> CustomerID?
    /// By E.164 phone.
    func customerID(phone: String) throws -> CustomerID?
    func customer(_ id: CustomerID) throws -> CustomerRecord?
    /// Whether a customer has this id (a store may answer without reading the record).
    func customerExists(_ id: CustomerID) throws -> Bool
    func insertCustomer(_ customer: CustomerRecord) throws -> CustomerID
    func updateCustomer(_ customer: CustomerRecord) throws
    func attach(ref: ExternalRef, to customer: CustomerID) throws
    func refs(of customer: CustomerID) throws -> [ExternalRef]
    /// A customer with its refs and the reporting currency (``CustomerSheet``), for a read that
    /// shows one customer, in one round trip where the store can; `nil` without the customer.
    /// Must agree with ``customer(_:)``, ``refs(of:)`` and ``reportingCurrency()``.
    func customerSheet(_ id: CustomerID) throws -> CustomerSheet?
    /// Removes every ref of the customer (erasure: the person can no longer be matched).
    func detachRefs(of customer: CustomerID) throws
    /// Moves refs, orders, carts, tickets, messages, consent, loyalty, feedback, views and outbox
    /// messages of `from` to `into` (its planned outbox messages suppressed first, "merged into
    /// customer N"; one being sent stays), records the merge and deletes `from`. The caller
    /// updates `into`'s profile and aggregates.
    func reassign(from: CustomerID, into: CustomerID, at: Int64) throws

    func order(ref: ExternalRef) throws -> OrderRecord?
    /// Inserts the order, or returns `nil` (and changes nothing) when one with its ref exists.
    func insertOrder(_ order: OrderRecord) throws -> OrderID?
    /// Writes the order back; its lines only when `linesChanged` (status and refund updates
    /// leave them alone).
    func updateOrder(_ order: OrderRecord, linesChanged: Bool) throws
    func orders(of customer: CustomerID) throws -> [OrderRecord]
    /// The customer's counting orders, reduced to what aggregates need (cheaper than `orders(of:)`).
    func countingOrders(of customer: CustomerID) throws -> [OrderFact]

    func cart(ref: ExternalRef) throws -> CartRecord?
    func insertCart(_ cart: CartRecord) throws -> CartID
    func updateCart(_ cart: CartRecord) throws
    func carts(of customer: CustomerID) throws -> [CartRecord]

    func ticket(ref: ExternalRef) throws -> TicketRecord?
    func ticket(id: TicketID) throws -> TicketRecord?
    func insertTicket(_ ticket: TicketRecord) throws -> TicketID
    func updateTicket(_ ticket: TicketRecord) throws
    func tickets(of customer: CustomerID) throws -> [TicketRecord]

    /// The ticket of the first of these Message-IDs that is stored (threading by `In-Reply-To`
    /// and `References`).
    func ticketID(messageIDs: [String]) throws -> TicketID?
    func insertMessage(_ message: StoredMessage) throws
    /// The messages of a customer, oldest first.
    func messages(of customer: CustomerID) throws -> [StoredMessage]
    /// Blanks the sender, recipients, subject and body of the customer's messages (erasure).
    func eraseMessages(of customer: CustomerID) throws
    func mailboxCursor(key: String) throws -> MailboxCursor?
    func setMailboxCursor(_ cursor: MailboxCursor) throws

    /// Appends an entry to the audit log in this transaction (so that the audit and the work it
    /// records commit or roll back together); returns the id the store gave it.
    func recordAudit(_ entry: AuditEntry) throws -> Int64
    /// The customers holding a ref of `source` (a shop's redaction erases them), in id order.
    func customerIDs(withRefsFrom source: String) throws -> [CustomerID]

    /// Appends a statement to the customer's consent ledger. Every statement is kept, also one
    /// older than the current state (which the customer record carries); a merge moves the
    /// ledger with the rest (``reassign(from:into:at:)``).
    func recordConsent(_ statement: ConsentStatement, of customer: CustomerID) throws
    /// The customer's consent statements, in the order they were recorded.
    func consentHistory(of customer: CustomerID) throws -> [ConsentStatement]
    /// Removes the customer's consent ledger (erasure).
    func eraseConsentHistory(of customer: CustomerID) throws

    // MARK: Sets (the ingestor's batch path; defaults one row at a time, in StoreTransaction+Sets)

    /// The customers these refs name, in one round trip where the store can (refs no customer
    /// holds are left out). Must agree with ``customerID(ref:)``.
    func customerIDs(refs: [ExternalRef]) throws -> [ExternalRef: CustomerID]
    /// The customers whose profile holds these normalised emails (not the secondary keys kept
    /// from merges, which are refs). Must agree with ``customerID(email:)``.
    func customerIDs(emails: [String]) throws -> [String: CustomerID]
    /// The customers whose profile holds these E.164 phones. Must agree with ``customerID(phone:)``.
    func customerIDs(phones: [String]) throws -> [String: CustomerID]
    /// These customers' records (ids no customer has are left out). Must agree with ``customer(_:)``.
    func customers(_ ids: [CustomerID]) throws -> [CustomerID: CustomerRecord]
    /// Which of these order refs are stored.
    func storedOrderRefs(_ refs: [ExternalRef]) throws -> Set<ExternalRef>
    /// Inserts orders the caller knows are new (no stored order has their refs, and no two share
    /// one), with their lines, in as few statements as the store can; ids are assigned in the
    /// order given, as ``insertOrder(_:)`` would assign them one by one.
    func insertNewOrders(_ orders: [OrderRecord]) throws
    /// Writes these customers back, as ``updateCustomer(_:)`` does each.
    func updateCustomers(_ customers: [CustomerRecord]) throws
    /// Writes these customers back when the caller knows that only their ``CustomerAggregates``
    /// differ from the stored records: a store may write the aggregates alone (fewer columns,
    /// fewer indexes to keep) or the whole record. Afterwards each reads back as given.
    func updateCustomerAggregates(_ customers: [CustomerRecord]) throws
    /// The id the next ``insertCustomer(_:)`` in this transaction would give, without taking it:
    /// the ingestor numbers a chunk's new customers from it and writes them together.
    func nextCustomerID() throws -> CustomerID
    /// Inserts customers numbered from ``nextCustomerID()`` on, in order and without gaps
    /// (`customers[i].id == next + i`), as ``insertCustomer(_:)`` would one by one; afterwards
    /// ``nextCustomerID()`` is past the last of them.
    func insertNewCustomers(_ customers: [CustomerRecord]) throws
    /// Attaches refs, in order (a later one for the same ref wins), as ``attach(ref:to:)`` does each.
    func attach(_ refs: [(ref: ExternalRef, customer: CustomerID)]) throws
    /// Appends statements to consent ledgers, in order, as ``recordConsent(_:of:)`` does each.
    func recordConsents(_ statements: [(statement: ConsentStatement, customer: CustomerID)]) throws
    /// The carts these refs name (refs no cart has are left out). Must agree with ``cart(ref:)``.
    func carts(refs: [ExternalRef]) throws -> [ExternalRef: CartRecord]
    /// These customers' carts (a customer without one is left out). Must agree with ``carts(of:)``.
    func carts(ofCustomers customers: [CustomerID]) throws -> [CustomerID: [CartRecord]]
    /// The id the next ``insertCart(_:)`` in this transaction would give, without taking it.
    func nextCartID() throws -> CartID
    /// Inserts carts numbered from ``nextCartID()`` on, in order and without gaps, as
    /// ``insertCart(_:)`` would one by one (no stored cart has their refs).
    func insertNewCarts(_ carts: [CartRecord]) throws
    /// Writes these carts back (no two with one id), as ``updateCart(_:)`` does each.
    func updateCarts(_ carts: [CartRecord]) throws
}

extension Store {
    public func quickRead<T>(_ body: (Transaction) throws -> T) throws -> T { try read(body) }
    public func deferIndexes(forAbout events: Int, _ deferral: IndexDeferral) throws -> [String] { [] }
    public func rebuildDeferredIndexes() throws -> [String] { [] }
}

extension Store {
    /// The currency the store reports in (that of its first order); `nil` before any order.
    public func reportingCurrency() throws -> CurrencyCode? { try read { try $0.reportingCurrency() } }

    /// Appends to the audit log, in a transaction of its own.
    @discardableResult
    public func recordAudit(
        action: String, subject: String, actor: String, detail: String, document: String? = nil, at: Int64
    ) throws -> Int64 {
        try write {
            try $0.recordAudit(
                AuditEntry(at: at, action: action, subject: subject, actor: actor, detail: detail, document: document))
        }
    }

    /// Every counting order up to the end of `through`, sorted by customer, then time.
    public func orderFacts(through: Day) throws -> [OrderFact] {
        var facts: [OrderFact] = []
        try forEachOrderFact(through: through) { facts.append($0) }
        return facts
    }
}

extension StoreTransaction {
    public func customerExists(_ id: CustomerID) throws -> Bool { try customer(id) != nil }
}
