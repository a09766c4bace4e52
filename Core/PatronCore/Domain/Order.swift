import Foundation

/// An order as analytics see it; ``OrderRecord`` is the kernel's conformance.
public protocol Order: Sendable {
    var customerID: CustomerID { get }
    /// When it was placed (seconds since the epoch, UTC).
    var placedAt: Int64 { get }
    /// The order total in minor units of the store's currency.
    var totalMinor: Int64 { get }
    /// Refunded so far, in minor units (never more than the total).
    var refundedMinor: Int64 { get }
    var status: OrderStatus { get }
}

extension Order {
    /// What the order is worth after refunds.
    public var netMinor: Int64 { totalMinor - refundedMinor }
}

/// The life of an order. Only cancelled orders are left out of analytics; refunds reduce value.
public enum OrderStatus: String, Hashable, Sendable, Codable {
    case placed, cancelled
    /// Whether the order counts for frequency and monetary.
    public var counts: Bool { self != .cancelled }
}

/// One line of an order or a cart.
public struct OrderLine: Hashable, Sendable, Codable {
    public var sku: String
    public var name: String?
    public var quantity: Int
    /// Price of one unit in minor units.
    public var unitPriceMinor: Int64

    public init(sku: String, name: String? = nil, quantity: Int, unitPriceMinor: Int64) {
        self.sku = sku
        self.name = name
        self.quantity = quantity
        self.unitPriceMinor = unitPriceMinor
    }
}

/// The kernel's order value.
public struct OrderRecord: Order, Hashable, Codable {
    public var id: OrderID
    /// The source's id for the order.
    public var ref: ExternalRef
    public var customerID: CustomerID
    public var placedAt: Int64
    public var currency: CurrencyCode
    public var totalMinor: Int64
    public var refundedMinor: Int64
    public var status: OrderStatus
    public var lines: [OrderLine]
    /// The time of the last event applied to the order.
    public var updatedAt: Int64

    public init(
        id: OrderID, ref: ExternalRef, customerID: CustomerID, placedAt: Int64, currency: CurrencyCode,
        totalMinor: Int64, refundedMinor: Int64 = 0, status: OrderStatus = .placed, lines: [OrderLine] = [],
        updatedAt: Int64
    ) {
        self.id = id
        self.ref = ref
        self.customerID = customerID
        self.placedAt = placedAt
        self.currency = currency
        self.totalMinor = totalMinor
        self.refundedMinor = refundedMinor
        self.status = status
        self.lines = lines
        self.updatedAt = updatedAt
    }
}
