import Foundation

/// A customer as analytics see it. The kernel's ``CustomerRecord`` is the default conformance;
/// a store may hand out its own type as long as it answers these.
public protocol Customer: Sendable {
    /// The store's id.
    var id: CustomerID { get }
    /// The first external ref the customer was known by (shown as `customer_id` in reports).
    var primaryRef: ExternalRef? { get }
    /// The normalised email, if known.
    var email: String? { get }
    /// Order, cart and ticket aggregates kept up to date at ingest.
    var aggregates: CustomerAggregates { get }
}

/// The kernel's customer value.
public struct CustomerRecord: Customer, Hashable, Codable {
    public var id: CustomerID
    public var primaryRef: ExternalRef?
    /// Normalised (``ContactNormalizer/email(_:)``).
    public var email: String?
    /// E.164 when it could be normalised, else as given.
    public var phone: String?
    public var firstName: String?
    public var lastName: String?
    /// ISO 3166-1 alpha-2 country code.
    public var country: String?
    /// IANA time zone name (`Europe/Berlin`), for quiet hours and birthdays.
    public var timeZone: String?
    /// `YYYY-MM-DD`, or `--MM-DD` when the year is not known.
    public var birthday: String?
    public var tags: [String]
    /// When the customer was first seen (seconds since the epoch, UTC).
    public var createdAt: Int64
    /// Consent per channel.
    public var consent: ConsentState
    /// Addresses the customer gave for channels that need one of their own (a push
    /// subscription), oldest first; a channel sends to its newest.
    public var contactPoints: [ContactPoint]
    public var aggregates: CustomerAggregates
    /// Set when the customer asked to be forgotten: personal data is gone, orders stay anonymous.
    public var erasedAt: Int64?

    public init(
        id: CustomerID, primaryRef: ExternalRef? = nil, email: String? = nil, phone: String? = nil,
        firstName: String? = nil, lastName: String? = nil, country: String? = nil, timeZone: String? = nil,
        birthday: String? = nil, tags: [String] = [], createdAt: Int64, consent: ConsentState = .init(),
        contactPoints: [ContactPoint] = [], aggregates: CustomerAggregates = .init(), erasedAt: Int64? = nil
    ) {
        self.id = id
        self.primaryRef = primaryRef
        self.email = email
        self.phone = phone
        self.firstName = firstName
        self.lastName = lastName
        self.country = country
        self.timeZone = timeZone
        self.birthday = birthday
        self.tags = tags
        self.createdAt = createdAt
        self.consent = consent
        self.contactPoints = contactPoints
        self.aggregates = aggregates
        self.erasedAt = erasedAt
    }
}

/// Per-customer figures the ``Ingestor`` maintains so analytics need not rescan history.
public struct CustomerAggregates: Hashable, Sendable, Codable {
    /// Orders that count (not cancelled).
    public var orderCount: Int
    /// Sum of those orders' totals less refunds, in the store's currency's minor units.
    public var revenueMinor: Int64
    public var firstOrderAt: Int64?
    public var lastOrderAt: Int64?
    public var openCartCount: Int
    public var openCartValueMinor: Int64
    /// The last activity on a cart that is still open.
    public var lastCartActivityAt: Int64?
    public var openTicketCount: Int
    public var lastTicketAt: Int64?

    public init(
        orderCount: Int = 0, revenueMinor: Int64 = 0, firstOrderAt: Int64? = nil, lastOrderAt: Int64? = nil,
        openCartCount: Int = 0, openCartValueMinor: Int64 = 0, lastCartActivityAt: Int64? = nil,
        openTicketCount: Int = 0, lastTicketAt: Int64? = nil
    ) {
        self.orderCount = orderCount
        self.revenueMinor = revenueMinor
        self.firstOrderAt = firstOrderAt
        self.lastOrderAt = lastOrderAt
        self.openCartCount = openCartCount
        self.openCartValueMinor = openCartValueMinor
        self.lastCartActivityAt = lastCartActivityAt
        self.openTicketCount = openTicketCount
        self.lastTicketAt = lastTicketAt
    }

    /// Adds one counting order.
    public mutating func add(orderAt placedAt: Int64, netMinor: Int64) {
        orderCount += 1
        revenueMinor += netMinor
        firstOrderAt = min(firstOrderAt ?? placedAt, placedAt)
        lastOrderAt = max(lastOrderAt ?? placedAt, placedAt)
    }

    /// Recomputes every aggregate from the customer's full history.
    public static func recompute(
        orders: some Sequence<some Order>, carts: some Sequence<some Cart>, tickets: some Sequence<some Ticket>
    ) -> CustomerAggregates {
        var result = CustomerAggregates()
        for order in orders where order.status.counts {
            result.add(orderAt: order.placedAt, netMinor: order.netMinor)
        }
        for cart in carts where cart.status == .open {
            result.openCartCount += 1
            result.openCartValueMinor += cart.valueMinor
            result.lastCartActivityAt = max(result.lastCartActivityAt ?? cart.updatedAt, cart.updatedAt)
        }
        for ticket in tickets {
            if ticket.status != .closed { result.openTicketCount += 1 }
            result.lastTicketAt = max(result.lastTicketAt ?? ticket.updatedAt, ticket.updatedAt)
        }
        return result
    }
}

/// An address a customer gave for one channel (a browser's push subscription): what the
/// channel's connector sends to. The kernel keeps it as text; the connector reads it.
public struct ContactPoint: Hashable, Sendable, Codable {
    public var channel: ConsentChannel
    public var address: String
    public var addedAt: Int64

    public init(channel: ConsentChannel, address: String, addedAt: Int64) {
        self.channel = channel
        self.address = address
        self.addedAt = addedAt
    }
}

extension CustomerRecord {
    /// The newest contact point for the channel.
    public func contactPoint(for channel: ConsentChannel) -> ContactPoint? {
        contactPoints.last { $0.channel == channel }
    }
}
