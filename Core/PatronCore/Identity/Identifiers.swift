import Foundation

/// A store-assigned id, typed by what it identifies so that an order id cannot be passed where a
/// customer id is expected.
public struct Identifier<Tag>: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }
    public init(_ rawValue: Int64) { self.rawValue = rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { String(rawValue) }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(Int64.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// Tags for ``Identifier``.
public enum CustomerTag: Sendable {}
public enum OrderTag: Sendable {}
public enum CartTag: Sendable {}
public enum TicketTag: Sendable {}

public typealias CustomerID = Identifier<CustomerTag>

extension Identifier where Tag == CustomerTag {
    /// How reports name a customer that has no source ref (known only by email or phone, or
    /// erased): `patron:42`, which no source id can be mistaken for.
    public var reportKey: String { "patron:\(rawValue)" }
}
public typealias OrderID = Identifier<OrderTag>
public typealias CartID = Identifier<CartTag>
public typealias TicketID = Identifier<TicketTag>

/// A reference to a thing in another system: the source (`"shopify"`, `"cdnow"`) and that
/// source's own id for it.
public struct ExternalRef: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The system the id belongs to; lower case, no colon.
    public var source: String
    /// The source's own id.
    public var id: String

    public init(source: String, id: String) {
        self.source = source
        self.id = id
    }

    public var description: String { "\(source):\(id)" }
}
