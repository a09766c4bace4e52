import Foundation

/// Applies ingest events to a store: one transaction per batch, each event id once, identity
/// resolved, per-customer aggregates kept up to date.
///
/// Identity resolution is described on ``CustomerIdentity``. Money must all be in one currency:
/// the first order fixes the store's reporting currency, and an event in another currency is an
/// error (converting would need exchange rates the kernel does not have).
public struct Ingestor<S: Store>: Sendable {
    public let store: S
    /// `false` applies events one at a time with no look-ahead and no deferred writes: the
    /// reference the set-based path (the default) is tested against.
    package var setBased = true

    public init(store: S) { self.store = store }

    /// Applies `events` in one transaction. On any error nothing of the batch remains, and the
    /// error names the event's origin.
    @discardableResult
    public func ingest(_ events: some Sequence<IngestEvent>) throws -> IngestReport {
        var iterator = events.makeIterator()
        return try ingest { iterator.next() }
    }

    /// Applies the events `next` yields until it returns `nil`, in one transaction. Errors thrown
    /// by `next` (a parse error on line 12) roll the batch back too.
    @discardableResult
    public func ingest(_ next: () throws -> IngestEvent?) throws -> IngestReport {
        try store.write { transaction in
            var batch = Batch(transaction: transaction, setBased: setBased)
            var chunk: [IngestEvent] = []
            chunk.reserveCapacity(Self.chunkSize)
            var exhausted = false
            while !exhausted {
                chunk.removeAll(keepingCapacity: true)
                while chunk.count < Self.chunkSize {
                    guard let event = try next() else {
                        exhausted = true
                        break
                    }
                    chunk.append(event)
                }
                try batch.apply(chunk)
            }
            try batch.flush()
            return batch.report
        }
    }

    /// Applies `events` inside a transaction the caller holds, for a use case that writes more
    /// in the same transaction (a privacy request and its audit entry, a delivery's mark).
    public func ingest(_ events: [IngestEvent], in transaction: S.Transaction) throws -> IngestReport {
        var batch = Batch(transaction: transaction, setBased: setBased)
        var start = 0
        while start < events.count {
            let end = min(start + Self.chunkSize, events.count)
            try batch.apply(Array(events[start..<end]))
            start = end
        }
        try batch.flush()
        return batch.report
    }

    /// Applies independent groups of events (one webhook delivery each, say) in one transaction:
    /// group commit, so that many small deliveries cost one commit. Each group gets its own
    /// report. On any error nothing of any group remains; the caller can then apply the groups
    /// one by one to find the one at fault.
    public func ingest(groups: [[IngestEvent]]) throws -> [IngestReport] {
        try store.write { transaction in
            var batch = Batch(transaction: transaction, setBased: setBased)
            var reports = [IngestReport](repeating: IngestReport(), count: groups.count)
            // The groups' events share chunks (one set of lookups and writes for many small
            // deliveries), each event counted in its own group's report.
            var events: [IngestEvent] = []
            var owners: [Int] = []
            for (index, group) in groups.enumerated() {
                events += group
                owners += repeatElement(index, count: group.count)
            }
            var start = 0
            while start < events.count {
                let end = min(start + Self.chunkSize, events.count)
                try batch.apply(Array(events[start..<end]), owners: Array(owners[start..<end]), into: &reports)
                start = end
            }
            try batch.flush()
            return reports
        }
    }

    /// Events are marked applied, looked up and written in chunks of this many.
    static var chunkSize: Int { 1024 }

    /// The state of one batch: caches of customers touched, flushed at the end.
    struct Batch {
        let transaction: S.Transaction
        var report = IngestReport()
        var customers: [CustomerID: CustomerRecord] = [:]
        var dirty: Set<CustomerID> = []
        /// The dirty customers with more than aggregates changed (``store(_:)``): ``flush()``
        /// writes them whole, the other dirty ones (``modify(_:_:)``)
        /// as aggregates.
        var profileDirty: Set<CustomerID> = []
        var refCache: [ExternalRef: CustomerID] = [:]
        var currency: CurrencyCode?
        var currencyLoaded = false
        /// What the chunk's lookups found absent, and the contacts they found.
        var keys = BatchKeys()
        /// New orders not yet written, in the order placed, and the refs of the chunk's orders
        /// the store was found not to hold.
        var pendingOrders: [OrderRecord] = []
        /// Each pending order's place in `pendingOrders`: a change to one (an update, a
        /// cancellation, a refund) is made there, in memory, and written with the insert.
        var pendingRefs: [ExternalRef: Int] = [:]
        var pendingCustomers: Set<CustomerID> = []
        var newOrderRefs: Set<ExternalRef> = []
        /// New customers numbered from the store's next id but not written yet (their records
        /// are in `customers`), the refs and consent statements not written yet: all written
        /// together at the chunk's end, or before anything reads customers or refs from the
        /// store (``flushIdentity()``).
        var newCustomers: [CustomerID] = []
        var newCustomerSet: Set<CustomerID> = []
        var nextCustomer: CustomerID?
        var pendingAttaches: [(ref: ExternalRef, customer: CustomerID)] = []
        var pendingConsents: [(statement: ConsentStatement, customer: CustomerID)] = []
        /// The chunk's carts (``CartBook``).
        var cartBook = CartBook()
        /// The chunk's orders and sign-ups whose points may change (``LoyaltyBook``), and the
        /// active loyalty programme once read (`.some(nil)`: none).
        var loyaltyBook = LoyaltyBook()
        var loyaltyProgramLoaded: LoyaltyProgram??
        /// Sets (the default) or one event at a time: the reference the set path is tested against.
        let setBased: Bool

        init(transaction: S.Transaction, setBased: Bool) {
            self.transaction = transaction
            self.setBased = setBased
        }

        /// Applies a chunk: marks the ids applied in one go, then applies the new events in order.
        mutating func apply(_ chunk: [IngestEvent]) throws {
            var reports = [report]
            try apply(chunk, owners: nil, into: &reports)
            report = reports[0]
        }

        /// Applies a chunk whose events belong to groups (`owners[i]` is the group of
        /// `chunk[i]`, its report `reports[owners[i]]`); without owners, all to `reports[0]`.
        mutating func apply(_ chunk: [IngestEvent], owners: [Int]?, into reports: inout [IngestReport]) throws {
            guard !chunk.isEmpty else { return }
            let fresh = try transaction.markApplied(chunk.map { $0.source + ":" + $0.id })
            if setBased {
                try prefetch(chunk, fresh: fresh)
                try prefetchCarts(chunk, fresh: fresh)
            }
            for (index, (event, isNew)) in zip(chunk, fresh).enumerated() {
                let owner = owners?[index] ?? 0
                report = reports[owner]
                defer { reports[owner] = report }
                guard isNew else {
                    report.duplicates += 1
                    continue
                }
                do {
                    try event.validate()
                    try apply(event)
                } catch let error as PatronError {
                    throw error.located(event.origin)
                }
            }
            try flushIdentity()
            try flushCarts()
            cartBook.forget()
            try flushOrders()
            try settleLoyalty()
        }

        mutating func apply(_ event: IngestEvent) throws {
            let at = event.occurredAt
            switch event.kind {
            case .customerUpserted(let upsert):
                try upsertCustomer(upsert, source: event.source, at: at)
            case .orderPlaced(let order), .orderUpdated(let order):
                try placeOrUpdate(order, source: event.source, at: at)
            case .orderCancelled(let ref):
                try cancel(ExternalRef(source: event.source, id: ref), at: at)
            case .orderRefunded(let refund):
                try applyRefund(refund, source: event.source, at: at)
            case .cartUpdated(let cart):
                try updateCart(cart, source: event.source, at: at)
            case .consentChanged(let change):
                let id = try resolve(change.customer, source: event.source, at: at)
                var customer = try load(id)
                customer.consent.apply(change.status, channel: change.channel, at: at)
                store(customer)
                try recordConsent(
                    ConsentStatement(
                        channel: change.channel, status: change.status, at: at, source: event.source,
                        evidence: change.evidence ?? "event \(event.id)"), of: id)
            case .contactPointChanged(let change):
                let id = try resolve(change.customer, source: event.source, at: at)
                var customer = try load(id)
                customer.contactPoints.removeAll { $0.channel == change.channel && $0.address == change.address }
                if change.added {
                    customer.contactPoints.append(
                        ContactPoint(channel: change.channel, address: change.address, addedAt: at))
                }
                // Subscribing is the opt-in; the last subscription gone ends it.
                let status: ConsentStatus? =
                    change.added
                    ? .granted : customer.contactPoint(for: change.channel) == nil ? .unsubscribed : nil
                if let status {
                    customer.consent.apply(status, channel: change.channel, at: at)
                    try recordConsent(
                        ConsentStatement(
                            channel: change.channel, status: status, at: at, source: event.source,
                            evidence:
                                "\(change.added ? "contact point added" : "contact point removed"), event \(event.id)"
                        ), of: id)
                }
                store(customer)
            case .customerErased(let identity):
                try erase(identity, source: event.source, at: at)
            case .ticketUpdated(let ticket):
                try updateTicket(ticket, source: event.source, at: at)
            case .mailReceived(let mail):
                _ = try receive(mail, source: event.source)
            case .productUpdated(let product):
                try updateProduct(product, source: event.source, at: at)
            case .productDeleted(let ref):
                try deleteProduct(ref: ref, source: event.source, at: at)
            }
            report.applied[event.type, default: 0] += 1
        }
    }
}
