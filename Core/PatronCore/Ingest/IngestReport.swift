import Foundation

/// What a batch did.
public struct IngestReport: Hashable, Sendable, CustomStringConvertible {
    /// Events applied, by type.
    public var applied: [EventType: Int] = [:]
    /// Events skipped because their id had been applied before.
    public var duplicates = 0
    public var customersCreated = 0
    public var customersMerged = 0
    /// Orders that existed and were changed (by `order.placed` again or `order.updated`).
    public var ordersUpdated = 0
    /// Erasure requests for customers the store did not know.
    public var erasuresOfUnknown = 0

    public init() {}

    /// Events applied, all types.
    public var appliedCount: Int { applied.values.reduce(0, +) }
    /// Orders placed in the batch.
    public var ordersPlaced: Int { applied[.orderPlaced, default: 0] }

    public static func + (lhs: IngestReport, rhs: IngestReport) -> IngestReport {
        var sum = lhs
        sum.applied.merge(rhs.applied, uniquingKeysWith: +)
        sum.duplicates += rhs.duplicates
        sum.customersCreated += rhs.customersCreated
        sum.customersMerged += rhs.customersMerged
        sum.ordersUpdated += rhs.ordersUpdated
        sum.erasuresOfUnknown += rhs.erasuresOfUnknown
        return sum
    }

    public var description: String {
        func count(_ n: Int, _ one: String, _ many: String) -> String { "\(n) \(n == 1 ? one : many)" }
        return "\(count(appliedCount, "event", "events")) applied (\(count(ordersPlaced, "order", "orders"))), "
            + "\(duplicates) already applied, \(count(customersCreated, "customer", "customers")) created, "
            + "\(customersMerged) merged"
    }
}
