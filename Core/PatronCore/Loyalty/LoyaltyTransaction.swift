import Foundation

/// What a store keeps for loyalty, inside its transactions: the ledgers' entries and the active
/// rules file. ``StoreTransaction`` includes it, so every store keeps both.
///
/// An implementer keeps: entries come back in the order they were appended, exactly as given
/// (allocations, `nil`s and all); ``LoyaltyEntry/key`` is unique across the store, so appending a
/// key that is stored throws a `conflict` (and the write rolls back);
/// ``StoreTransaction/reassign(from:into:at:)`` moves a merged customer's entries to the survivor.
/// Checked by the store conformance kit's `loyalty` rule.
public protocol LoyaltyTransaction {
    /// A customer's entries, oldest first.
    func loyaltyEntries(of customer: CustomerID) throws -> [LoyaltyEntry]
    /// Appends entries (of any customers) after those stored.
    func appendLoyaltyEntries(_ entries: [LoyaltyEntry]) throws
    /// The customers with an award that reached its expiry by `now` with points left (whose
    /// ledgers the nightly expiry changes), by id. A store keeps what each award has left as
    /// allocations are appended, so this is one indexed query; it must agree with
    /// ``LoyaltyLedger/awards`` over the stored entries.
    func customersWithExpiredAwards(at now: Int64) throws -> [CustomerID]
    /// The active rules, `nil` before the first activation.
    func loyaltyRules() throws -> LoyaltyRulesRecord?
    /// Makes `rules` the active ones.
    func setLoyaltyRules(_ rules: LoyaltyRulesRecord) throws
}

/// A rules file as activated: its text (read again with ``LoyaltyProgram``'s reader when used)
/// and when.
public struct LoyaltyRulesRecord: Hashable, Sendable, Codable {
    public var text: String
    public var activatedAt: Int64
    public init(text: String, activatedAt: Int64) {
        self.text = text
        self.activatedAt = activatedAt
    }
}
