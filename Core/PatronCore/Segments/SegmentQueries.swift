import Foundation

/// Counting and streaming a segment's members: what `segment count|export`, `export customers`
/// and the API's segment routes read.
///
/// An implementer keeps: members come in customer id order, each as a ``SegmentRow`` valid
/// only inside `body` (rows may be read in place); without an expression every customer is a
/// member; `after` and `limit` page by id; the count equals the rows streamed. The store
/// conformance kit checks the rows against the kernel's evaluator, field by field.
public protocol SegmentQueries: Sendable {
    associatedtype MemberRow: SegmentRow
    /// How many customers are in the segment at `now`.
    func segmentCount(_ expression: SegmentExpression, now: Int64) async throws -> Int
    /// Streams the members (everyone without an expression) after `after`, at most `limit`:
    /// the customer's report key, then `fields`' values.
    func forEachSegmentMember(
        _ expression: SegmentExpression?, fields: [SegmentField], now: Int64, after: CustomerID?, limit: Int?,
        _ body: (MemberRow) throws -> Void
    ) async throws
    /// Streams the orders of the segment's members (every order without an expression), in the
    /// store's order id order.
    func forEachOrder(of expression: SegmentExpression?, now: Int64, _ body: (OrderExportRow) throws -> Void)
        async throws
    /// How the store runs the segment: its query, and the plan the store chose for it (for
    /// `patron segment explain`).
    func explainSegment(_ expression: SegmentExpression, now: Int64) async throws -> (query: String, plan: [String])
}
