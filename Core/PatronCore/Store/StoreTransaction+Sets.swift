import Foundation

/// The set-shaped requirements, one row at a time: correct for any store, and what a store
/// without a faster way (the in-memory reference) uses. A store overrides them with one
/// statement per set (`IN (…)` lookups, multi-row inserts, `COPY`).
extension StoreTransaction {
    public func customerIDs(refs: [ExternalRef]) throws -> [ExternalRef: CustomerID] {
        var found: [ExternalRef: CustomerID] = [:]
        for ref in refs { if let id = try customerID(ref: ref) { found[ref] = id } }
        return found
    }

    public func customerIDs(emails: [String]) throws -> [String: CustomerID] {
        var found: [String: CustomerID] = [:]
        for email in emails { if let id = try customerID(email: email) { found[email] = id } }
        return found
    }

    public func customerIDs(phones: [String]) throws -> [String: CustomerID] {
        var found: [String: CustomerID] = [:]
        for phone in phones { if let id = try customerID(phone: phone) { found[phone] = id } }
        return found
    }

    public func customers(_ ids: [CustomerID]) throws -> [CustomerID: CustomerRecord] {
        var found: [CustomerID: CustomerRecord] = [:]
        for id in ids { if let record = try customer(id) { found[id] = record } }
        return found
    }

    public func storedOrderRefs(_ refs: [ExternalRef]) throws -> Set<ExternalRef> {
        var stored = Set<ExternalRef>()
        for ref in refs where try order(ref: ref) != nil { stored.insert(ref) }
        return stored
    }

    public func insertNewOrders(_ orders: [OrderRecord]) throws {
        for order in orders {
            guard try insertOrder(order) != nil else {
                throw PatronError(.conflict, "order '\(order.ref.id)' from \(order.ref.source) is already stored")
            }
        }
    }

    public func updateCustomers(_ customers: [CustomerRecord]) throws {
        for customer in customers { try updateCustomer(customer) }
    }
}
