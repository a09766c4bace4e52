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

    public func loyaltyRules() throws -> LoyaltyRulesRecord? { state.loyaltyRules }

    public func setLoyaltyRules(_ rules: LoyaltyRulesRecord) throws { state.loyaltyRules = rules }
}
