import Foundation

/// A product page seen by someone: a customer when known, else an anonymous visitor (a
/// browser's id) until the visitor identifies (``ViewTransaction/linkVisitor(_:to:at:)``).
public struct ProductView: Hashable, Sendable {
    public var customerID: CustomerID?
    public var visitorID: String?
    public var sku: String
    public var at: Int64

    public init(customerID: CustomerID?, visitorID: String?, sku: String, at: Int64) {
        self.customerID = customerID
        self.visitorID = visitorID
        self.sku = sku
        self.at = at
    }
}

/// How often a customer looked at a SKU, kept when the raw views are pruned.
public struct ViewTotal: Hashable, Sendable {
    public var sku: String
    public var views: Int
    public var firstAt: Int64
    public var lastAt: Int64

    public init(sku: String, views: Int, firstAt: Int64, lastAt: Int64) {
        self.sku = sku
        self.views = views
        self.firstAt = firstAt
        self.lastAt = lastAt
    }
}
