import Foundation

/// How the shop's answer to a ticket is addressed and threaded: to the customer who last wrote,
/// `Re:` the ticket's subject with its token (`[#T-42]`), `In-Reply-To` the last message
/// received and `References` the whole thread (RFC 5322 §3.6.4), so that both the customer's
/// mail program and Patron put it in the same conversation.
public struct TicketReply: Hashable, Sendable {
    public var to: String?
    public var subject: String
    public var inReplyTo: String?
    public var references: [String]

    public init(ticket: TicketRecord, messages: [StoredMessage], customerEmail: String?) {
        let received = messages.filter { $0.direction == .inbound && $0.kind == "message" }
        to = received.last?.sender ?? customerEmail
        var base = ticket.subject.isEmpty ? (received.first?.subject ?? "") : ticket.subject
        while base.lowercased().hasPrefix("re:") {
            base = String(base.dropFirst(3)).trimmingCharacters(in: .whitespaces)
        }
        base = base.replacingOccurrences(of: " " + ticket.token, with: "").replacingOccurrences(
            of: ticket.token, with: "")
        subject = "Re: \(base) \(ticket.token)"
        inReplyTo = received.last?.messageID ?? messages.last?.messageID
        references = messages.map(\.messageID)
    }
}

/// Support figures over tickets: how many are open, and how fast the shop answers and solves.
public struct TicketMetrics: Hashable, Sendable {
    public var tickets: Int
    public var open: Int
    public var pending: Int
    public var closed: Int
    /// Median seconds from opening to the first answer (tickets answered so far).
    public var medianFirstResponseSeconds: Int64?
    /// Median seconds from opening to resolution (tickets resolved so far).
    public var medianResolutionSeconds: Int64?

    public init(tickets records: [TicketRecord]) {
        tickets = records.count
        open = records.filter { $0.status == .open }.count
        pending = records.filter { $0.status == .pending }.count
        closed = records.filter { $0.status == .closed }.count
        func median(_ values: [Int64]) -> Int64? {
            guard !values.isEmpty else { return nil }
            let sorted = values.sorted()
            let middle = sorted.count / 2
            return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        }
        medianFirstResponseSeconds = median(records.compactMap { r in r.firstResponseAt.map { $0 - r.openedAt } })
        medianResolutionSeconds = median(records.compactMap { r in r.resolvedAt.map { $0 - r.openedAt } })
    }
}
