import Foundation

/// Tiers (Silver, Gold, Platinum) and how a customer qualifies: thresholds on points *earned*
/// (or net spend) over a qualification window, never on the spendable balance
/// (open-loyalty#131), with a grace period before a downgrade.
///
/// The rule, exactly: a customer's computed tier at `t` is the highest tier whose threshold the
/// qualifying amount reached at some instant in `[t - graceDays, t]`. With no grace, it is the
/// tier of the amount at `t`. An active ``TierOverride`` replaces the computed tier while it lasts
/// (higher or lower; it never becomes a floor, open-loyalty#74) and ends on its date.
public struct TierPolicy: Hashable, Sendable, Codable {
    public struct Tier: Hashable, Sendable, Codable {
        public var name: String
        /// The qualifying amount from which the tier applies (points, or minor units of net spend).
        public var threshold: Int64
        public init(name: String, threshold: Int64) {
            self.name = name
            self.threshold = threshold
        }
    }

    /// What qualifies.
    public enum Basis: String, Hashable, Sendable, Codable {
        /// Points earned (awards of earn rules, less reversals); manual adjustments do not count.
        case pointsEarned = "points_earned"
        /// Net spend of orders in minor units (total less refunds; cancelled orders count 0).
        case netSpend = "net_spend"
    }

    /// Over which span the amount is summed.
    public enum Window: Hashable, Sendable, Codable {
        /// The last `days` days up to the instant: `(t - days, t]`.
        case rollingDays(Int)
        /// The calendar year (UTC) of the instant, up to it.
        case calendarYear
    }

    /// In increasing order of threshold (the reader checks it).
    public var tiers: [Tier]
    public var basis: Basis
    public var window: Window
    public var graceDays: Int

    public init(tiers: [Tier], basis: Basis = .pointsEarned, window: Window = .rollingDays(365), graceDays: Int = 0) {
        self.tiers = tiers
        self.basis = basis
        self.window = window
        self.graceDays = graceDays
    }

    /// The tier at `t` for qualifying amounts `(at, amount)` (amounts may be negative: a
    /// reversal), or `nil` below the first threshold.
    public func tier(at t: Int64, amounts: [(at: Int64, amount: Int64)], override: TierOverride? = nil) -> Tier? {
        if let override, override.isActive(at: t) { return tiers.first { $0.name == override.tier } }
        let from = t - Int64(graceDays) * 86_400
        // The amount changes only when an entry enters or leaves the window: the highest amount
        // over [from, t] is at `from` or at one of those instants.
        var instants: Set<Int64> = [from, t]
        for (at, _) in amounts {
            for s in [at, leaves(at)] where s > from && s <= t { instants.insert(s) }
        }
        if case .calendarYear = window {
            var year = Day(epochSeconds: from).components.year + 1
            while true {
                let start = Int64(Day.civilDays(year: year, month: 1, day: 1)) * 86_400
                guard start <= t else { break }
                instants.insert(start)
                year += 1
            }
        }
        let best = instants.map { qualifying(at: $0, amounts: amounts) }.max() ?? 0
        return tiers.last { $0.threshold <= best }
    }

    /// The qualifying amount at `t`.
    public func qualifying(at t: Int64, amounts: [(at: Int64, amount: Int64)]) -> Int64 {
        let start = windowStart(t)
        return amounts.reduce(0) {
            $1.at > start.exclusive && $1.at >= start.inclusive && $1.at <= t ? $0 + $1.amount : $0
        }
    }

    /// The instant from which an amount dated `at` is out of its rolling window (`.max` else).
    private func leaves(_ at: Int64) -> Int64 {
        if case .rollingDays(let days) = window { return at + Int64(days) * 86_400 }
        return .max
    }

    private func windowStart(_ t: Int64) -> (exclusive: Int64, inclusive: Int64) {
        switch window {
        case .rollingDays(let days): return (t - Int64(days) * 86_400, .min)
        case .calendarYear:
            let year = Day(epochSeconds: t).components.year
            return (.min, Int64(Day.civilDays(year: year, month: 1, day: 1)) * 86_400)
        }
    }

    /// The tier after `tier`, and the qualifying amount it needs (for "points to next tier").
    public func next(after tier: Tier?) -> Tier? {
        guard let tier else { return tiers.first }
        return tiers.first { $0.threshold > tier.threshold }
    }
}

/// A tier set by hand: who, why, from when and until when. Recorded, and it ends on its date.
public struct TierOverride: Hashable, Sendable, Codable {
    public var tier: String
    public var from: Int64
    /// The instant it ends; `nil` until removed.
    public var until: Int64?
    public var actor: String
    public var reason: String

    public init(tier: String, from: Int64, until: Int64?, actor: String, reason: String) {
        self.tier = tier
        self.from = from
        self.until = until
        self.actor = actor
        self.reason = reason
    }

    public func isActive(at t: Int64) -> Bool { from <= t && (until.map { t < $0 } ?? true) }
}
