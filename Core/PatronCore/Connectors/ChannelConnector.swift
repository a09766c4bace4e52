import Foundation

/// What an integrator implements to add a way of reaching customers (an SMS gateway, a mail
/// provider, a push service): declare the channel, send one message, get a receipt.
///
/// The contract, checked by `PatronTestKit`'s `ChannelConnectorConformance`:
/// - a message that is accepted returns a receipt with the provider's non-empty message id;
/// - a recipient the channel cannot reach fails with ``ChannelError/Code/invalidRecipient``, and any
///   other failure is a ``ChannelError`` too (typed throws), telling whether a retry may help;
/// - the ``OutboundMessage/idempotencyKey`` is passed on where the provider supports it. The
///   outbox, not the connector, guarantees at-most-once sending.
public protocol ChannelConnector: Sendable {
    /// The channel this connector sends on: its name, addresses, consent rule, message shape
    /// and default caps. Apps register it (``ChannelRegistry/bootstrap(_:)``) so flows and
    /// segments can name it.
    static var descriptor: ChannelDescriptor { get }
    /// Sends one message.
    func send(_ message: OutboundMessage) async throws(ChannelError) -> DeliveryReceipt
}

/// One message to one customer on one channel.
public struct OutboundMessage: Hashable, Sendable {
    /// Deterministic key (campaign, step, customer): the same planned message has the same key.
    public var idempotencyKey: String
    public var customerID: CustomerID
    /// Address on the channel: an E.164 phone, an email address.
    public var recipient: String
    /// Subject line, where the channel has one.
    public var subject: String?
    public var body: String

    public init(idempotencyKey: String, customerID: CustomerID, recipient: String, subject: String? = nil, body: String)
    {
        self.idempotencyKey = idempotencyKey
        self.customerID = customerID
        self.recipient = recipient
        self.subject = subject
        self.body = body
    }
}

/// What the channel said when it took a message.
public struct DeliveryReceipt: Hashable, Sendable {
    /// The provider's id for the message, used to match later delivery reports.
    public var providerMessageID: String
    public var status: DeliveryStatus
    /// When the provider accepted it (seconds since the epoch).
    public var acceptedAt: Int64

    public init(providerMessageID: String, status: DeliveryStatus, acceptedAt: Int64) {
        self.providerMessageID = providerMessageID
        self.status = status
        self.acceptedAt = acceptedAt
    }
}

/// Where a message is on its way to the customer.
public enum DeliveryStatus: String, Hashable, Sendable, Codable {
    case queued, sent, delivered, failed, undelivered
}

/// A channel could not send: what kind of failure, and whether trying again may help.
public struct ChannelError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let raw: String
        public var description: String { raw }
        /// The address cannot be reached on this channel (bad number, unknown mailbox).
        public static let invalidRecipient = Code(raw: "invalid-recipient")
        /// The provider refused the message itself (content, size, policy).
        public static let rejected = Code(raw: "rejected")
        /// The provider could not be reached or was overloaded: retry later.
        public static let unavailable = Code(raw: "unavailable")
        /// Credentials or configuration are wrong: no retry helps until an operator acts.
        public static let misconfigured = Code(raw: "misconfigured")
    }

    public var code: Code
    public var message: String
    /// Whether sending the same message later may succeed.
    public var isRetryable: Bool { code == .unavailable }

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
