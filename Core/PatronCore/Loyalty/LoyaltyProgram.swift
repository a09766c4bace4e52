import Foundation

/// The earn rules of a loyalty programme (read from `loyalty.yaml`): how many points an order and
/// an action are worth, when points expire, how long an order's points stay pending, the tiers.
/// Values only; ``LoyaltyLedger`` keeps the points.
public struct LoyaltyProgram: Hashable, Sendable, Codable {
    /// `points` for every `perMinor` minor units of net spend (1 per 100: a point per dollar).
    public var points: Int64
    public var perMinor: Int64
    /// Multipliers in thousandths (1500 = 1.5×) for order lines by SKU.
    public var skuMultipliers: [String: Int64]
    /// Multipliers in thousandths for customers carrying a tag (the highest applies).
    public var tagMultipliers: [String: Int64]
    /// Fixed points for actions (`signup`, `review`, `birthday`, `referral`, …).
    public var actions: [String: ActionRule]
    /// At most this many points for one order.
    public var maxPointsPerOrder: Int64?
    public var expiry: ExpiryPolicy
    /// Days an order's points stay pending before they can be spent (its return window).
    public var returnWindowDays: Int
    public var referral: ReferralRule?
    public var tiers: TierPolicy?

    public init(
        points: Int64 = 1, perMinor: Int64 = 100, skuMultipliers: [String: Int64] = [:],
        tagMultipliers: [String: Int64] = [:], actions: [String: ActionRule] = [:], maxPointsPerOrder: Int64? = nil,
        expiry: ExpiryPolicy = .never, returnWindowDays: Int = 0, referral: ReferralRule? = nil,
        tiers: TierPolicy? = nil
    ) {
        self.points = points
        self.perMinor = perMinor
        self.skuMultipliers = skuMultipliers
        self.tagMultipliers = tagMultipliers
        self.actions = actions
        self.maxPointsPerOrder = maxPointsPerOrder
        self.expiry = expiry
        self.returnWindowDays = returnWindowDays
        self.referral = referral
        self.tiers = tiers
    }

    /// Points for an action, at most `maxPerYear` times in a calendar year (UTC).
    public struct ActionRule: Hashable, Sendable, Codable {
        public var points: Int64
        public var maxPerYear: Int?
        public init(points: Int64, maxPerYear: Int? = nil) {
            self.points = points
            self.maxPerYear = maxPerYear
        }
    }

    /// What a referral gives: to the customer whose code was used, and to the new customer.
    public struct ReferralRule: Hashable, Sendable, Codable {
        public var referrerPoints: Int64
        public var refereePoints: Int64
        public init(referrerPoints: Int64, refereePoints: Int64) {
            self.referrerPoints = referrerPoints
            self.refereePoints = refereePoints
        }
    }

    /// When an award's unspent points expire.
    public enum ExpiryPolicy: Hashable, Sendable, Codable {
        case never
        /// `days` after they were earned.
        case afterDays(Int)
        /// At the end of the month `months` after the month they were earned in (0: that month).
        case endOfMonth(afterMonths: Int)
        /// At the end of the year `years` after the year they were earned in (0: that year).
        case endOfYear(afterYears: Int)

        /// The expiry of points earned at `at` (UTC epoch seconds); `nil` for never.
        public func expiresAt(earnedAt at: Int64) -> Int64? {
            let day = Day(epochSeconds: at)
            let (year, month, _) = day.components
            switch self {
            case .never: return nil
            case .afterDays(let days): return at + Int64(days) * 86_400
            case .endOfMonth(let months):
                let index = year * 12 + (month - 1) + months + 1
                return Int64(Day.civilDays(year: index / 12, month: index % 12 + 1, day: 1)) * 86_400
            case .endOfYear(let years):
                return Int64(Day.civilDays(year: year + years + 1, month: 1, day: 1)) * 86_400
            }
        }
    }

    /// The points an order is worth now: zero when cancelled or fully refunded; otherwise its net
    /// spend (total less refunds) at the earn rate, with SKU multipliers on the lines' share of it
    /// and the customer's best tag multiplier, rounded down, capped per order.
    public func points(for order: OrderRecord, customerTags: [String] = []) -> Int64 {
        guard order.status.counts, order.netMinor > 0, perMinor > 0 else { return 0 }
        let net = Double(order.netMinor)
        // The lines carry the multipliers; what the total has beyond them (shipping, discounts)
        // is shared out in proportion, so multipliers of 1 give exactly the net.
        let linesTotal = order.lines.reduce(0.0) { $0 + Double($1.quantity) * Double($1.unitPriceMinor) }
        var weighted = net
        if linesTotal > 0, !skuMultipliers.isEmpty {
            let sum = order.lines.reduce(0.0) { sum, line in
                let value = Double(line.quantity) * Double(line.unitPriceMinor)
                return sum + value * Double(skuMultipliers[line.sku] ?? 1000) / 1000
            }
            weighted = net * sum / linesTotal
        }
        let tag = customerTags.compactMap { tagMultipliers[$0] }.max() ?? 1000
        let raw = weighted * Double(tag) / 1000 * Double(points) / Double(perMinor)
        // Rounded down after a relative nudge (a product of decimals like 1.1 lands just below a
        // whole number), and bounded before the conversion: no order is worth more than 10^15.
        let earned = Int64(min((raw * (1 + 1e-12)).rounded(.down), Self.mostPointsPerOrder))
        return maxPointsPerOrder.map { min($0, earned) } ?? earned
    }

    /// The most points one order can earn whatever the rules say (so sums stay far from overflow).
    public static let mostPointsPerOrder: Double = 1e15

    /// When points earned by an order placed at `at` can be spent.
    public func availableAt(orderPlacedAt at: Int64) -> Int64 { at + Int64(returnWindowDays) * 86_400 }
}
