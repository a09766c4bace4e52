import Foundation

/// A customer's scores in the newest saved RFM snapshot.
public struct StoredRFMScore: Hashable, Sendable {
    /// The snapshot's as-of day, `YYYY-MM-DD`.
    public var asOf: String
    public var r: Int
    public var f: Int
    public var m: Int
    public var segment: String

    public init(asOf: String, r: Int, f: Int, m: Int, segment: String) {
        self.asOf = asOf
        self.r = r
        self.f = f
        self.m = m
        self.segment = segment
    }
}

/// The records the API lists and shows: pages in id order (keyset: after an id, at most
/// `limit`, optionally of one customer or in one status), single records by the store's id, a
/// ticket's messages, a customer's segment moves and newest RFM scores, report keys.
///
/// An implementer keeps: pages are in ascending id order and start strictly after `after`;
/// segment moves list RFM moves (segment `rfm`, at their snapshot's time) before saved-segment
/// entries and exits, each oldest first; the conformance kit checks these.
public protocol RecordPages: Sendable {
    func orders(customer: CustomerID?, after: Int64, limit: Int) async throws -> [OrderRecord]
    func order(id: OrderID) async throws -> OrderRecord?
    func carts(customer: CustomerID?, status: CartStatus?, after: Int64, limit: Int) async throws -> [CartRecord]
    func cart(id: CartID) async throws -> CartRecord?
    func tickets(customer: CustomerID?, status: TicketStatus?, after: Int64, limit: Int) async throws
        -> [TicketRecord]
    func ticket(id: TicketID) async throws -> TicketRecord?
    /// A ticket's messages, oldest first.
    func messages(ofTicket ticket: TicketID) async throws -> [StoredMessage]
    /// The customer's RFM moves and saved-segment entries and exits.
    func segmentMoves(of customer: CustomerID) async throws -> [SegmentTransition]
    /// The customer's scores in the newest saved RFM snapshot.
    func rfmScore(of customer: CustomerID) async throws -> StoredRFMScore?
    /// How reports name these customers: their primary ref, or `patron:N`.
    func reportKeys(for ids: [CustomerID]) async throws -> [CustomerID: String]
    /// How reports name every customer, in one scan (for outputs over most of the store).
    func allReportKeys() async throws -> [CustomerID: String]
}
