import Foundation

/// The orders and sign-ups of a chunk whose loyalty points may have changed: noted as events
/// are applied (cheap, in memory), settled at the chunk's end by the active programme.
struct LoyaltyBook {
    /// Each touched order's latest record and the time of its latest change, in first-touch order.
    var orders: [ExternalRef: (order: OrderRecord, at: Int64)] = [:]
    var touched: [ExternalRef] = []
    /// Customers a touched order belonged to before it moved to another one.
    var formerOwners: [ExternalRef: Set<CustomerID>] = [:]
    /// Orders that were new to the store when the chunk first touched them: no ledger holds an
    /// entry for them, so settling them needs no ledger read.
    var fresh: Set<ExternalRef> = []
    /// New orders that gave a referral code, with the code.
    var referrals: [ExternalRef: String] = [:]
    /// Customers that stated an account (`customer.upserted`), with the time of the first.
    var signups: [CustomerID: Int64] = [:]
    var signupOrder: [CustomerID] = []
    /// Customers the chunk created (their ledgers are empty) and those it merged others into
    /// (whose ledgers then hold the merged entries).
    var created: Set<CustomerID> = []
    var mergedInto: Set<CustomerID> = []

    var isEmpty: Bool { touched.isEmpty && signupOrder.isEmpty }

    mutating func note(_ order: OrderRecord, at: Int64, new: Bool = false, movedFrom previous: CustomerID? = nil) {
        if orders.updateValue((order, at), forKey: order.ref) == nil {
            touched.append(order.ref)
            if new { fresh.insert(order.ref) }
        }
        if let previous, previous != order.customerID { formerOwners[order.ref, default: []].insert(previous) }
    }

    mutating func signup(_ customer: CustomerID, at: Int64) {
        guard signups[customer] == nil else { return }
        signups[customer] = at
        signupOrder.append(customer)
    }

    /// `other` was merged into `winner`: what named it names the survivor.
    mutating func merged(_ other: CustomerID, into winner: CustomerID) {
        mergedInto.insert(winner)
        for ref in touched where orders[ref]?.order.customerID == other { orders[ref]?.order.customerID = winner }
        for (ref, owners) in formerOwners where owners.contains(other) {
            formerOwners[ref] = Set(owners.map { $0 == other ? winner : $0 })
        }
        if let at = signups.removeValue(forKey: other) {
            signupOrder.removeAll { $0 == other }
            signup(winner, at: at)
        }
    }

    mutating func forget() {
        orders.removeAll(keepingCapacity: true)
        touched.removeAll(keepingCapacity: true)
        formerOwners.removeAll(keepingCapacity: true)
        signups.removeAll(keepingCapacity: true)
        signupOrder.removeAll(keepingCapacity: true)
        fresh.removeAll(keepingCapacity: true)
        referrals.removeAll(keepingCapacity: true)
        created.removeAll(keepingCapacity: true)
        mergedInto.removeAll(keepingCapacity: true)
    }

    /// The customers whose stored ledgers settling reads: owners of orders the store held
    /// before the chunk, former owners, merge survivors, and customers signing up who existed
    /// before the chunk. A new order of a new customer (the bulk of a history import) reads none.
    var ledgersToRead: [CustomerID] {
        var read = Set<CustomerID>()
        for ref in touched {
            let owner = orders[ref]!.order.customerID
            if !fresh.contains(ref) || mergedInto.contains(owner) { read.insert(owner) }
            if let former = formerOwners[ref] { read.formUnion(former) }
        }
        for id in signupOrder where !created.contains(id) || mergedInto.contains(id) { read.insert(id) }
        for (ref, code) in referrals {
            read.insert(orders[ref]!.order.customerID)
            if let referrer = ReferralCode.customer(fromCode: code) { read.insert(referrer) }
        }
        return read.sorted()
    }
}

/// Loyalty points as events arrive: at each chunk's end, every order the chunk placed, changed,
/// refunded or cancelled is settled to the points the active programme gives it now
/// (``LoyaltyLedger/settle(orderRef:points:at:availableAt:expiresAt:)``: more points when it
/// grew, a reversal when it shrank), an order that moved to another customer is settled to 0 on
/// its former owner's ledger, and a customer who stated an account gets the `signup` action's
/// points once. Settling is idempotent, so replaying events changes nothing; with no active
/// programme (or one without a programme read into it) nothing is written.
extension Ingestor.Batch {
    /// The active programme, read once per batch.
    mutating func loyaltyProgram() throws -> LoyaltyProgram? {
        if let loaded = loyaltyProgramLoaded { return loaded }
        let program = try transaction.loyaltyRules()?.program
        loyaltyProgramLoaded = .some(program)
        return program
    }

    mutating func settleLoyalty() throws {
        guard !loyaltyBook.isEmpty else { return }
        defer { loyaltyBook.forget() }
        guard let program = try loyaltyProgram() else { return }
        let book = loyaltyBook
        var ledgers: [CustomerID: LoyaltyLedger] = [:]
        let read = book.ledgersToRead
        for (id, entries) in read.isEmpty ? [:] : try transaction.loyaltyEntries(ofCustomers: read) {
            ledgers[id] = LoyaltyLedger(customerID: id, entries: entries)
        }
        func ledger(_ id: CustomerID) -> LoyaltyLedger { ledgers[id] ?? LoyaltyLedger(customerID: id) }
        var added: [LoyaltyEntry] = []
        /// Changes a ledger in place (a copy taken out and put back copied its entries at every
        /// append: a third of the time settling took).
        func change(_ id: CustomerID, _ body: (inout LoyaltyLedger) throws -> [LoyaltyEntry]) rethrows {
            added += try body(&ledgers[id, default: LoyaltyLedger(customerID: id)])
        }
        for ref in book.touched {
            let (order, at) = book.orders[ref]!
            let orderRef = ref.source + ":" + ref.id
            for former in (book.formerOwners[ref] ?? []).sorted() where former != order.customerID {
                try change(former) { try $0.settle(orderRef: orderRef, points: 0, at: at, expiresAt: nil) }
            }
            let points = program.points(for: order, customerTags: try load(order.customerID).tags)
            try change(order.customerID) {
                try $0.settle(
                    orderRef: orderRef, points: points, at: at,
                    availableAt: program.availableAt(orderPlacedAt: order.placedAt),
                    expiresAt: program.expiry.expiresAt(earnedAt: at))
            }
        }
        if let rule = program.actions["signup"], rule.points > 0 {
            for id in book.signupOrder {
                // Once per person: a survivor of a merge keeps what both had, and earns no more.
                guard !(ledgers[id]?.entries.contains(where: { $0.kind == .earn && $0.reason == "signup" }) ?? false)
                else { continue }
                let at = book.signups[id]!
                try change(id) {
                    try $0.earn(
                        key: "signup:\(id.rawValue)", points: rule.points, at: at,
                        expiresAt: program.expiry.expiresAt(earnedAt: at), reason: "signup")
                }
            }
        }
        if let rule = program.referral {
            for ref in book.touched {
                guard let code = book.referrals[ref] else { continue }
                let (order, at) = book.orders[ref]!
                let referee = order.customerID
                // A customer's first order (placed first of their counting orders, whatever the
                // chunks), a code naming someone else who exists: once per
                // referred customer, both sides (identity resolution has already made one
                // customer of the same email or phone, so that is self-referral too).
                guard let referrer = ReferralCode.customer(fromCode: code), referrer != referee,
                    order.status.counts, try load(referee).aggregates.firstOrderAt == order.placedAt,
                    try transaction.customerExists(referrer)
                else { continue }
                let referrerKey = "referrer:\(referrer.rawValue):\(referee.rawValue)"
                guard !ledger(referee).contains(key: "referral:\(referee.rawValue)"),
                    !ledger(referrer).contains(key: referrerKey)
                else { continue }
                let expires = program.expiry.expiresAt(earnedAt: at)
                if rule.refereePoints > 0 {
                    try change(referee) {
                        try $0.earn(
                            key: "referral:\(referee.rawValue)", points: rule.refereePoints, at: at, expiresAt: expires,
                            reason: "referral", orderRef: nil)
                    }
                }
                if rule.referrerPoints > 0 {
                    try change(referrer) {
                        try $0.earn(
                            key: referrerKey, points: rule.referrerPoints, at: at, expiresAt: expires,
                            reason: "referral")
                    }
                }
            }
        }
        try transaction.appendLoyaltyEntries(added)
    }
}
