import Foundation

/// A shopping cart as analytics see it; ``CartRecord`` is the kernel's conformance.
public protocol Cart: Sendable {
    var customerID: CustomerID { get }
    /// The cart's value in minor units of the store's currency.
    var valueMinor: Int64 { get }
    var status: CartStatus { get }
    /// The last activity on the cart (seconds since the epoch).
    var updatedAt: Int64 { get }
}

/// An open cart that sees no activity for a while is what abandoned-cart flows look for.
public enum CartStatus: String, Hashable, Sendable, Codable {
    /// Still open: the customer may come back to it.
    case open
    /// Turned into an order.
    case converted
    /// Emptied or deleted by the shop.
    case deleted
}

/// The kernel's cart value.
public struct CartRecord: Cart, Hashable, Codable {
    public var id: CartID
    public var ref: ExternalRef
    public var customerID: CustomerID
    public var currency: CurrencyCode
    public var valueMinor: Int64
    public var status: CartStatus
    public var lines: [OrderLine]
    public var updatedAt: Int64

    public init(
        id: CartID, ref: ExternalRef, customerID: CustomerID, currency: CurrencyCode, valueMinor: Int64,
        status: CartStatus, lines: [OrderLine], updatedAt: Int64
    ) {
        self.id = id
        self.ref = ref
        self.customerID = customerID
        self.currency = currency
        self.valueMinor = valueMinor
        self.status = status
        self.lines = lines
        self.updatedAt = updatedAt
    }
}
