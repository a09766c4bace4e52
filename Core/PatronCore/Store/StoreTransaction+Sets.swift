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

    public func updateCustomerAggregates(_ customers: [CustomerRecord]) throws {
        try updateCustomers(customers)
    }

    public func insertNewCustomers(_ customers: [CustomerRecord]) throws {
        for customer in customers {
            let id = try insertCustomer(customer)
            guard id == customer.id else {
                throw PatronError(
                    .storeFailure, "a new customer was stored as \(id), not \(customer.id) as nextCustomerID() said")
            }
        }
    }

    public func attach(_ refs: [(ref: ExternalRef, customer: CustomerID)]) throws {
        for (ref, customer) in refs { try attach(ref: ref, to: customer) }
    }

    public func recordConsents(_ statements: [(statement: ConsentStatement, customer: CustomerID)]) throws {
        for (statement, customer) in statements { try recordConsent(statement, of: customer) }
    }

    public func carts(refs: [ExternalRef]) throws -> [ExternalRef: CartRecord] {
        var found: [ExternalRef: CartRecord] = [:]
        for ref in refs { if let cart = try cart(ref: ref) { found[ref] = cart } }
        return found
    }

    public func carts(ofCustomers customers: [CustomerID]) throws -> [CustomerID: [CartRecord]] {
        var found: [CustomerID: [CartRecord]] = [:]
        for id in customers {
            let carts = try carts(of: id)
            if !carts.isEmpty { found[id] = carts }
        }
        return found
    }

    public func insertNewCarts(_ carts: [CartRecord]) throws {
        for cart in carts {
            let id = try insertCart(cart)
            guard id == cart.id else {
                throw PatronError(.storeFailure, "a new cart was stored as \(id), not \(cart.id) as nextCartID() said")
            }
        }
    }

    public func updateCarts(_ carts: [CartRecord]) throws {
        for cart in carts { try updateCart(cart) }
    }
}
