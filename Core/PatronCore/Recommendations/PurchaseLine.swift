import Foundation

/// One SKU a customer bought: a line of a counting order, as
/// ``Store/forEachPurchase(before:_:)`` streams them (what recommendations learn from).
public struct PurchaseLine: Hashable, Sendable {
    public var customerID: CustomerID
    public var sku: String
    public var placedAt: Int64

    public init(customerID: CustomerID, sku: String, placedAt: Int64) {
        self.customerID = customerID
        self.sku = sku
        self.placedAt = placedAt
    }

    /// The order every store streams purchases in: by customer, then time, then SKU.
    public static func streamOrder(_ a: PurchaseLine, _ b: PurchaseLine) -> Bool {
        (a.customerID, a.placedAt, a.sku) < (b.customerID, b.placedAt, b.sku)
    }
}
