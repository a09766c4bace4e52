import Foundation

/// One customer as a page or an API response shows it: the record, its refs (in the order
/// ``StoreTransaction/refs(of:)`` gives them) and the store's reporting currency.
public struct CustomerSheet: Sendable, Equatable {
    public var customer: CustomerRecord
    public var refs: [ExternalRef]
    public var currency: CurrencyCode?

    public init(customer: CustomerRecord, refs: [ExternalRef], currency: CurrencyCode?) {
        self.customer = customer
        self.refs = refs
        self.currency = currency
    }
}

extension StoreTransaction {
    /// Three reads; a store with round trips to save overrides it with one.
    public func customerSheet(_ id: CustomerID) throws -> CustomerSheet? {
        guard let customer = try customer(id) else { return nil }
        return CustomerSheet(customer: customer, refs: try refs(of: id), currency: try reportingCurrency())
    }
}
