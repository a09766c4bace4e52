import Foundation

/// A support ticket as analytics see it; ``TicketRecord`` is the kernel's conformance.
public protocol Ticket: Sendable {
    var customerID: CustomerID { get }
    var status: TicketStatus { get }
    /// The last activity on the ticket (seconds since the epoch).
    var updatedAt: Int64 { get }
}

/// Where a support conversation stands.
public enum TicketStatus: String, Hashable, Sendable, Codable {
    case open, pending, closed
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

    public init(
        id: TicketID, ref: ExternalRef, customerID: CustomerID, subject: String, status: TicketStatus,
        openedAt: Int64, updatedAt: Int64
    ) {
        self.id = id
        self.ref = ref
        self.customerID = customerID
        self.subject = subject
        self.status = status
        self.openedAt = openedAt
        self.updatedAt = updatedAt
    }
}
