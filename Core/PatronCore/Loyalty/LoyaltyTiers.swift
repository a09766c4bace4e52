import Foundation

/// A customer's tier changing, as the nightly tier job records it: a stored event campaigns and
/// the timeline read (`loyalty.tier` in segments; a saved segment on it and `segment_entered`
/// triggers a flow on an upgrade).
public struct TierChange: Hashable, Sendable {
    public var customerID: CustomerID
    /// `nil`: below the first tier.
    public var from: String?
    public var to: String?
    public var at: Int64

    public init(customerID: CustomerID, from: String?, to: String?, at: Int64) {
        self.customerID = customerID
        self.from = from
        self.to = to
        self.at = at
    }
}

extension FlowTrigger {
    /// Whether a `tier_changed` trigger fires on this change (any other trigger: never): into one
    /// of `to` from outside them, out of one of `from`, each when given. What every store's
    /// query must select.
    public func matches(_ change: TierChange) -> Bool {
        guard case .tierChanged(let from, let to) = self else { return false }
        if let to {
            guard let new = change.to, to.contains(new) else { return false }
            if let old = change.from, to.contains(old) { return false }
        }
        if let from {
            guard let old = change.from, from.contains(old) else { return false }
        }
        return true
    }
}

/// What a tier run found and wrote.
public struct LoyaltyTierReport: Hashable, Sendable, CustomStringConvertible {
    /// Customers whose tier was computed (those with qualifying amounts or a stored tier).
    public var customers = 0
    public var upgrades = 0
    public var downgrades = 0
    /// Customers in each tier after the run.
    public var sizes: [String: Int] = [:]
    public init() {}

    public var description: String {
        let sizes = sizes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return "\(customers) customers: \(upgrades) up, \(downgrades) down; tiers: \(sizes.isEmpty ? "none" : sizes)"
    }
}

extension LoyaltyDesk {
    /// The nightly tier job: every customer's tier at `now` by the active programme's policy
    /// (``TierPolicy/tier(at:amounts:override:)``), compared with the stored one; each change is
    /// stored with its time, in one transaction. An active override
    /// (``setTierOverride(_:customer:tier:until:reason:actor:at:)``) gives its tier instead; when
    /// it ends the computed tier returns. Running it again at the same time writes nothing.
    /// Without tiers in the active programme it does nothing.
    public static func updateTiers<S: Store>(_ store: S, at now: Int64) throws -> LoyaltyTierReport {
        try store.write { t in
            var report = LoyaltyTierReport()
            guard let policy = try t.loyaltyRules()?.program?.tiers else { return report }
            var stored = try t.loyaltyTiers()
            var overrides = try t.tierOverrides()
            var changes: [TierChange] = []
            func settle(_ customer: CustomerID, _ amounts: [(at: Int64, amount: Int64)]) {
                report.customers += 1
                let before = stored.removeValue(forKey: customer) ?? nil
                let after = policy.tier(at: now, amounts: amounts, override: overrides.removeValue(forKey: customer))?
                    .name
                if let after { report.sizes[after, default: 0] += 1 }
                guard before != after else { return }
                changes.append(TierChange(customerID: customer, from: before, to: after, at: now))
                let rank = { (name: String?) in name.flatMap { n in policy.tiers.firstIndex { $0.name == n } } ?? -1 }
                if rank(after) > rank(before) { report.upgrades += 1 } else { report.downgrades += 1 }
            }
            try t.forEachTierBasis(policy.basis) { customer, amounts in settle(customer, amounts) }
            // Stored tiers of customers with no qualifying amounts any more, and active overrides.
            let rest = Set(stored.filter { $0.value != nil }.keys).union(
                overrides.filter { $0.value.isActive(at: now) }.keys)
            for customer in rest.sorted() { settle(customer, []) }
            try t.recordTierChanges(changes)
            return report
        }
    }
}

/// Rows of `(customer, at, amount)` sorted by customer, handed on one customer at a time: how a
/// store streams ``LoyaltyTransaction/forEachTierBasis(_:_:)``.
package struct TierBasisGroups {
    private var customer: CustomerID?
    private var amounts: [(at: Int64, amount: Int64)] = []
    private let body: (CustomerID, [(at: Int64, amount: Int64)]) throws -> Void

    package init(_ body: @escaping (CustomerID, [(at: Int64, amount: Int64)]) throws -> Void) { self.body = body }

    package mutating func add(_ customer: CustomerID, at: Int64, amount: Int64) throws {
        if customer != self.customer { try finish() }
        self.customer = customer
        amounts.append((at, amount))
    }

    package mutating func finish() throws {
        if let customer, !amounts.isEmpty { try body(customer, amounts) }
        customer = nil
        amounts.removeAll(keepingCapacity: true)
    }
}

/// How many customers each tier holds and how they moved (`patron loyalty tiers`).
public struct LoyaltyTierOverview: Hashable, Sendable {
    /// Tier → customers, in the policy's order (only tiers of the active programme).
    public var sizes: [(tier: String, customers: Int)]
    /// `(from, to)` → customers that moved so since ``since`` (`nil`: no tier).
    public var movements: [TierMove: Int]
    public var since: Int64

    public struct TierMove: Hashable, Sendable, Comparable {
        public var from: String?
        public var to: String?
        public static func < (a: TierMove, b: TierMove) -> Bool {
            (a.from ?? "", a.to ?? "") < (b.from ?? "", b.to ?? "")
        }
    }

    public static func == (a: LoyaltyTierOverview, b: LoyaltyTierOverview) -> Bool {
        a.sizes.map(\.tier) == b.sizes.map(\.tier) && a.sizes.map(\.customers) == b.sizes.map(\.customers)
            && a.movements == b.movements && a.since == b.since
    }

    public func hash(into hasher: inout Hasher) {
        for size in sizes {
            hasher.combine(size.tier)
            hasher.combine(size.customers)
        }
        hasher.combine(movements)
        hasher.combine(since)
    }

    /// A table: the sizes, then the movements since the day.
    public var text: String {
        var lines = ["tier\tcustomers"] + sizes.map { "\($0.tier)\t\($0.customers)" }
        lines.append("moves since \(Day(epochSeconds: since))\tcustomers")
        for (move, count) in movements.sorted(by: { $0.key < $1.key }) {
            lines.append("\(move.from ?? "none") → \(move.to ?? "none")\t\(count)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension LoyaltyDesk {
    /// Sets a tier by hand for a customer until `until` (`nil`: until ended), with who and why; a
    /// tier the programme does not have is an error. The next tier run applies it (the stored
    /// tier changes then, recorded as a change). `tier == nil` ends the customer's override now.
    public static func setTierOverride<S: Store>(
        _ store: S, customer: CustomerID, tier: String?, until: Int64?, reason: String, actor: String, at now: Int64
    ) throws -> TierOverride {
        try store.write { t in
            guard try t.customerExists(customer) else {
                throw PatronError(.notFound, "no customer \(customer.rawValue)")
            }
            guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw PatronError(.invalidValue, "a tier override needs a reason")
            }
            let names = try t.loyaltyRules()?.program?.tiers?.tiers.map(\.name) ?? []
            guard let tier else {
                guard var current = try t.tierOverrides()[customer], current.isActive(at: now) else {
                    throw PatronError(.notFound, "customer \(customer.rawValue) has no tier override in force")
                }
                current.until = now
                try t.setTierOverride(current, of: customer)
                return current
            }
            guard names.contains(tier) else {
                throw PatronError(
                    .invalidValue,
                    "no tier '\(tier)' in the active rules (\(names.isEmpty ? "none" : names.joined(separator: ", ")))")
            }
            if let until, until <= now { throw PatronError(.invalidValue, "an override must end after it starts") }
            let override = TierOverride(tier: tier, from: now, until: until, actor: actor, reason: reason)
            try t.setTierOverride(override, of: customer)
            return override
        }
    }

    /// The customer's last tier override (in force, ended or to come), `nil` when none was set.
    public static func tierOverride<S: Store>(_ store: S, customer: CustomerID) throws -> TierOverride? {
        try store.read { t in
            guard try t.customerExists(customer) else {
                throw PatronError(.notFound, "no customer \(customer.rawValue)")
            }
            return try t.tierOverrides()[customer]
        }
    }

    /// The stored tiers' sizes and the moves recorded since `since`.
    public static func tierOverview<S: Store>(_ store: S, since: Int64) throws -> LoyaltyTierOverview {
        try store.read { t in
            let names = try t.loyaltyRules()?.program?.tiers?.tiers.map(\.name) ?? []
            var counts: [String: Int] = [:]
            for case let tier? in try t.loyaltyTiers().values { counts[tier, default: 0] += 1 }
            var movements: [LoyaltyTierOverview.TierMove: Int] = [:]
            for change in try t.tierChanges(since: since) {
                movements[LoyaltyTierOverview.TierMove(from: change.from, to: change.to), default: 0] += 1
            }
            return LoyaltyTierOverview(
                sizes: names.map { ($0, counts[$0] ?? 0) }, movements: movements, since: since)
        }
    }
}

extension LoyaltyDesk {
    /// The nightly birthday award: the `birthday` action's points to every customer whose
    /// birthday is today in their own time zone (`birthday within 0 days`), once per customer and
    /// year (`birthday:CUSTOMER:YEAR`), expiring by the programme's policy. Running it again the
    /// same day awards nothing more. Returns how many customers were awarded.
    public static func awardBirthdays<S: Store & SegmentRepository>(_ store: S, at now: Int64) throws -> Int {
        guard let program = try store.read({ try $0.loyaltyRules()?.program }),
            let rule = program.actions["birthday"], rule.points > 0
        else { return 0 }
        let today = try store.members(try SegmentParser.parse("birthday within 0 days"), now: now)
        guard !today.isEmpty else { return 0 }
        let year = Day(epochSeconds: now).components.year
        return try store.write { t in
            let ledgers = try t.loyaltyEntries(ofCustomers: today)
            var added: [LoyaltyEntry] = []
            for customer in today {
                var ledger = LoyaltyLedger(customerID: customer, entries: ledgers[customer] ?? [])
                added += try ledger.earn(
                    key: "birthday:\(customer.rawValue):\(year)", points: rule.points, at: now,
                    expiresAt: program.expiry.expiresAt(earnedAt: now), reason: "birthday")
            }
            try t.appendLoyaltyEntries(added)
            return added.count
        }
    }
}
