import Foundation

extension IngestEvent {
    /// Checks the rules every source must keep, whatever its format: ids present, no negative
    /// quantity or amount, a customer named where one is needed. Throws with the event's origin.
    public func validate() throws(PatronError) {
        func fail(_ field: String, _ message: String) -> PatronError {
            PatronError(.invalidValue, message, at: (origin ?? InputLocation()).with(field: field))
        }
        guard !id.isEmpty else { throw fail("id", "event id is empty") }
        guard !source.isEmpty, !source.contains(":") else {
            throw fail("source", "source must be a non-empty name without ':'")
        }
        func checkAmount(_ value: Int64, _ field: String) throws(PatronError) {
            guard value <= Money.largestMinorUnits else {
                throw fail(field, "amount is larger than Patron accepts (10^15 minor units)")
            }
        }
        func checkLines(_ lines: [OrderLine], _ prefix: String) throws(PatronError) {
            for (index, line) in lines.enumerated() {
                guard line.quantity >= 0 else {
                    throw fail("\(prefix).lines[\(index)].quantity", "negative quantity \(line.quantity)")
                }
                guard line.quantity <= Money.largestQuantity else {
                    throw fail(
                        "\(prefix).lines[\(index)].quantity", "quantity \(line.quantity) is larger than Patron accepts")
                }
                guard line.unitPriceMinor >= 0 else {
                    throw fail("\(prefix).lines[\(index)].unit_price", "negative unit price")
                }
                try checkAmount(line.unitPriceMinor, "\(prefix).lines[\(index)].unit_price")
                guard !line.sku.isEmpty else { throw fail("\(prefix).lines[\(index)].sku", "sku is empty") }
            }
        }
        func checkCustomer(_ identity: CustomerIdentity, _ field: String) throws(PatronError) {
            guard !identity.isEmpty else {
                throw fail(field, "no customer identity (give an id, a valid email or an E.164 phone)")
            }
        }
        switch kind {
        case .customerUpserted(let upsert):
            try checkCustomer(upsert.identity, "customer")
            if let birthday = upsert.birthday, !Self.isBirthday(birthday) {
                throw fail("customer.birthday", "birthday '\(birthday)' is not YYYY-MM-DD or --MM-DD")
            }
        case .orderPlaced(let order), .orderUpdated(let order):
            guard !order.ref.isEmpty else { throw fail("order.id", "order id is empty") }
            try checkCustomer(order.customer, "order.customer")
            guard order.totalMinor >= 0 else { throw fail("order.total", "negative order total") }
            try checkAmount(order.totalMinor, "order.total")
            try checkLines(order.lines, "order")
        case .orderCancelled(let ref):
            guard !ref.isEmpty else { throw fail("order.id", "order id is empty") }
        case .orderRefunded(let refund):
            guard !refund.orderRef.isEmpty else { throw fail("refund.order_id", "order id is empty") }
            guard refund.amountMinor > 0 else { throw fail("refund.amount", "refund amount must be positive") }
            try checkAmount(refund.amountMinor, "refund.amount")
        case .cartUpdated(let cart):
            guard !cart.ref.isEmpty else { throw fail("cart.id", "cart id is empty") }
            try checkCustomer(cart.customer, "cart.customer")
            guard cart.valueMinor >= 0 else { throw fail("cart.total", "negative cart value") }
            try checkAmount(cart.valueMinor, "cart.total")
            try checkLines(cart.lines, "cart")
        case .consentChanged(let change):
            try checkCustomer(change.customer, "consent.customer")
        case .customerErased(let identity):
            try checkCustomer(identity, "customer")
        case .ticketUpdated(let ticket):
            guard !ticket.ref.isEmpty else { throw fail("ticket.id", "ticket id is empty") }
            try checkCustomer(ticket.customer, "ticket.customer")
        }
    }

    static func isBirthday(_ text: String) -> Bool {
        if text.hasPrefix("--") { return Day(iso: "2000" + text.dropFirst(1)) != nil && text.count == 7 }
        return Day(iso: text) != nil
    }
}
