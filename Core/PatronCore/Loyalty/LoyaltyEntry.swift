import Foundation

/// One line of a customer's points ledger. The ledger is the only record of points: balances,
/// lifetime figures and what each award has left are derived from the entries (``LoyaltyLedger``).
///
/// Awards are the entries that add points (`earn`, and `adjust` with positive points). Every entry
/// that takes points away (`spend`, `expire`, `reverse`, `adjust` with negative points) names the
/// awards it draws from in ``allocations``; their sum is `-points`. A store keeps entries as they
/// are given (never rewrites one) and keeps ``key`` unique across all customers.
public struct LoyaltyEntry: Hashable, Sendable, Codable {
    /// What the entry does.
    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        /// Points awarded: for an order, an action (sign-up, review, birthday), a referral.
        case earn
        /// Points redeemed for a reward.
        case spend
        /// Points of an award that reached its expiry unspent.
        case expire
        /// Points taken back because the order that earned them was refunded or cancelled.
        case reverse
        /// A manual change, with a reason and who made it; positive is an award.
        case adjust
    }

    /// Points drawn from one award.
    public struct Allocation: Hashable, Sendable, Codable {
        /// The ``LoyaltyEntry/key`` of the award.
        public var award: String
        /// How many points (positive).
        public var points: Int64
        public init(award: String, points: Int64) {
            self.award = award
            self.points = points
        }
    }

    /// Unique across the store, stable for the same fact: re-applying an event whose entry
    /// exists changes nothing (`order:shopify:1001`, `action:signup:42`, `redeem:KEY`).
    public var key: String
    public var customerID: CustomerID
    public var kind: Kind
    /// Signed: positive for awards, negative for what draws from them.
    public var points: Int64
    /// When it happened (UTC epoch seconds).
    public var at: Int64
    /// When an award's points can be spent: later than `at` for an order still inside its
    /// return window (the points are pending until then). Equal to `at` otherwise.
    public var availableAt: Int64
    /// When an award's unspent points expire; `nil` never (and for entries that are not awards).
    public var expiresAt: Int64?
    /// Why: the earn rule (`order`, `signup`, `review`, `birthday`, `referral`), the reward, or
    /// the reason given for an adjustment.
    public var reason: String
    /// What an erasure leaves as the reason of a redemption or an adjustment.
    public static let erasedReason = "erased"
    /// Who made a manual entry (an API key's name, a CLI user); `nil` for rules.
    public var actor: String?
    /// The order a reversal or an order's award belongs to (`source:ref`), for finding the award
    /// a refund reverses.
    public var orderRef: String?
    /// A reversal's points the customer had already spent and could not be taken back (the
    /// balance never goes negative). Zero otherwise.
    public var unrecovered: Int64
    /// The awards this entry draws from (entries with negative points only).
    public var allocations: [Allocation]

    public init(
        key: String, customerID: CustomerID, kind: Kind, points: Int64, at: Int64, availableAt: Int64? = nil,
        expiresAt: Int64? = nil, reason: String, actor: String? = nil, orderRef: String? = nil,
        unrecovered: Int64 = 0, allocations: [Allocation] = []
    ) {
        self.key = key
        self.customerID = customerID
        self.kind = kind
        self.points = points
        self.at = at
        self.availableAt = availableAt ?? at
        self.expiresAt = expiresAt
        self.reason = reason
        self.actor = actor
        self.orderRef = orderRef
        self.unrecovered = unrecovered
        self.allocations = allocations
    }

    /// Whether the entry adds points others can draw from.
    public var isAward: Bool { points > 0 }
}
