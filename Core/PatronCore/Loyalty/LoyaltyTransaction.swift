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
    /// The entries of several customers at once, each oldest first (those with none are
    /// absent): what ingest reads for a chunk's orders. The default reads them one by one.
    func loyaltyEntries(ofCustomers customers: [CustomerID]) throws -> [CustomerID: [LoyaltyEntry]]
    /// Appends entries (of any customers) after those stored.
    func appendLoyaltyEntries(_ entries: [LoyaltyEntry]) throws
    /// The customers with an award that reached its expiry by `now` with points left (whose
    /// ledgers the nightly expiry changes), by id. A store keeps what each award has left as
    /// allocations are appended, so this is one indexed query; it must agree with
    /// ``LoyaltyLedger/awards`` over the stored entries.
    func customersWithExpiredAwards(at now: Int64) throws -> [CustomerID]
    /// Erasure: the reasons people wrote on the customer's redemptions and adjustments become
    /// `erased` (free text may name the person); kinds, points, times and allocations stay, so
    /// the ledger's figures are unchanged.
    func eraseLoyaltyReasons(of customer: CustomerID) throws
    /// Every customer's stored tier (`nil`: below the first), as the last tier run left them.
    func loyaltyTiers() throws -> [CustomerID: String?]
    /// Stores tier changes: each customer's tier becomes its change's `to`, and the change is
    /// kept (``tierChanges(of:)``) in the order given.
    func recordTierChanges(_ changes: [TierChange]) throws
    /// A customer's tier changes, oldest first.
    func tierChanges(of customer: CustomerID) throws -> [TierChange]
    /// Every customer's tier override (the last one set, ended or not).
    func tierOverrides() throws -> [CustomerID: TierOverride]
    /// Sets the customer's override, replacing the one before (an ended one is kept as set, with
    /// its end).
    func setTierOverride(_ override: TierOverride, of customer: CustomerID) throws
    /// Every customer's tier changes at or after `since`, in the order recorded.
    func tierChanges(since: Int64) throws -> [TierChange]
    /// What tiers qualify on, customer by customer in id order (each customer once, amounts in
    /// any order): for points, the ledger's ``LoyaltyLedger/earnings`` (earns, and reversals less what
    /// they could not recover); for net spend, each counting order's net at its placement.
    /// Customers with nothing are not visited.
    func forEachTierBasis(
        _ basis: TierPolicy.Basis, _ body: (CustomerID, [(at: Int64, amount: Int64)]) throws -> Void) throws
    /// The active rules, `nil` before the first activation.
    func loyaltyRules() throws -> LoyaltyRulesRecord?
    /// Makes `rules` the active ones.
    func setLoyaltyRules(_ rules: LoyaltyRulesRecord) throws
}

extension LoyaltyTransaction {
    public func loyaltyEntries(ofCustomers customers: [CustomerID]) throws -> [CustomerID: [LoyaltyEntry]] {
        var found: [CustomerID: [LoyaltyEntry]] = [:]
        for id in Set(customers) {
            let entries = try loyaltyEntries(of: id)
            if !entries.isEmpty { found[id] = entries }
        }
        return found
    }
}

/// A rules file as activated: its text, what it reads as (the programme ingest earns by: the
/// kernel cannot read YAML, so the reader's result is kept with the text) and when.
public struct LoyaltyRulesRecord: Hashable, Sendable, Codable {
    public var text: String
    public var program: LoyaltyProgram?
    public var activatedAt: Int64
    public init(text: String, program: LoyaltyProgram? = nil, activatedAt: Int64) {
        self.text = text
        self.program = program
        self.activatedAt = activatedAt
    }

    /// The programme as a store keeps it (JSON), `nil` without one.
    public var programJSON: String? {
        guard let program, let data = try? JSONEncoder().encode(program) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// A record as a store read it: the programme's JSON (``programJSON``) read back.
    public init(text: String, programJSON: String?, activatedAt: Int64) throws {
        var program: LoyaltyProgram?
        if let programJSON {
            do {
                program = try JSONDecoder().decode(LoyaltyProgram.self, from: Data(programJSON.utf8))
            } catch {
                throw PatronError(.storeFailure, "the stored loyalty programme does not read: \(error)")
            }
        }
        self.init(text: text, program: program, activatedAt: activatedAt)
    }
}
