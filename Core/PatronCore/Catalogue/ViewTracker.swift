import Foundation

/// One call of a storefront's tracker (`POST /v1/track`), in the kernel's terms.
public enum TrackCall: Hashable, Sendable {
    /// Someone looked at a product.
    case view(TrackedView)
    /// A visitor said who they are (a login, a checkout, a click from a Patron message): their
    /// anonymous views become the customer's, and so do their later ones.
    case identify(TrackedIdentity)
}

/// A product view as the tracker sends it.
public struct TrackedView: Hashable, Sendable {
    /// The browser's anonymous id.
    public var visitorID: String?
    /// The shop's customer, when the page knows them (logged in).
    public var customer: CustomerIdentity?
    public var sku: String
    public var at: Int64
    /// The tracker's id of the call (Segment's `messageId`): a call sent twice is kept once.
    public var messageID: String?
    /// Whether the visitor consented to tracking; without it the view is not kept.
    public var consent: Bool

    public init(
        visitorID: String?, customer: CustomerIdentity? = nil, sku: String, at: Int64, messageID: String? = nil,
        consent: Bool
    ) {
        self.visitorID = visitorID
        self.customer = customer
        self.sku = sku
        self.at = at
        self.messageID = messageID
        self.consent = consent
    }
}

/// A visitor identifying as a customer.
public struct TrackedIdentity: Hashable, Sendable {
    public enum Customer: Hashable, Sendable {
        /// As the shop names them (id, email, phone): found, or created as an order would be.
        case identity(CustomerIdentity)
        /// Patron's own id, from a signed link in a Patron message.
        case id(CustomerID)
    }

    public var visitorID: String
    public var customer: Customer
    public var at: Int64
    public var messageID: String?

    public init(visitorID: String, customer: Customer, at: Int64, messageID: String? = nil) {
        self.visitorID = visitorID
        self.customer = customer
        self.at = at
        self.messageID = messageID
    }
}

/// What a batch of tracker calls did.
public struct TrackReport: Hashable, Sendable {
    /// Views stored (of customers or of anonymous visitors).
    public var kept = 0
    /// Views of visitors without tracking consent: not stored.
    public var withoutConsent = 0
    /// Calls whose `messageID` was seen before.
    public var duplicates = 0
    /// Visitors linked to a customer, and the anonymous views that became the customer's.
    public var identified = 0
    public var stitched = 0
    /// Anonymous views removed because their visitor withdrew consent.
    public var forgotten = 0

    public init() {}
}

/// The tracker's use case: views in, with consent and identity stitching, in one transaction
/// per batch.
public enum ViewTracker {
    /// The most calls a batch may hold.
    public static let batchLimit = 500

    /// How long raw views are kept by default (the nightly job prunes older ones).
    public static let defaultRetentionDays = 90

    /// Removes raw views older than `retentionDays` before `now` (each customer's totals stay).
    /// Returns how many.
    @discardableResult
    public static func prune<S: Store>(_ store: S, at now: Int64, retentionDays: Int = defaultRetentionDays) throws
        -> Int
    {
        guard retentionDays > 0 else {
            throw PatronError(.invalidArgument, "view retention: must be positive, found \(retentionDays) days")
        }
        return try store.write { try $0.pruneViews(before: now - Int64(retentionDays) * 86_400) }
    }

    /// Applies the calls in order: a view without consent is dropped (and its visitor's
    /// anonymous views are forgotten: consent withdrawn); a view naming a known customer is
    /// theirs, else its visitor's customer when linked, else anonymous; an identification links
    /// the visitor. `source` is the system customer ids in the calls belong to.
    public static func track<S: Store>(_ store: S, _ calls: [TrackCall], source: String) throws -> TrackReport {
        guard calls.count <= batchLimit else {
            throw PatronError(.invalidArgument, "a batch holds at most \(batchLimit) calls, found \(calls.count)")
        }
        return try store.write { t in
            var report = TrackReport()
            let ids = calls.map { call -> String? in
                switch call {
                case .view(let view): view.messageID.map { "track:" + $0 }
                case .identify(let identity): identity.messageID.map { "track:" + $0 }
                }
            }
            let fresh = try t.markApplied(ids.compactMap { $0 })
            var freshByCall: [Bool] = []
            var next = 0
            for id in ids {
                if id == nil {
                    freshByCall.append(true)
                } else {
                    freshByCall.append(fresh[next])
                    next += 1
                }
            }
            var visitors = try t.visitorCustomers(
                Array(Set(calls.compactMap { if case .view(let v) = $0 { v.visitorID } else { nil } })))
            var pending: [ProductView] = []
            var forgotten: Set<String> = []
            for (call, isFresh) in zip(calls, freshByCall) {
                guard isFresh else {
                    report.duplicates += 1
                    continue
                }
                switch call {
                case .view(let view):
                    guard view.consent else {
                        report.withoutConsent += 1
                        if let visitor = view.visitorID, forgotten.insert(visitor).inserted {
                            try t.recordViews(pending)
                            pending.removeAll()
                            report.forgotten += try t.forgetVisitor(visitor)
                            visitors[visitor] = nil
                        }
                        continue
                    }
                    var customer = try view.customer.flatMap { try find($0, source: source, in: t) }
                    if customer == nil, let visitor = view.visitorID { customer = visitors[visitor] }
                    pending.append(
                        ProductView(customerID: customer, visitorID: view.visitorID, sku: view.sku, at: view.at))
                    report.kept += 1
                case .identify(let identity):
                    try t.recordViews(pending)
                    pending.removeAll()
                    let customer: CustomerID
                    switch identity.customer {
                    case .id(let id):
                        // An erased person is not tracked again by an old link.
                        guard let record = try t.customer(id), record.erasedAt == nil else { continue }
                        customer = id
                    case .identity(let who):
                        if let found = try find(who, source: source, in: t) {
                            customer = found
                        } else {
                            _ = try Ingestor(store: store).ingest(
                                [
                                    IngestEvent(
                                        id: "identify:\(identity.visitorID):\(identity.at)", source: source,
                                        occurredAt: identity.at, kind: .customerUpserted(CustomerUpsert(identity: who)))
                                ], in: t)
                            guard let created = try find(who, source: source, in: t) else { continue }
                            customer = created
                        }
                    }
                    report.stitched += try t.linkVisitor(identity.visitorID, to: customer, at: identity.at)
                    report.identified += 1
                    visitors[identity.visitorID] = customer
                }
            }
            try t.recordViews(pending)
            return report
        }
    }

    /// The customer an identity names, without creating or merging: its first ref, email or
    /// phone that a customer holds.
    static func find<T: StoreTransaction>(_ identity: CustomerIdentity, source: String, in t: T) throws -> CustomerID? {
        for ref in identity.refs {
            if let id = try t.customerID(ref: ref.source.isEmpty ? ExternalRef(source: source, id: ref.id) : ref) {
                return id
            }
        }
        // The profile's email or phone, or one kept from a merge (a ref of the reserved sources).
        if let email = identity.normalizedEmail {
            if let id = try t.customerID(email: email) { return id }
            if let id = try t.customerID(ref: ExternalRef(source: IdentityKey.emailSource, id: email)) { return id }
        }
        if let phone = identity.normalizedPhone {
            if let id = try t.customerID(phone: phone) { return id }
            if let id = try t.customerID(ref: ExternalRef(source: IdentityKey.phoneSource, id: phone)) { return id }
        }
        return nil
    }
}
