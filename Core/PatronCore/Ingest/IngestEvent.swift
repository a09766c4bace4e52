import Foundation

/// One fact from the outside world, in the kernel's terms.
///
/// Connectors produce these; the ``Ingestor`` applies them. `id` is the event's stable id: the
/// same real-world event must always get the same id (a webhook delivery id, a hash of a CSV row,
/// a line of an NDJSON file), so that replaying a source changes nothing.
public struct IngestEvent: Hashable, Sendable {
    /// Stable id for idempotency; unique within its source (the ingestor applies each
    /// (source, id) once).
    public var id: String
    /// The system the event comes from (`"shopify"`, `"cdnow"`); refs in the payload belong to it.
    public var source: String
    /// When it happened (seconds since the epoch, UTC).
    public var occurredAt: Int64
    /// What happened.
    public var kind: Kind
    /// Where the event was read from, for error messages. Not part of the event's identity.
    public var origin: InputLocation?

    public init(id: String, source: String, occurredAt: Int64, kind: Kind, origin: InputLocation? = nil) {
        self.id = id
        self.source = source
        self.occurredAt = occurredAt
        self.kind = kind
        self.origin = origin
    }

    /// The kinds of event the kernel applies.
    public enum Kind: Hashable, Sendable {
        case customerUpserted(CustomerUpsert)
        case orderPlaced(OrderData)
        case orderUpdated(OrderData)
        case orderCancelled(orderRef: String)
        case orderRefunded(RefundData)
        case cartUpdated(CartData)
        case consentChanged(ConsentChange)
        case contactPointChanged(ContactPointChange)
        case customerErased(CustomerIdentity)
        case ticketUpdated(TicketData)
        /// A mail message read from a mailbox (or a file): stored, threaded into a ticket, or
        /// acted on as a bounce or complaint. Its id should be `mail:<Message-ID>`, so that the
        /// same message read twice (a replayed mailbox, a file and the mailbox) is stored once.
        case mailReceived(MailMessage)
        /// A product and its variants as they are now (the catalogue: ``ProductData``).
        case productUpdated(ProductData)
        /// A product left the catalogue: all its variants are removed.
        case productDeleted(productRef: String)
    }

    /// The wire name of the event's type (`"order.placed"`).
    public var type: EventType {
        switch kind {
        case .customerUpserted: .customerUpserted
        case .orderPlaced: .orderPlaced
        case .orderUpdated: .orderUpdated
        case .orderCancelled: .orderCancelled
        case .orderRefunded: .orderRefunded
        case .cartUpdated: .cartUpdated
        case .consentChanged: .consentChanged
        case .contactPointChanged: .contactPointChanged
        case .customerErased: .customerErased
        case .ticketUpdated: .ticketUpdated
        case .mailReceived: .mailReceived
        case .productUpdated: .productUpdated
        case .productDeleted: .productDeleted
        }
    }
}

/// The wire names of event types, as used in NDJSON.
public enum EventType: String, Hashable, Sendable, CaseIterable {
    case customerUpserted = "customer.upserted"
    case orderPlaced = "order.placed"
    case orderUpdated = "order.updated"
    case orderCancelled = "order.cancelled"
    case orderRefunded = "order.refunded"
    case cartUpdated = "cart.updated"
    case consentChanged = "consent.changed"
    case contactPointChanged = "contact_point.changed"
    case customerErased = "customer.erased"
    case ticketUpdated = "ticket.updated"
    case mailReceived = "mail.received"
    case productUpdated = "product.updated"
    case productDeleted = "product.deleted"
}

/// A customer's profile as a source states it. `nil` fields leave what the store has.
public struct CustomerUpsert: Hashable, Sendable {
    public var identity: CustomerIdentity
    public var firstName: String?
    public var lastName: String?
    public var country: String?
    public var timeZone: String?
    public var birthday: String?
    public var tags: [String]?
    /// When the customer signed up at the source; defaults to the event time.
    public var createdAt: Int64?

    public init(
        identity: CustomerIdentity, firstName: String? = nil, lastName: String? = nil, country: String? = nil,
        timeZone: String? = nil, birthday: String? = nil, tags: [String]? = nil, createdAt: Int64? = nil
    ) {
        self.identity = identity
        self.firstName = firstName
        self.lastName = lastName
        self.country = country
        self.timeZone = timeZone
        self.birthday = birthday
        self.tags = tags
        self.createdAt = createdAt
    }
}

/// An order as a source states it (placed or updated).
public struct OrderData: Hashable, Sendable {
    /// The source's id for the order.
    public var ref: String
    public var customer: CustomerIdentity
    public var placedAt: Int64
    public var currency: CurrencyCode
    public var totalMinor: Int64
    public var lines: [OrderLine]
    /// The cart the order came from, which is then no longer open.
    public var cartRef: String?
    /// A referral code given at checkout (``ReferralCode``): with an active programme that has
    /// referral rewards, a new customer's first order rewards both sides once.
    public var referralCode: String?

    public init(
        ref: String, customer: CustomerIdentity, placedAt: Int64, currency: CurrencyCode, totalMinor: Int64,
        lines: [OrderLine] = [], cartRef: String? = nil, referralCode: String? = nil
    ) {
        self.referralCode = referralCode
        self.ref = ref
        self.customer = customer
        self.placedAt = placedAt
        self.currency = currency
        self.totalMinor = totalMinor
        self.lines = lines
        self.cartRef = cartRef
    }
}

/// Money given back on an order.
public struct RefundData: Hashable, Sendable {
    public var orderRef: String
    public var amountMinor: Int64
    public var currency: CurrencyCode
    public init(orderRef: String, amountMinor: Int64, currency: CurrencyCode) {
        self.orderRef = orderRef
        self.amountMinor = amountMinor
        self.currency = currency
    }
}

/// A cart's current state.
public struct CartData: Hashable, Sendable {
    public var ref: String
    public var customer: CustomerIdentity
    public var currency: CurrencyCode
    public var valueMinor: Int64
    public var lines: [OrderLine]
    public var status: CartStatus
    public init(
        ref: String, customer: CustomerIdentity, currency: CurrencyCode, valueMinor: Int64, lines: [OrderLine],
        status: CartStatus = .open
    ) {
        self.ref = ref
        self.customer = customer
        self.currency = currency
        self.valueMinor = valueMinor
        self.lines = lines
        self.status = status
    }
}

/// A statement of consent on one channel.
public struct ConsentChange: Hashable, Sendable {
    public var customer: CustomerIdentity
    public var channel: ConsentChannel
    public var status: ConsentStatus
    /// What shows the statement (a form, a message id); the ledger keeps the event's id when
    /// there is none.
    public var evidence: String?
    public init(customer: CustomerIdentity, channel: ConsentChannel, status: ConsentStatus, evidence: String? = nil) {
        self.customer = customer
        self.channel = channel
        self.status = status
        self.evidence = evidence
    }
}

/// A customer gave, or took back, an address for a channel (subscribed to push, or the
/// subscription ended). Giving one is an opt-in on the channel; when the last one goes, the
/// channel's consent becomes `unsubscribed`.
public struct ContactPointChange: Hashable, Sendable {
    public var customer: CustomerIdentity
    public var channel: ConsentChannel
    public var address: String
    public var added: Bool
    public init(customer: CustomerIdentity, channel: ConsentChannel, address: String, added: Bool) {
        self.customer = customer
        self.channel = channel
        self.address = address
        self.added = added
    }
}

/// A support ticket's current state.
public struct TicketData: Hashable, Sendable {
    public var ref: String
    public var customer: CustomerIdentity
    public var subject: String
    public var status: TicketStatus
    public init(ref: String, customer: CustomerIdentity, subject: String, status: TicketStatus) {
        self.ref = ref
        self.customer = customer
        self.subject = subject
        self.status = status
    }
}
