import Foundation

/// What a chunk's lookups learnt: the refs no customer holds, and the customers (or their
/// absence, `nil`) of the emails and phones it named. Valid until identity changes: a new
/// customer adds what it knows; a changed email or phone, a merge or an erasure forgets.
struct BatchKeys {
    var absentRefs: Set<ExternalRef> = []
    var emails: [String: CustomerID?] = [:]
    var phones: [String: CustomerID?] = [:]

    mutating func learn(email: String?, phone: String?, id: CustomerID) {
        if let email { emails[email] = id }
        if let phone { phones[phone] = id }
    }

    mutating func forgetContacts() {
        emails.removeAll(keepingCapacity: true)
        phones.removeAll(keepingCapacity: true)
    }

    mutating func forgetAll() {
        absentRefs.removeAll(keepingCapacity: true)
        forgetContacts()
    }
}

/// The set-based half of a batch: before a chunk's events are applied one by one in memory,
/// everything they will look up is read in a few set-shaped queries — the customers their refs,
/// emails and phones name (with the records), and which of their orders are stored — so that
/// applying them reads nothing more in the common case, and new orders are written together at
/// the chunk's end (``flushOrders()``).
extension Ingestor.Batch {
    /// Reads what the chunk's new events (`fresh[i]` for `events[i]`) will look up: first the
    /// customers their refs name, with the records; then the emails and phones those records do
    /// not already settle (a customer found by ref whose profile has the event's email is the
    /// profile that email finds: emails are unique among profiles, and a changed email is
    /// written at once), with theirs; then which of their orders are stored.
    mutating func prefetch(_ events: [IngestEvent], fresh: [Bool]) throws {
        var named: [(identity: CustomerIdentity, source: String)] = []
        var orderRefs = Set<ExternalRef>()
        for (event, isNew) in zip(events, fresh) where isNew {
            switch event.kind {
            case .customerUpserted(let upsert): named.append((upsert.identity, event.source))
            case .orderPlaced(let order), .orderUpdated(let order):
                named.append((order.customer, event.source))
                orderRefs.insert(ExternalRef(source: event.source, id: order.ref))
            case .cartUpdated(let cart): named.append((cart.customer, event.source))
            case .consentChanged(let change): named.append((change.customer, event.source))
            case .contactPointChanged(let change): named.append((change.customer, event.source))
            case .ticketUpdated(let ticket): named.append((ticket.customer, event.source))
            case .orderCancelled, .orderRefunded, .customerErased, .mailReceived, .productUpdated, .productDeleted:
                break
            }
        }
        var refs = Set<ExternalRef>()
        for (identity, source) in named {
            for ref in identity.refs {
                let ref = ref.source.isEmpty ? ExternalRef(source: source, id: ref.id) : ref
                if refCache[ref] == nil, !keys.absentRefs.contains(ref) { refs.insert(ref) }
            }
        }
        try prefetchCustomers(refs: refs, emails: [], phones: [])
        var emails = Set<String>()
        var phones = Set<String>()
        refs.removeAll(keepingCapacity: true)
        for (identity, source) in named {
            if let email = identity.normalizedEmail, keys.emails[email] == nil {
                var holder: CustomerID?
                for ref in identity.refs {
                    let id = refCache[ref.source.isEmpty ? ExternalRef(source: source, id: ref.id) : ref]
                    if let id, customers[id]?.email == email {
                        holder = id
                        break
                    }
                }
                if let holder {
                    keys.emails[email] = .some(holder)
                } else {
                    emails.insert(email)
                    refs.insert(ExternalRef(source: IdentityKey.emailSource, id: email))
                }
            }
            if let phone = identity.normalizedPhone, keys.phones[phone] == nil {
                phones.insert(phone)
                refs.insert(ExternalRef(source: IdentityKey.phoneSource, id: phone))
            }
        }
        try prefetchCustomers(refs: refs, emails: emails, phones: phones)
        // Only this chunk's: a ref left from an earlier chunk must never skip the store's check.
        newOrderRefs = orderRefs.isEmpty ? [] : orderRefs.subtracting(try transaction.storedOrderRefs(Array(orderRefs)))
    }

    /// Looks up the customers of `refs`, `emails` and `phones` together, remembering what is
    /// absent, and reads the records of those found that the batch does not hold yet.
    mutating func prefetchCustomers(refs: Set<ExternalRef>, emails: Set<String>, phones: Set<String>) throws {
        var found: Set<CustomerID> = []
        if !refs.isEmpty {
            let held = try transaction.customerIDs(refs: Array(refs))
            for ref in refs {
                if let id = held[ref] {
                    refCache[ref] = id
                    found.insert(id)
                } else {
                    keys.absentRefs.insert(ref)
                }
            }
        }
        if !emails.isEmpty {
            let held = try transaction.customerIDs(emails: Array(emails))
            for email in emails { keys.emails[email] = .some(held[email]) }
            found.formUnion(held.values)
        }
        if !phones.isEmpty {
            let held = try transaction.customerIDs(phones: Array(phones))
            for phone in phones { keys.phones[phone] = .some(held[phone]) }
            found.formUnion(held.values)
        }
        let missing = found.filter { customers[$0] == nil }
        if !missing.isEmpty {
            for (id, record) in try transaction.customers(Array(missing)) { customers[id] = record }
        }
    }
}
