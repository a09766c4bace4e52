import Foundation

/// A customer's points ledger: the entries, and everything derived from them alone.
///
/// Changes append entries and never rewrite one. What takes points away is allocated to the awards
/// it draws from, those that expire first first (never-expiring last, then the oldest), so the
/// balance is always the sum of what live awards have left and cannot go negative: an expiry then
/// takes only what its own award still has (odoo's fix in PR #206048; without it, balances
/// collapse when old awards expire after spends).
///
/// Every change is keyed (``LoyaltyEntry/key``); applying a change whose key is in the ledger
/// returns no entries, so replaying a day's events changes nothing.
public struct LoyaltyLedger: Hashable, Sendable {
    public let customerID: CustomerID
    public private(set) var entries: [LoyaltyEntry]
    private var keys: Set<String>

    public init(customerID: CustomerID, entries: [LoyaltyEntry] = []) {
        self.customerID = customerID
        self.entries = entries
        keys = Set(entries.map(\.key))
    }

    /// An award and what is left of it.
    public struct Award: Hashable, Sendable {
        public var entry: LoyaltyEntry
        public var remaining: Int64
        public var key: String { entry.key }
        /// Spendable at `now`: out of its return window and not expired.
        public func isAvailable(at now: Int64) -> Bool { entry.availableAt <= now && !isExpired(at: now) }
        public func isExpired(at now: Int64) -> Bool { entry.expiresAt.map { $0 <= now } ?? false }
    }

    /// The awards in ledger order, each with its points less everything allocated to it.
    public var awards: [Award] {
        var drawn: [String: Int64] = [:]
        for entry in entries { for a in entry.allocations { drawn[a.award, default: 0] += a.points } }
        return entries.filter(\.isAward).map { Award(entry: $0, remaining: $0.points - drawn[$0.key, default: 0]) }
    }

    /// Points that can be spent at `now`.
    public func balance(at now: Int64) -> Int64 {
        awards.filter { $0.isAvailable(at: now) }.reduce(0) { $0 + $1.remaining }
    }

    /// Points earned but still inside their order's return window at `now`.
    public func pending(at now: Int64) -> Int64 {
        awards.filter { $0.entry.availableAt > now && !$0.isExpired(at: now) }.reduce(0) { $0 + $1.remaining }
    }

    /// Points earned over the ledger's life, less what reversals took back (also what they could
    /// not recover): the basis of tiers, never the spendable balance (open-loyalty#131).
    public var lifetimeEarned: Int64 { earned(from: .min, to: .max) }

    /// Points earned with `from <= at < to`, less the reversals in that span.
    public func earned(from: Int64, to: Int64) -> Int64 {
        earnings.reduce(0) { $1.at >= from && $1.at < to ? $0 + $1.amount : $0 }
    }

    /// What earning rules gave and reversals took back, dated: what tiers on points qualify on
    /// (``TierPolicy/tier(at:amounts:override:)``). Manual adjustments are not in it.
    public var earnings: [(at: Int64, amount: Int64)] {
        entries.compactMap { e in
            switch e.kind {
            case .earn: (e.at, e.points)
            case .reverse: (e.at, e.points - e.unrecovered)
            default: nil
            }
        }
    }

    /// Points spendable or pending at `now` that expire before `now + seconds`, and the first of
    /// those expiry times.
    public func expiring(within seconds: Int64, at now: Int64) -> (points: Int64, first: Int64?) {
        let soon = awards.filter { a in
            guard let at = a.entry.expiresAt, a.remaining > 0 else { return false }
            return at > now && at <= now + seconds
        }
        return (soon.reduce(0) { $0 + $1.remaining }, soon.compactMap(\.entry.expiresAt).min())
    }

    /// Whether an entry with `key` is in the ledger.
    public func contains(key: String) -> Bool { keys.contains(key) }

    /// The points an order's entries leave it: its awards less its reversals.
    public func net(ofOrder orderRef: String) -> Int64 {
        entries.lazy.filter { $0.orderRef == orderRef }.reduce(0) { sum, e in
            e.kind == .reverse ? sum + e.points - e.unrecovered : sum + e.points
        }
    }

    // MARK: Changes

    /// Awards `points` (> 0). `availableAt` later than `at` keeps them pending until then.
    @discardableResult
    public mutating func earn(
        key: String, points: Int64, at: Int64, availableAt: Int64? = nil, expiresAt: Int64?, reason: String,
        orderRef: String? = nil, actor: String? = nil
    ) throws -> [LoyaltyEntry] {
        guard !keys.contains(key) else { return [] }
        guard points > 0 else { throw Self.invalid("points to earn must be positive, not \(points)") }
        return append(
            LoyaltyEntry(
                key: key, customerID: customerID, kind: .earn, points: points, at: at, availableAt: availableAt,
                expiresAt: expiresAt, reason: reason, actor: actor, orderRef: orderRef))
    }

    /// Redeems `points` (> 0) at `at`, drawn from the awards spendable then. Throws a `conflict`
    /// naming the balance when it is short; nothing is appended then.
    @discardableResult
    public mutating func spend(key: String, points: Int64, at: Int64, reason: String, actor: String? = nil) throws
        -> [LoyaltyEntry]
    {
        guard !keys.contains(key) else { return [] }
        guard points > 0 else { throw Self.invalid("points to redeem must be positive, not \(points)") }
        let balance = balance(at: at)
        guard points <= balance else {
            throw PatronError(
                .conflict, "customer \(customerID.rawValue) has \(balance) points to spend, not \(points)")
        }
        let drawn = allocate(points, at: at, from: spendOrder(at: at))
        return append(
            LoyaltyEntry(
                key: key, customerID: customerID, kind: .spend, points: -points, at: at, reason: reason, actor: actor,
                allocations: drawn))
    }

    /// A manual change with a reason and who made it: positive points are an award (expiring at
    /// `expiresAt`), negative ones are drawn like a spend and may not exceed the balance.
    @discardableResult
    public mutating func adjust(
        key: String, points: Int64, at: Int64, reason: String, actor: String, expiresAt: Int64? = nil
    ) throws -> [LoyaltyEntry] {
        guard !keys.contains(key) else { return [] }
        guard points != 0 else { throw Self.invalid("an adjustment of 0 points changes nothing") }
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw Self.invalid("an adjustment needs a reason")
        }
        if points > 0 {
            return append(
                LoyaltyEntry(
                    key: key, customerID: customerID, kind: .adjust, points: points, at: at, expiresAt: expiresAt,
                    reason: reason, actor: actor))
        }
        let balance = balance(at: at)
        guard -points <= balance else {
            throw PatronError(
                .conflict, "customer \(customerID.rawValue) has \(balance) points, cannot take \(-points)")
        }
        return append(
            LoyaltyEntry(
                key: key, customerID: customerID, kind: .adjust, points: points, at: at, reason: reason, actor: actor,
                allocations: allocate(-points, at: at, from: spendOrder(at: at))))
    }

    /// Brings an order's points to `points` (what the rules give it now: less after a refund,
    /// zero once cancelled): takes back the difference, or awards more when the order grew. Does
    /// nothing when the order already stands there, so it can be run again with the same state.
    ///
    /// A reversal draws from the order's own award while it is live (even pending). What of the
    /// order's own points already expired is not taken again; what the customer already spent is
    /// taken from their other live awards in spend order, and what cannot be is recorded as
    /// ``LoyaltyEntry/unrecovered`` instead of making the balance negative. Points not taken back
    /// are never awarded again: an order that grows after a reversal earns only beyond what it
    /// gave before less what was taken (``orderStanding(_:)``).
    @discardableResult
    public mutating func settle(
        orderRef: String, points: Int64, at: Int64, availableAt: Int64? = nil, expiresAt: Int64?
    ) throws -> [LoyaltyEntry] {
        let standing = orderStanding(orderRef)
        let ordinal = entries.lazy.filter { $0.orderRef == orderRef }.count
        // `order#N:` can never be the prefix of a first key (`order:`), whatever the ref holds.
        // The customer is in the key: an order that moves to another customer is settled to 0
        // on the first ledger and earns on the second, each under its own keys. After a merge,
        // the survivor's ordinal counts the merged entries too, so its next key is new.
        let owner = customerID.rawValue
        let key = ordinal == 0 ? "order:\(owner):\(orderRef)" : "order#\(ordinal):\(owner):\(orderRef)"
        guard !keys.contains(key) else { return [] }
        if points > standing.given - standing.taken {
            return try earn(
                key: key, points: points - (standing.given - standing.taken), at: at, availableAt: availableAt,
                expiresAt: expiresAt, reason: "order", orderRef: orderRef)
        }
        let current = standing.given - standing.taken - standing.unrecovered
        guard points < current else { return [] }
        let wanted = current - points
        let ownLive = awards.filter { $0.entry.orderRef == orderRef && $0.remaining > 0 && !$0.isExpired(at: at) }
        var drawn = allocate(wanted, at: at, from: ownLive)
        var left = wanted - drawn.reduce(0) { $0 + $1.points }
        // The order's own points that expired: gone already, not taken a second time. (Earlier
        // reversals' unrecovered points are counted against them first, so two refunds after an
        // expiry never excuse more than expired.)
        // Past their expiry but not yet written off by the nightly job count as expired too.
        let lapsed = awards.filter { $0.entry.orderRef == orderRef && $0.isExpired(at: at) }.reduce(0) {
            $0 + $1.remaining
        }
        let expired = max(0, standing.expired + lapsed - standing.unrecovered)
        let excused = min(left, expired)
        left -= excused
        let others = spendOrder(at: at, pendingToo: true).filter { $0.entry.orderRef != orderRef }
        drawn += allocate(left, at: at, from: others)
        let taken = drawn.reduce(0) { $0 + $1.points }
        return append(
            LoyaltyEntry(
                key: key, customerID: customerID, kind: .reverse, points: -taken, at: at, reason: "order",
                orderRef: orderRef, unrecovered: wanted - taken, allocations: drawn))
    }

    /// An order's points so far: given by its awards, taken back by its reversals, not taken back
    /// (unrecovered), and expired from its awards (by expiry entries, or past their expiry).
    public func orderStanding(_ orderRef: String) -> (given: Int64, taken: Int64, unrecovered: Int64, expired: Int64) {
        var standing: (given: Int64, taken: Int64, unrecovered: Int64, expired: Int64) = (0, 0, 0, 0)
        var own = Set<String>()
        for e in entries where e.orderRef == orderRef {
            if e.kind == .reverse {
                standing.taken -= e.points
                standing.unrecovered += e.unrecovered
            } else if e.points > 0 {
                standing.given += e.points
                own.insert(e.key)
            }
        }
        for e in entries where e.kind == .expire {
            for a in e.allocations where own.contains(a.award) { standing.expired += a.points }
        }
        return standing
    }

    /// Expires what every award that reached its expiry by `now` has left: one entry per award,
    /// dated at its expiry, so running it late or twice gives the same entries.
    @discardableResult
    public mutating func expire(at now: Int64) -> [LoyaltyEntry] {
        var added: [LoyaltyEntry] = []
        for award in awards where award.remaining > 0 && award.isExpired(at: now) {
            let at = award.entry.expiresAt ?? now
            added += append(
                LoyaltyEntry(
                    key: "expire:\(award.key)", customerID: customerID, kind: .expire, points: -award.remaining,
                    at: at, reason: "expired",
                    allocations: [LoyaltyEntry.Allocation(award: award.key, points: award.remaining)]))
        }
        return added
    }

    /// This ledger with `other`'s entries (a merged-away customer's) moved in. Keys are unique
    /// across a store, so two ledgers sharing one is an error (nothing is moved then).
    public mutating func absorb(_ other: LoyaltyLedger) throws {
        if let shared = other.entries.first(where: { keys.contains($0.key) }) {
            throw PatronError(.conflict, "loyalty entry '\(shared.key)' is in both ledgers")
        }
        for var entry in other.entries {
            entry.customerID = customerID
            _ = append(entry)
        }
    }

    // MARK: Allocation

    /// Live awards with points left, those that expire first first (never last), then oldest.
    private func spendOrder(at now: Int64, pendingToo: Bool = false) -> [Award] {
        awards.filter { $0.remaining > 0 && !$0.isExpired(at: now) && (pendingToo || $0.entry.availableAt <= now) }
            .sorted { a, b in
                switch (a.entry.expiresAt, b.entry.expiresAt) {
                case let (x?, y?) where x != y: return x < y
                case (.some, nil): return true
                case (nil, .some): return false
                default: return (a.entry.at, a.key) < (b.entry.at, b.key)
                }
            }
    }

    private func allocate(_ points: Int64, at now: Int64, from awards: [Award]) -> [LoyaltyEntry.Allocation] {
        var left = points
        var drawn: [LoyaltyEntry.Allocation] = []
        for award in awards where left > 0 && award.remaining > 0 {
            let take = min(left, award.remaining)
            drawn.append(LoyaltyEntry.Allocation(award: award.key, points: take))
            left -= take
        }
        return drawn
    }

    private mutating func append(_ entry: LoyaltyEntry) -> [LoyaltyEntry] {
        entries.append(entry)
        keys.insert(entry.key)
        return [entry]
    }

    private static func invalid(_ message: String) -> PatronError { PatronError(.invalidValue, message) }
}
