import Foundation

/// Applies ingest events to a store: one transaction per batch, each event id once, identity
/// resolved, per-customer aggregates kept up to date.
///
/// Identity resolution is described on ``CustomerIdentity``. Money must all be in one currency:
/// the first order fixes the store's reporting currency, and an event in another currency is an
/// error (converting would need exchange rates the kernel does not have).
public struct Ingestor<S: Store>: Sendable {
    public let store: S

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
            var batch = Batch(transaction: transaction)
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

    /// Events are marked applied in chunks of this many, one statement per chunk.
    static var chunkSize: Int { 512 }

    /// The state of one batch: caches of customers touched, flushed at the end.
    struct Batch {
        let transaction: S.Transaction
        var report = IngestReport()
        var customers: [CustomerID: CustomerRecord] = [:]
        var dirty: Set<CustomerID> = []
        var refCache: [ExternalRef: CustomerID] = [:]
        var currency: CurrencyCode?
        var currencyLoaded = false

        init(transaction: S.Transaction) { self.transaction = transaction }

        /// Applies a chunk: marks the ids applied in one go, then applies the new events in order.
        mutating func apply(_ chunk: [IngestEvent]) throws {
            guard !chunk.isEmpty else { return }
            let fresh = try transaction.markApplied(chunk.map { $0.source + ":" + $0.id })
            for (event, isNew) in zip(chunk, fresh) {
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
            case .customerErased(let identity):
                try erase(identity, source: event.source, at: at)
            case .ticketUpdated(let ticket):
                try updateTicket(ticket, source: event.source, at: at)
            }
            report.applied[event.type, default: 0] += 1
        }

        // MARK: Customers

        mutating func load(_ id: CustomerID) throws -> CustomerRecord {
            if let cached = customers[id] { return cached }
            guard let record = try transaction.customer(id) else {
                throw PatronError(.notFound, "customer \(id) vanished from the store")
            }
            customers[id] = record
            return record
        }

        /// Changes a cached customer in place (no copy of the record) and marks it for the flush.
        mutating func modify(_ id: CustomerID, _ change: (inout CustomerRecord) -> Void) throws {
            if customers[id] == nil { _ = try load(id) }
            change(&customers[id]!)
            dirty.insert(id)
        }

        /// Keeps `customer` for the end-of-batch flush (aggregate and consent changes).
        mutating func store(_ customer: CustomerRecord) {
            customers[customer.id] = customer
            dirty.insert(customer.id)
        }

        /// Writes `customer` at once (identity fields changed: later lookups must see it).
        mutating func storeNow(_ customer: CustomerRecord) throws {
            customers[customer.id] = customer
            dirty.remove(customer.id)
            try transaction.updateCustomer(customer)
        }

        mutating func flush() throws {
            for id in dirty.sorted() {
                if let customer = customers[id] { try transaction.updateCustomer(customer) }
            }
            dirty.removeAll()
        }

        mutating func lookup(_ ref: ExternalRef) throws -> CustomerID? {
            if let id = refCache[ref] { return id }
            let id = try transaction.customerID(ref: ref)
            if let id { refCache[ref] = id }
            return id
        }

        func refs(_ identity: CustomerIdentity, source: String) -> [ExternalRef] {
            identity.refs.map { $0.source.isEmpty ? ExternalRef(source: source, id: $0.id) : $0 }
        }

        /// Finds the customer an identity names, merging customers that turn out to be one person,
        /// or creates one. See ``CustomerIdentity`` for the rule.
        mutating func resolve(_ identity: CustomerIdentity, source: String, at: Int64) throws -> CustomerID {
            // The common case (an order naming a customer already seen by its one ref) needs no
            // normalisation, no store lookup and no copy of the record.
            if identity.email == nil, identity.phone == nil, identity.refs.count == 1 {
                let only = identity.refs[0]
                let ref = only.source.isEmpty ? ExternalRef(source: source, id: only.id) : only
                if let id = refCache[ref], customers[id]?.primaryRef != nil { return id }
            }
            let refs = refs(identity, source: source)
            let email = identity.normalizedEmail
            let phone = identity.normalizedPhone
            var matches: [CustomerID] = []
            for ref in refs {
                if let id = try lookup(ref), !matches.contains(id) { matches.append(id) }
            }
            if let email, let id = try customerID(email: email), !matches.contains(id) {
                matches.append(id)
            }
            if let phone, let id = try customerID(phone: phone), !matches.contains(id) {
                matches.append(id)
            }
            guard let winner = matches.first else {
                let record = CustomerRecord(
                    id: CustomerID(0), primaryRef: refs.first, email: email, phone: phone ?? identity.phone,
                    createdAt: at)
                let id = try transaction.insertCustomer(record)
                var inserted = record
                inserted.id = id
                customers[id] = inserted
                for ref in refs {
                    try transaction.attach(ref: ref, to: id)
                    refCache[ref] = id
                }
                report.customersCreated += 1
                return id
            }
            for other in matches.dropFirst() { try merge(other, into: winner, at: at) }
            for ref in refs where try lookup(ref) == nil {
                try transaction.attach(ref: ref, to: winner)
                refCache[ref] = winner
            }
            var customer = try load(winner)
            var changed = false
            if customer.primaryRef == nil, let first = refs.first {
                customer.primaryRef = first
                changed = true
            }
            if customer.email == nil, let email {
                customer.email = email
                changed = true
            }
            if customer.phone.flatMap(ContactNormalizer.phone) == nil, let phone {
                customer.phone = phone
                changed = true
            }
            if changed { try storeNow(customer) }
            return winner
        }

        /// Merges `other` into `winner`: children move, the profile is completed, aggregates recomputed.
        mutating func merge(_ other: CustomerID, into winner: CustomerID, at: Int64) throws {
            let loser = try load(other)
            var survivor = try load(winner)
            survivor.absorb(loser)
            try flush()
            // The loser's email and phone still name this person: keep them as secondary keys
            // (refs move with the merge), so a later event naming only them finds the survivor.
            if let email = loser.email, email != survivor.email {
                try transaction.attach(ref: ExternalRef(source: IdentityKey.emailSource, id: email), to: other)
            }
            if let phone = loser.phone.flatMap(ContactNormalizer.phone), phone != survivor.phone {
                try transaction.attach(ref: ExternalRef(source: IdentityKey.phoneSource, id: phone), to: other)
            }
            try transaction.reassign(from: other, into: winner, at: at)
            customers[other] = nil
            dirty.remove(other)
            refCache.removeAll()
            survivor.aggregates = try recomputedAggregates(winner)
            try storeNow(survivor)
            report.customersMerged += 1
        }

        func recomputedAggregates(_ id: CustomerID) throws -> CustomerAggregates {
            CustomerAggregates.recompute(
                orders: try transaction.orders(of: id), carts: try transaction.carts(of: id),
                tickets: try transaction.tickets(of: id))
        }

        mutating func upsertCustomer(_ upsert: CustomerUpsert, source: String, at: Int64) throws {
            // A stated email replaces the old one, which may belong to another customer: the
            // identity match (and merge) happens first, then the profile is written.
            let id = try resolve(upsert.identity, source: source, at: at)
            var customer = try load(id)
            let identityBefore = (customer.email, customer.phone)
            if let email = upsert.identity.normalizedEmail { customer.email = email }
            if let phone = upsert.identity.phone {
                // A number without a country code never replaces one that can be matched.
                if let e164 = ContactNormalizer.phone(phone) {
                    customer.phone = e164
                } else if customer.phone.flatMap(ContactNormalizer.phone) == nil {
                    customer.phone = phone
                }
            }
            if let value = upsert.firstName { customer.firstName = value }
            if let value = upsert.lastName { customer.lastName = value }
            if let value = upsert.country { customer.country = value.uppercased() }
            if let value = upsert.timeZone { customer.timeZone = value }
            if let value = upsert.birthday { customer.birthday = value }
            if let value = upsert.tags { customer.tags = value }
            if let created = upsert.createdAt { customer.createdAt = min(customer.createdAt, created) }
            // Email and phone are lookup keys: later events of the batch must find them in the store.
            if identityBefore != (customer.email, customer.phone) { try storeNow(customer) } else { store(customer) }
        }

        /// Erases every customer the identity matches (by any ref, the email or the phone, also
        /// as secondary keys kept from merges): personal data must not survive on a second record.
        mutating func erase(_ identity: CustomerIdentity, source: String, at: Int64) throws {
            var ids: [CustomerID] = []
            func add(_ id: CustomerID?) {
                if let id, !ids.contains(id) { ids.append(id) }
            }
            for ref in refs(identity, source: source) { add(try lookup(ref)) }
            if let email = identity.normalizedEmail { add(try customerID(email: email)) }
            if let phone = identity.normalizedPhone { add(try customerID(phone: phone)) }
            guard !ids.isEmpty else {
                report.erasuresOfUnknown += 1
                return
            }
            for id in ids {
                var customer = try load(id)
                customer.erasePersonalData(at: at)
                try storeNow(customer)
                try transaction.detachRefs(of: id)
                for var ticket in try transaction.tickets(of: id) {
                    ticket.subject = ""
                    try transaction.updateTicket(ticket)
                }
            }
            refCache.removeAll()
        }

        /// The customer with this normalised email: as the profile's email, or kept as a
        /// secondary key when two customers with different emails were merged.
        mutating func customerID(email: String) throws -> CustomerID? {
            if let id = try transaction.customerID(email: email) { return id }
            return try lookup(ExternalRef(source: IdentityKey.emailSource, id: email))
        }

        /// The customer with this E.164 phone (profile or secondary key).
        mutating func customerID(phone: String) throws -> CustomerID? {
            if let id = try transaction.customerID(phone: phone) { return id }
            return try lookup(ExternalRef(source: IdentityKey.phoneSource, id: phone))
        }

        // MARK: Money

        mutating func checkCurrency(_ given: CurrencyCode, field: String) throws {
            if !currencyLoaded {
                currency = try transaction.reportingCurrency()
                currencyLoaded = true
            }
            if let currency {
                guard currency == given else {
                    throw PatronError(
                        .conflict,
                        "currency \(given) differs from the store's currency \(currency) "
                            + "(one currency per store; converting needs exchange rates)",
                        at: InputLocation(field: field))
                }
            } else {
                try transaction.setReportingCurrency(given)
                currency = given
            }
        }

        // MARK: Orders

        mutating func placeOrUpdate(_ data: OrderData, source: String, at: Int64) throws {
            try checkCurrency(data.currency, field: "order.currency")
            let customerID = try resolve(data.customer, source: source, at: at)
            let ref = ExternalRef(source: source, id: data.ref)
            let record = OrderRecord(
                id: OrderID(0), ref: ref, customerID: customerID, placedAt: data.placedAt, currency: data.currency,
                totalMinor: data.totalMinor, lines: data.lines, updatedAt: at)
            if try transaction.insertOrder(record) != nil {
                try modify(customerID) { $0.aggregates.add(orderAt: data.placedAt, netMinor: data.totalMinor) }
            } else {
                var existing = try existingOrder(ref, field: "order.id")
                guard at >= existing.updatedAt else { return }  // a stale update arriving late
                guard data.totalMinor >= existing.refundedMinor else {
                    throw PatronError(
                        .conflict, "order total is below what was already refunded",
                        at: InputLocation(field: "order.total"))
                }
                let previousCustomer = existing.customerID
                existing.customerID = customerID
                existing.placedAt = data.placedAt
                existing.totalMinor = data.totalMinor
                let linesChanged = existing.lines != data.lines
                existing.lines = data.lines
                existing.updatedAt = at
                try transaction.updateOrder(existing, linesChanged: linesChanged)
                try refreshOrders(of: customerID)
                if previousCustomer != customerID { try refreshOrders(of: previousCustomer) }
            }
            if let cartRef = data.cartRef,
                var cart = try transaction.cart(ref: ExternalRef(source: source, id: cartRef)),
                cart.status == .open
            {
                cart.status = .converted
                cart.updatedAt = max(cart.updatedAt, at)
                try transaction.updateCart(cart)
                try refreshCarts(of: cart.customerID)
            }
        }

        mutating func refreshOrders(of id: CustomerID) throws {
            var customer = try load(id)
            var fresh = CustomerAggregates()
            for order in try transaction.countingOrders(of: id) {
                fresh.add(orderAt: order.placedAt, netMinor: order.netMinor)
            }
            customer.aggregates.orderCount = fresh.orderCount
            customer.aggregates.revenueMinor = fresh.revenueMinor
            customer.aggregates.firstOrderAt = fresh.firstOrderAt
            customer.aggregates.lastOrderAt = fresh.lastOrderAt
            store(customer)
        }

        func existingOrder(_ ref: ExternalRef, field: String) throws -> OrderRecord {
            guard let order = try transaction.order(ref: ref) else {
                throw PatronError(
                    .notFound, "unknown order '\(ref.id)' from \(ref.source)", at: InputLocation(field: field))
            }
            return order
        }

        mutating func cancel(_ ref: ExternalRef, at: Int64) throws {
            var order = try existingOrder(ref, field: "order.id")
            guard order.status != .cancelled else { return }
            order.status = .cancelled
            order.updatedAt = max(order.updatedAt, at)
            try transaction.updateOrder(order, linesChanged: false)
            var customer = try load(order.customerID)
            if order.placedAt == customer.aggregates.firstOrderAt || order.placedAt == customer.aggregates.lastOrderAt {
                try refreshOrders(of: order.customerID)  // the first or last order changed: look again
            } else {
                customer.aggregates.orderCount -= 1
                customer.aggregates.revenueMinor -= order.netMinor
                store(customer)
            }
        }

        mutating func applyRefund(_ refund: RefundData, source: String, at: Int64) throws {
            try checkCurrency(refund.currency, field: "refund.currency")
            var order = try existingOrder(ExternalRef(source: source, id: refund.orderRef), field: "refund.order_id")
            guard order.refundedMinor + refund.amountMinor <= order.totalMinor else {
                let digits = refund.currency.minorUnitDigits
                throw PatronError(
                    .conflict,
                    "refunds of \(Money.decimalString(order.refundedMinor + refund.amountMinor, digits: digits)) "
                        + "exceed the order total \(Money.decimalString(order.totalMinor, digits: digits))",
                    at: InputLocation(field: "refund.amount"))
            }
            order.refundedMinor += refund.amountMinor
            order.updatedAt = max(order.updatedAt, at)
            try transaction.updateOrder(order, linesChanged: false)
            if order.status.counts {
                var customer = try load(order.customerID)
                customer.aggregates.revenueMinor -= refund.amountMinor
                store(customer)
            }
        }

        // MARK: Carts and tickets

        mutating func updateCart(_ data: CartData, source: String, at: Int64) throws {
            try checkCurrency(data.currency, field: "cart.currency")
            let customerID = try resolve(data.customer, source: source, at: at)
            let ref = ExternalRef(source: source, id: data.ref)
            var previousCustomer: CustomerID?
            if var cart = try transaction.cart(ref: ref) {
                guard at >= cart.updatedAt else { return }
                previousCustomer = cart.customerID
                cart.customerID = customerID
                cart.valueMinor = data.valueMinor
                cart.lines = data.lines
                cart.status = data.status
                cart.updatedAt = at
                try transaction.updateCart(cart)
            } else {
                _ = try transaction.insertCart(
                    CartRecord(
                        id: CartID(0), ref: ref, customerID: customerID, currency: data.currency,
                        valueMinor: data.valueMinor, status: data.status, lines: data.lines, updatedAt: at))
            }
            try refreshCarts(of: customerID)
            if let previousCustomer, previousCustomer != customerID { try refreshCarts(of: previousCustomer) }
        }

        mutating func refreshCarts(of id: CustomerID) throws {
            var customer = try load(id)
            let fresh = CustomerAggregates.recompute(
                orders: [OrderRecord](), carts: try transaction.carts(of: id), tickets: [TicketRecord]())
            customer.aggregates.openCartCount = fresh.openCartCount
            customer.aggregates.openCartValueMinor = fresh.openCartValueMinor
            customer.aggregates.lastCartActivityAt = fresh.lastCartActivityAt
            store(customer)
        }

        mutating func updateTicket(_ data: TicketData, source: String, at: Int64) throws {
            let customerID = try resolve(data.customer, source: source, at: at)
            let ref = ExternalRef(source: source, id: data.ref)
            var previousCustomer: CustomerID?
            if var ticket = try transaction.ticket(ref: ref) {
                guard at >= ticket.updatedAt else { return }
                previousCustomer = ticket.customerID
                ticket.customerID = customerID
                ticket.subject = data.subject
                ticket.status = data.status
                ticket.updatedAt = at
                try transaction.updateTicket(ticket)
            } else {
                _ = try transaction.insertTicket(
                    TicketRecord(
                        id: TicketID(0), ref: ref, customerID: customerID, subject: data.subject, status: data.status,
                        openedAt: at, updatedAt: at))
            }
            try refreshTickets(of: customerID)
            if let previousCustomer, previousCustomer != customerID { try refreshTickets(of: previousCustomer) }
        }

        mutating func refreshTickets(of id: CustomerID) throws {
            let fresh = CustomerAggregates.recompute(
                orders: [OrderRecord](), carts: [CartRecord](), tickets: try transaction.tickets(of: id))
            try modify(id) {
                $0.aggregates.openTicketCount = fresh.openTicketCount
                $0.aggregates.lastTicketAt = fresh.lastTicketAt
            }
        }
    }
}

extension CustomerRecord {
    /// Completes this profile with what `other` (the same person) knows and this one does not.
    public mutating func absorb(_ other: CustomerRecord) {
        primaryRef = primaryRef ?? other.primaryRef
        email = email ?? other.email
        if phone.flatMap(ContactNormalizer.phone) == nil, let otherPhone = other.phone { phone = otherPhone }
        firstName = firstName ?? other.firstName
        lastName = lastName ?? other.lastName
        country = country ?? other.country
        timeZone = timeZone ?? other.timeZone
        birthday = birthday ?? other.birthday
        for tag in other.tags where !tags.contains(tag) { tags.append(tag) }
        createdAt = min(createdAt, other.createdAt)
        for channel in ConsentChannel.allCases {
            if let at = other.consent[channel].at {
                consent.apply(other.consent[channel].status, channel: channel, at: at)
            }
        }
    }

    /// Forgets everything that identifies the person; orders stay, anonymous.
    public mutating func erasePersonalData(at: Int64) {
        primaryRef = nil
        email = nil
        phone = nil
        firstName = nil
        lastName = nil
        birthday = nil
        timeZone = nil
        tags = []
        consent = ConsentState(
            email: ConsentEntry(status: .revoked, at: at), sms: ConsentEntry(status: .revoked, at: at))
        erasedAt = at
    }
}
