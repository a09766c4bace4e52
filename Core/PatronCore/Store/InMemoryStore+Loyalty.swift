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

    public func loyaltyRules() throws -> LoyaltyRulesRecord? { state.loyaltyRules }

    public func setLoyaltyRules(_ rules: LoyaltyRulesRecord) throws { state.loyaltyRules = rules }
}
