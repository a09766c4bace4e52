import Foundation

/// Identity resolution, merges, profiles and erasure within a batch.
extension Ingestor.Batch {
    mutating func load(_ id: CustomerID) throws -> CustomerRecord {
        if let cached = customers[id] { return cached }
        guard let record = try transaction.customer(id) else {
            throw PatronError(.notFound, "customer \(id) vanished from the store")
        }
        customers[id] = record
        return record
    }

    /// Changes a cached customer's aggregates in place (no copy of the record) and marks them
    /// for the flush, which writes them alone when nothing else of the record changed.
    mutating func modify(_ id: CustomerID, _ change: (inout CustomerAggregates) -> Void) throws {
        if customers[id] == nil { _ = try load(id) }
        change(&customers[id]!.aggregates)
        dirty.insert(id)
    }

    /// Keeps `customer` for the end-of-batch flush, written whole (a profile or consent change);
    /// an unchanged record is not marked.
    mutating func store(_ customer: CustomerRecord) {
        if customers[customer.id] == customer { return }
        customers[customer.id] = customer
        dirty.insert(customer.id)
        profileDirty.insert(customer.id)
    }

    /// Writes `customer` at once (identity fields changed: later lookups must see it). A new
    /// customer not written yet is written with its latest record by ``flushIdentity()``, which
    /// every lookup in the store runs first.
    mutating func storeNow(_ customer: CustomerRecord) throws {
        if let before = customers[customer.id], before.email != customer.email || before.phone != customer.phone {
            keys.forgetContacts()
        }
        customers[customer.id] = customer
        dirty.remove(customer.id)
        profileDirty.remove(customer.id)
        if newCustomerSet.contains(customer.id) { return }
        try transaction.updateCustomer(customer)
    }

    /// Writes the new customers, refs and consent statements the batch holds, each set in as
    /// few statements as the store can: before anything reads customers or refs from the store,
    /// and at each chunk's end.
    mutating func flushIdentity() throws {
        if !newCustomers.isEmpty {
            try transaction.insertNewCustomers(newCustomers.compactMap { customers[$0] })
            for id in newCustomers {
                dirty.remove(id)
                profileDirty.remove(id)
            }
            newCustomers.removeAll(keepingCapacity: true)
            newCustomerSet.removeAll(keepingCapacity: true)
        }
        if !pendingAttaches.isEmpty {
            try transaction.attach(pendingAttaches)
            pendingAttaches.removeAll(keepingCapacity: true)
        }
        if !pendingConsents.isEmpty {
            try transaction.recordConsents(pendingConsents)
            pendingConsents.removeAll(keepingCapacity: true)
        }
    }

    /// A customer's id for a new record: the store's next, then counted on in memory (the
    /// batch is the store's only writer).
    mutating func newCustomerID() throws -> CustomerID {
        let id = try nextCustomer ?? transaction.nextCustomerID()
        nextCustomer = CustomerID(id.rawValue + 1)
        loyaltyBook.created.insert(id)
        return id
    }

    /// Attaches a ref now (one event at a time) or with the chunk's others (sets).
    mutating func attach(_ ref: ExternalRef, to id: CustomerID) throws {
        if setBased {
            pendingAttaches.append((ref, id))
        } else {
            try transaction.attach(ref: ref, to: id)
        }
        refCache[ref] = id
    }

    /// Appends to the consent ledger now (one event at a time) or with the chunk's others (sets).
    mutating func recordConsent(_ statement: ConsentStatement, of id: CustomerID) throws {
        if setBased {
            pendingConsents.append((statement, id))
        } else {
            try transaction.recordConsent(statement, of: id)
        }
    }

    /// Writes what the batch holds back: new customers and refs, new orders, then the
    /// customers it changed.
    mutating func flush() throws {
        try flushIdentity()
        try flushCarts()
        try flushOrders()
        guard !dirty.isEmpty else { return }
        let ids = dirty.sorted()
        dirty.removeAll()
        defer { profileDirty.removeAll() }
        guard setBased else { return try transaction.updateCustomers(ids.compactMap { customers[$0] }) }
        // Those whose aggregates alone changed (most, in an import) are written as aggregates.
        try transaction.updateCustomers(ids.filter { profileDirty.contains($0) }.compactMap { customers[$0] })
        let aggregates = ids.filter { !profileDirty.contains($0) }.compactMap { customers[$0] }
        if !aggregates.isEmpty { try transaction.updateCustomerAggregates(aggregates) }
    }

    mutating func lookup(_ ref: ExternalRef) throws -> CustomerID? {
        if let id = refCache[ref] { return id }
        if keys.absentRefs.contains(ref) { return nil }
        try flushIdentity()
        let id = try transaction.customerID(ref: ref)
        if let id { refCache[ref] = id }
        return id
    }

    /// Forgets every looked-up key (refs moved or vanished: a merge, an erasure) and the carts
    /// read (a merge moves them). What the batch holds must be written first (``flush()``).
    mutating func forgetLookups() {
        refCache.removeAll()
        keys.forgetAll()
        cartBook.forget()
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
            var record = CustomerRecord(
                id: CustomerID(0), primaryRef: refs.first, email: email, phone: phone ?? identity.phone,
                createdAt: at)
            if setBased {
                record.id = try newCustomerID()
                newCustomers.append(record.id)
                newCustomerSet.insert(record.id)
                cartBook.ofCustomer[record.id] = []
            } else {
                record.id = try transaction.insertCustomer(record)
            }
            keys.learn(email: email, phone: phone, id: record.id)
            customers[record.id] = record
            for ref in refs { try attach(ref, to: record.id) }
            report.customersCreated += 1
            return record.id
        }
        for other in matches.dropFirst() { try merge(other, into: winner, at: at) }
        for ref in refs where try lookup(ref) == nil { try attach(ref, to: winner) }
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
        loyaltyBook.merged(other, into: winner)
        customers[other] = nil
        dirty.remove(other)
        profileDirty.remove(other)
        forgetLookups()
        survivor.aggregates = try recomputedAggregates(winner)
        try storeNow(survivor)
        report.customersMerged += 1
    }

    mutating func recomputedAggregates(_ id: CustomerID) throws -> CustomerAggregates {
        try flushOrders(of: id)
        return CustomerAggregates.recompute(
            orders: try transaction.orders(of: id), carts: try transaction.carts(of: id),
            tickets: try transaction.tickets(of: id))
    }

    mutating func upsertCustomer(_ upsert: CustomerUpsert, source: String, at: Int64) throws {
        // A stated email replaces the old one, which may belong to another customer: the
        // identity match (and merge) happens first, then the profile is written.
        let id = try resolve(upsert.identity, source: source, at: at)
        loyaltyBook.signup(id, at: at)
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
        try flushIdentity()
        try flushCarts()
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
            try transaction.eraseMessages(of: id)
            try transaction.eraseConsentHistory(of: id)
            try transaction.eraseLoyaltyReasons(of: id)
            try transaction.eraseFeedbackText(of: id)
            try transaction.eraseViews(of: id)
        }
        forgetLookups()
    }

    /// The customer with this normalised email: as the profile's email, or kept as a
    /// secondary key when two customers with different emails were merged.
    mutating func customerID(email: String) throws -> CustomerID? {
        let profile: CustomerID?
        if let known = keys.emails[email] {
            profile = known
        } else {
            try flushIdentity()
            profile = try transaction.customerID(email: email)
        }
        if let profile { return profile }
        return try lookup(ExternalRef(source: IdentityKey.emailSource, id: email))
    }

    /// The customer with this E.164 phone (profile or secondary key).
    mutating func customerID(phone: String) throws -> CustomerID? {
        let profile: CustomerID?
        if let known = keys.phones[phone] {
            profile = known
        } else {
            try flushIdentity()
            profile = try transaction.customerID(phone: phone)
        }
        if let profile { return profile }
        return try lookup(ExternalRef(source: IdentityKey.phoneSource, id: phone))
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
        for point in other.contactPoints where !contactPoints.contains(where: { $0.address == point.address }) {
            contactPoints.append(point)
        }
        createdAt = min(createdAt, other.createdAt)
        for channel in other.consent.channels {
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
        contactPoints = []
        // Every channel stated, and email (whose silence would allow mail), is revoked.
        var revoked = ConsentState()
        for channel in Set(consent.channels + [.email]) { revoked[channel] = ConsentEntry(status: .revoked, at: at) }
        consent = revoked
        erasedAt = at
    }
}
