import Foundation

/// Orders, refunds, cancellations and the store currency within a batch.
extension Ingestor.Batch {
    mutating func checkCurrency(_ given: CurrencyCode, field: String) throws {
        if !currencyLoaded {
            currency = try transaction.reportingCurrency()
            currencyLoaded = true
        }
        if let currency {
            guard currency == given else {
                throw PatronError(
                    .conflict,
                    "currency \(given) differs from the store's currency \(currency) "
                        + "(one currency per store; converting needs exchange rates)",
                    at: InputLocation(field: field))
            }
        } else {
            try transaction.setReportingCurrency(given)
            currency = given
        }
    }

    // MARK: Orders

    mutating func placeOrUpdate(_ data: OrderData, source: String, at: Int64) throws {
        try checkCurrency(data.currency, field: "order.currency")
        let customerID = try resolve(data.customer, source: source, at: at)
        let ref = ExternalRef(source: source, id: data.ref)
        let record = OrderRecord(
            id: OrderID(0), ref: ref, customerID: customerID, placedAt: data.placedAt, currency: data.currency,
            totalMinor: data.totalMinor, lines: data.lines, updatedAt: at)
        if newOrderRefs.remove(ref) != nil {
            // Known new (the chunk's lookup): kept for one multi-row write at the chunk's end.
            pendingRefs[ref] = pendingOrders.count
            pendingOrders.append(record)
            pendingCustomers.insert(customerID)
            try modify(customerID) { $0.add(orderAt: data.placedAt, netMinor: data.totalMinor) }
            loyaltyBook.note(record, at: at, new: true)
            if let code = data.referralCode { loyaltyBook.referrals[ref] = code }
        } else if pendingRefs[ref] == nil, try insertNow(record) {
            try modify(customerID) { $0.add(orderAt: data.placedAt, netMinor: data.totalMinor) }
            loyaltyBook.note(record, at: at, new: true)
            if let code = data.referralCode { loyaltyBook.referrals[ref] = code }
        } else {
            var existing = try existingOrder(ref, field: "order.id")
            guard at >= existing.updatedAt else { return }  // a stale update arriving late
            report.ordersUpdated += 1
            guard data.totalMinor >= existing.refundedMinor else {
                throw PatronError(
                    .conflict, "order total is below what was already refunded",
                    at: InputLocation(field: "order.total"))
            }
            let previousCustomer = existing.customerID
            existing.customerID = customerID
            existing.placedAt = data.placedAt
            existing.totalMinor = data.totalMinor
            let linesChanged = existing.lines != data.lines
            existing.lines = data.lines
            existing.updatedAt = at
            try save(existing, linesChanged: linesChanged)
            loyaltyBook.note(existing, at: at, movedFrom: previousCustomer)
            try refreshOrders(of: customerID)
            if previousCustomer != customerID { try refreshOrders(of: previousCustomer) }
        }
        if let cartRef = data.cartRef,
            var cart = try cart(ExternalRef(source: source, id: cartRef)),
            cart.status == .open
        {
            cart.status = .converted
            cart.updatedAt = max(cart.updatedAt, at)
            try save(cart, previousOwner: cart.customerID)
            try refreshCarts(of: cart.customerID)
        }
    }

    /// Inserts an order at once (after the pending ones, so ids stay in arrival order); `false`
    /// when its ref is stored.
    mutating func insertNow(_ record: OrderRecord) throws -> Bool {
        try flushOrders()
        return try transaction.insertOrder(record) != nil
    }

    /// Writes the pending new orders, in one go where the store can. Whatever reads orders
    /// from the store first writes those it would read: an order by its ref, a customer's
    /// orders (``flushOrders(of:)``), a merge (all).
    mutating func flushOrders() throws {
        guard !pendingOrders.isEmpty else { return }
        try transaction.insertNewOrders(pendingOrders)
        pendingOrders.removeAll(keepingCapacity: true)
        pendingRefs.removeAll(keepingCapacity: true)
        pendingCustomers.removeAll(keepingCapacity: true)
    }

    /// Writes the pending orders when the customer has one among them.
    mutating func flushOrders(of customer: CustomerID) throws {
        if pendingCustomers.contains(customer) { try flushOrders() }
    }

    /// Writes a changed order back: in memory while it waits to be inserted, else to the store.
    mutating func save(_ order: OrderRecord, linesChanged: Bool) throws {
        if let index = pendingRefs[order.ref] {
            pendingOrders[index] = order
            pendingCustomers.insert(order.customerID)
        } else {
            try transaction.updateOrder(order, linesChanged: linesChanged)
        }
    }

    /// Recomputes a customer's order aggregates from the stored orders and the pending ones.
    mutating func refreshOrders(of id: CustomerID) throws {
        _ = try load(id)
        var fresh = CustomerAggregates()
        for order in try transaction.countingOrders(of: id) {
            fresh.add(orderAt: order.placedAt, netMinor: order.netMinor)
        }
        if pendingCustomers.contains(id) {
            for order in pendingOrders where order.customerID == id && order.status.counts {
                fresh.add(orderAt: order.placedAt, netMinor: order.netMinor)
            }
        }
        try modify(id) {
            $0.orderCount = fresh.orderCount
            $0.revenueMinor = fresh.revenueMinor
            $0.firstOrderAt = fresh.firstOrderAt
            $0.lastOrderAt = fresh.lastOrderAt
        }
    }

    mutating func existingOrder(_ ref: ExternalRef, field: String) throws -> OrderRecord {
        if let index = pendingRefs[ref] { return pendingOrders[index] }
        guard let order = try transaction.order(ref: ref) else {
            throw PatronError(
                .notFound, "unknown order '\(ref.id)' from \(ref.source)", at: InputLocation(field: field))
        }
        return order
    }

    mutating func cancel(_ ref: ExternalRef, at: Int64) throws {
        var order = try existingOrder(ref, field: "order.id")
        guard order.status != .cancelled else { return }
        order.status = .cancelled
        order.updatedAt = max(order.updatedAt, at)
        try save(order, linesChanged: false)
        loyaltyBook.note(order, at: at)
        let customer = try load(order.customerID)
        if order.placedAt == customer.aggregates.firstOrderAt || order.placedAt == customer.aggregates.lastOrderAt {
            try refreshOrders(of: order.customerID)  // the first or last order changed: look again
        } else {
            try modify(order.customerID) {
                $0.orderCount -= 1
                $0.revenueMinor -= order.netMinor
            }
        }
    }

    mutating func applyRefund(_ refund: RefundData, source: String, at: Int64) throws {
        try checkCurrency(refund.currency, field: "refund.currency")
        var order = try existingOrder(ExternalRef(source: source, id: refund.orderRef), field: "refund.order_id")
        guard order.refundedMinor + refund.amountMinor <= order.totalMinor else {
            let digits = refund.currency.minorUnitDigits
            throw PatronError(
                .conflict,
                "refunds of \(Money.decimalString(order.refundedMinor + refund.amountMinor, digits: digits)) "
                    + "exceed the order total \(Money.decimalString(order.totalMinor, digits: digits))",
                at: InputLocation(field: "refund.amount"))
        }
        order.refundedMinor += refund.amountMinor
        order.updatedAt = max(order.updatedAt, at)
        try save(order, linesChanged: false)
        loyaltyBook.note(order, at: at)
        if order.status.counts { try modify(order.customerID) { $0.revenueMinor -= refund.amountMinor } }
    }
}
