import Foundation

/// A support ticket as analytics see it; ``TicketRecord`` is the kernel's conformance.
public protocol Ticket: Sendable {
    var customerID: CustomerID { get }
    var status: TicketStatus { get }
    /// The last activity on the ticket (seconds since the epoch).
    var updatedAt: Int64 { get }
}

/// Where a support conversation stands: `open` waits for the shop, `pending` for the customer.
public enum TicketStatus: String, Hashable, Sendable, Codable {
    case open, pending, closed
}

/// How urgent a ticket is (from the mail's `Importance` / `X-Priority`, or set by a person).
public enum TicketPriority: String, Hashable, Sendable, Codable, CaseIterable {
    case low, normal, high, urgent
}

/// The kernel's ticket value.
public struct TicketRecord: Ticket, Hashable, Codable {
    public var id: TicketID
    public var ref: ExternalRef
    public var customerID: CustomerID
    public var subject: String
    public var status: TicketStatus
    public var openedAt: Int64
    public var updatedAt: Int64
    public var priority: TicketPriority
    /// The shop's first answer.
    public var firstResponseAt: Int64?
    /// When it was last closed (`nil` while open or pending).
    public var resolvedAt: Int64?

    /// The token that threads mail into this ticket: `[#T-42]` in a subject.
    public var token: String { "[#T-\(id.rawValue)]" }

    public init(
        id: TicketID, ref: ExternalRef, customerID: CustomerID, subject: String, status: TicketStatus,
        openedAt: Int64, updatedAt: Int64, priority: TicketPriority = .normal, firstResponseAt: Int64? = nil,
        resolvedAt: Int64? = nil
    ) {
        self.priority = priority
        self.firstResponseAt = firstResponseAt
        self.resolvedAt = resolvedAt
        self.id = id
        self.ref = ref
        self.customerID = customerID
        self.subject = subject
        self.status = status
        self.openedAt = openedAt
        self.updatedAt = updatedAt
    }
}
