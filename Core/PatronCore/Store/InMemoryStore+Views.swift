import Foundation

extension InMemoryStore.Transaction {
    public func recordViews(_ views: [ProductView]) throws {
        for view in views {
            state.views.append(view)
            if let customer = view.customerID { count(view, for: customer) }
        }
    }

    func count(_ view: ProductView, for customer: CustomerID) {
        var total =
            state.viewTotals[customer]?[view.sku]
            ?? ViewTotal(sku: view.sku, views: 0, firstAt: view.at, lastAt: view.at)
        total.views += 1
        total.firstAt = min(total.firstAt, view.at)
        total.lastAt = max(total.lastAt, view.at)
        state.viewTotals[customer, default: [:]][view.sku] = total
    }

    public func visitorCustomers(_ visitors: [String]) throws -> [String: CustomerID] {
        var found: [String: CustomerID] = [:]
        for visitor in visitors { found[visitor] = state.visitors[visitor] }
        return found
    }

    public func linkVisitor(_ visitor: String, to customer: CustomerID, at: Int64) throws -> Int {
        state.visitors[visitor] = customer
        var given = 0
        for index in state.views.indices
        where state.views[index].visitorID == visitor && state.views[index].customerID == nil {
            state.views[index].customerID = customer
            count(state.views[index], for: customer)
            given += 1
        }
        return given
    }

    public func forgetVisitor(_ visitor: String) throws -> Int {
        state.visitors[visitor] = nil
        let before = state.views.count
        state.views.removeAll { $0.visitorID == visitor && $0.customerID == nil }
        return before - state.views.count
    }

    public func views(of customer: CustomerID) throws -> [ProductView] {
        state.views.filter { $0.customerID == customer }.sorted {
            $0.at != $1.at ? $0.at < $1.at : Self.bytesBefore($0.sku, $1.sku)
        }
    }

    public func viewTotals(of customer: CustomerID) throws -> [ViewTotal] {
        (state.viewTotals[customer] ?? [:]).values.sorted { Self.bytesBefore($0.sku, $1.sku) }
    }

    public func pruneViews(before: Int64) throws -> Int {
        let count = state.views.count
        state.views.removeAll { $0.at < before }
        return count - state.views.count
    }

    public func eraseViews(of customer: CustomerID) throws {
        state.views.removeAll { $0.customerID == customer }
        state.viewTotals[customer] = nil
        for (visitor, owner) in state.visitors where owner == customer { state.visitors[visitor] = nil }
    }

    /// A merge: views, totals (summed) and visitor links go to the survivor.
    func moveViews(from: CustomerID, into: CustomerID) {
        for index in state.views.indices where state.views[index].customerID == from {
            state.views[index].customerID = into
        }
        for (sku, total) in state.viewTotals.removeValue(forKey: from) ?? [:] {
            if var kept = state.viewTotals[into]?[sku] {
                kept.views += total.views
                kept.firstAt = min(kept.firstAt, total.firstAt)
                kept.lastAt = max(kept.lastAt, total.lastAt)
                state.viewTotals[into]![sku] = kept
            } else {
                state.viewTotals[into, default: [:]][sku] = total
            }
        }
        for (visitor, owner) in state.visitors where owner == from { state.visitors[visitor] = into }
    }
}
