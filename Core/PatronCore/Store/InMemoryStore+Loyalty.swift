import Foundation

extension InMemoryStore.Transaction {
    public func loyaltyEntries(of customer: CustomerID) throws -> [LoyaltyEntry] {
        state.loyaltyEntries.filter { $0.customerID == customer }
    }

    public func appendLoyaltyEntries(_ entries: [LoyaltyEntry]) throws {
        for entry in entries {
            guard state.loyaltyKeys.insert(entry.key).inserted else {
                throw PatronError(.conflict, "loyalty entry '\(entry.key)' is stored already")
            }
            state.loyaltyEntries.append(entry)
        }
    }

    public func customersWithExpiredAwards(at now: Int64) throws -> [CustomerID] {
        let customers = Set(state.loyaltyEntries.map(\.customerID))
        return customers.sorted().filter { customer in
            LoyaltyLedger(customerID: customer, entries: state.loyaltyEntries.filter { $0.customerID == customer })
                .awards.contains { $0.remaining > 0 && $0.isExpired(at: now) }
        }
    }

    public func eraseLoyaltyReasons(of customer: CustomerID) throws {
        for index in state.loyaltyEntries.indices
        where state.loyaltyEntries[index].customerID == customer
            && [.spend, .adjust].contains(state.loyaltyEntries[index].kind)
        {
            state.loyaltyEntries[index].reason = LoyaltyEntry.erasedReason
        }
    }

    public func loyaltyTiers() throws -> [CustomerID: String?] { state.loyaltyTiers }

    public func recordTierChanges(_ changes: [TierChange]) throws {
        for change in changes {
            state.loyaltyTiers[change.customerID] = .some(change.to)
            state.tierChanges.append(change)
        }
    }

    public func tierChanges(of customer: CustomerID) throws -> [TierChange] {
        state.tierChanges.filter { $0.customerID == customer }
    }

    public func tierOverrides() throws -> [CustomerID: TierOverride] { state.tierOverrides }

    public func setTierOverride(_ override: TierOverride, of customer: CustomerID) throws {
        state.tierOverrides[customer] = override
    }

    public func tierChanges(since: Int64) throws -> [TierChange] { state.tierChanges.filter { $0.at >= since } }

    public func forEachTierBasis(
        _ basis: TierPolicy.Basis, _ body: (CustomerID, [(at: Int64, amount: Int64)]) throws -> Void
    ) throws {
        var amounts: [CustomerID: [(at: Int64, amount: Int64)]] = [:]
        switch basis {
        case .pointsEarned:
            let ledgers = Dictionary(grouping: state.loyaltyEntries, by: \.customerID)
            for (customer, entries) in ledgers {
                let earnings = LoyaltyLedger(customerID: customer, entries: entries).earnings
                if !earnings.isEmpty { amounts[customer] = earnings }
            }
        case .netSpend:
            for order in state.orders.values where order.status.counts {
                amounts[order.customerID, default: []].append((order.placedAt, order.netMinor))
            }
        }
        for customer in amounts.keys.sorted() { try body(customer, amounts[customer]!) }
    }

    public func loyaltyRules() throws -> LoyaltyRulesRecord? { state.loyaltyRules }

    public func setLoyaltyRules(_ rules: LoyaltyRulesRecord) throws { state.loyaltyRules = rules }
}
