import Foundation

/// Carts and tickets within a batch.
extension Ingestor.Batch {
    mutating func updateCart(_ data: CartData, source: String, at: Int64) throws {
        try checkCurrency(data.currency, field: "cart.currency")
        let customerID = try resolve(data.customer, source: source, at: at)
        let ref = ExternalRef(source: source, id: data.ref)
        var previousCustomer: CustomerID?
        if var cart = try cart(ref) {
            guard at >= cart.updatedAt else { return }
            previousCustomer = cart.customerID
            cart.customerID = customerID
            cart.valueMinor = data.valueMinor
            cart.lines = data.lines
            cart.status = data.status
            cart.updatedAt = at
            try save(cart, previousOwner: previousCustomer)
        } else {
            try save(
                CartRecord(
                    id: CartID(0), ref: ref, customerID: customerID, currency: data.currency,
                    valueMinor: data.valueMinor, status: data.status, lines: data.lines, updatedAt: at),
                previousOwner: nil)
        }
        try refreshCarts(of: customerID)
        if let previousCustomer, previousCustomer != customerID { try refreshCarts(of: previousCustomer) }
    }

    mutating func refreshCarts(of id: CustomerID) throws {
        let fresh = CustomerAggregates.recompute(
            orders: [OrderRecord](), carts: try carts(of: id), tickets: [TicketRecord]())
        try modify(id) {
            $0.openCartCount = fresh.openCartCount
            $0.openCartValueMinor = fresh.openCartValueMinor
            $0.lastCartActivityAt = fresh.lastCartActivityAt
        }
    }

    mutating func updateTicket(_ data: TicketData, source: String, at: Int64) throws {
        let customerID = try resolve(data.customer, source: source, at: at)
        let ref = ExternalRef(source: source, id: data.ref)
        var previousCustomer: CustomerID?
        if var ticket = try transaction.ticket(ref: ref) {
            guard at >= ticket.updatedAt else { return }
            previousCustomer = ticket.customerID
            ticket.customerID = customerID
            ticket.subject = data.subject
            if data.status == .closed, ticket.status != .closed { ticket.resolvedAt = at }
            if data.status != .closed { ticket.resolvedAt = nil }
            ticket.status = data.status
            ticket.updatedAt = at
            try transaction.updateTicket(ticket)
        } else {
            _ = try transaction.insertTicket(
                // A ticket first seen closed (a helpdesk that reports it once solved) was resolved then.
                TicketRecord(
                    id: TicketID(0), ref: ref, customerID: customerID, subject: data.subject, status: data.status,
                    openedAt: at, updatedAt: at, resolvedAt: data.status == .closed ? at : nil))
        }
        try refreshTickets(of: customerID)
        if let previousCustomer, previousCustomer != customerID { try refreshTickets(of: previousCustomer) }
    }

    mutating func refreshTickets(of id: CustomerID) throws {
        let fresh = CustomerAggregates.recompute(
            orders: [OrderRecord](), carts: [CartRecord](), tickets: try transaction.tickets(of: id))
        try modify(id) {
            $0.openTicketCount = fresh.openTicketCount
            $0.lastTicketAt = fresh.lastTicketAt
        }
    }
}
