import Foundation

/// The tickets flows open (a `ticket` step): one per key, for a person to follow up.
public enum FlowTickets {
    /// The source of a flow's tickets' refs (Patron's own: `patron.` sources are reserved).
    public static let source = "patron.flow"

    /// Opens the ticket `key` names for the customer, with its subject and a first note, at high
    /// priority, and counts it in the customer's open tickets. Nothing when the key has a ticket
    /// already (a step run again) or the customer is gone or erased. Returns the new ticket.
    @discardableResult
    public static func open<T: StoreTransaction>(
        in t: T, key: String, customer id: CustomerID, subject: String, note: String, at: Int64
    ) throws -> TicketID? {
        let ref = ExternalRef(source: source, id: key)
        guard try t.ticket(ref: ref) == nil, var customer = try t.customer(id), customer.erasedAt == nil else {
            return nil
        }
        let title = subject.trimmingCharacters(in: .whitespacesAndNewlines)
        let ticket = try t.insertTicket(
            TicketRecord(
                id: TicketID(0), ref: ref, customerID: id, subject: title.isEmpty ? "Follow up" : title,
                status: .open, openedAt: at, updatedAt: at, priority: .high))
        try t.insertMessage(
            StoredMessage(
                messageID: "<\(key)@\(source)>", ticketID: ticket, customerID: id, direction: .inbound, kind: "note",
                sender: nil, recipients: [], subject: title, body: note, attachments: [], sentAt: at))
        let fresh = CustomerAggregates.recompute(
            orders: [OrderRecord](), carts: [CartRecord](), tickets: try t.tickets(of: id))
        customer.aggregates.openTicketCount = fresh.openTicketCount
        customer.aggregates.lastTicketAt = fresh.lastTicketAt
        try t.updateCustomer(customer)
        return ticket
    }
}
