import Foundation

/// What a channel connector declares about its channel, so that flows, the contact policy,
/// segments and the stores can use it without the kernel knowing it: its name, where a
/// customer's address for it comes from, how consent works on it, what its messages look like,
/// and the caps it wants by default.
///
/// An implementer keeps: the name is stable (stored consent and outbox rows carry it), and the
/// consent rule is the law's for the channel (SMS and push need an opt-in; marketing email in
/// many places may go to a customer until they object).
public struct ChannelDescriptor: Hashable, Sendable {
    /// Where the recipient of a message comes from.
    public enum Address: String, Hashable, Sendable {
        /// The customer's email address (the profile's `email`).
        case emailAddress
        /// The customer's phone number, E.164 (the profile's `phone`).
        case phoneNumber
        /// A contact point the customer gave for this channel (a push subscription).
        case contactPoint
    }

    /// Which consent statuses let marketing go out.
    public enum ConsentRule: String, Hashable, Sendable {
        /// Only an explicit `granted`.
        case optIn
        /// `granted`, or nothing said yet (not revoked, bounced or unsubscribed).
        case optOut
    }

    public var channel: ConsentChannel
    /// What the channel is, for `patron fields` and the docs (`SMS marketing consent`).
    public var summary: String
    public var address: Address
    public var consent: ConsentRule
    /// Whether a message has a subject line (flow templates must give one, or must not).
    public var hasSubject: Bool
    /// The longest body the channel takes, in characters, if it has a limit (flow files are
    /// checked against it where the text is fixed; the sender refuses a longer rendered one).
    public var maxBodyLength: Int?
    /// Caps the contact policy applies to this channel unless the operator sets others.
    public var defaultCaps: [ContactPolicy.Cap]

    public init(
        channel: ConsentChannel, summary: String, address: Address, consent: ConsentRule, hasSubject: Bool,
        maxBodyLength: Int? = nil, defaultCaps: [ContactPolicy.Cap] = []
    ) {
        self.channel = channel
        self.summary = summary
        self.address = address
        self.consent = consent
        self.hasSubject = hasSubject
        self.maxBodyLength = maxBodyLength
        self.defaultCaps = defaultCaps
    }

    /// Whether a consent status lets marketing go out on the channel.
    public func allows(_ status: ConsentStatus) -> Bool {
        switch consent {
        case .optIn: status == .granted
        case .optOut: status == .granted || status == .unknown
        }
    }
}

/// The channels a process knows: those of the connectors it links, registered at start
/// (``bootstrap(_:)``, as swift-log's `LoggingSystem.bootstrap`). Flow files, the planner, the
/// contact policy, `consent.<channel>` in segments and `patron fields` read it; the kernel adds
/// none.
public struct ChannelRegistry: Hashable, Sendable {
    public private(set) var descriptors: [ConsentChannel: ChannelDescriptor]

    public init(_ descriptors: [ChannelDescriptor] = []) {
        self.descriptors = Dictionary(descriptors.map { ($0.channel, $0) }, uniquingKeysWith: { $1 })
    }

    public subscript(channel: ConsentChannel) -> ChannelDescriptor? { descriptors[channel] }

    /// The registered channels, by name.
    public var channels: [ConsentChannel] { descriptors.keys.sorted() }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var current = ChannelRegistry()

    /// The channels this process registered.
    public static var registered: ChannelRegistry {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    /// Registers channels (a channel registered again is replaced). Apps call it once at start
    /// with the descriptors of the connectors they link; calling it again with the same ones is
    /// harmless, which is what tests rely on.
    public static func bootstrap(_ descriptors: [ChannelDescriptor]) {
        lock.lock()
        defer { lock.unlock() }
        for descriptor in descriptors { current.descriptors[descriptor.channel] = descriptor }
    }

    /// Registers the channels not registered yet (a test kit's own, which must not replace an
    /// app's).
    public static func bootstrapMissing(_ descriptors: [ChannelDescriptor]) {
        lock.lock()
        defer { lock.unlock() }
        for descriptor in descriptors where current.descriptors[descriptor.channel] == nil {
            current.descriptors[descriptor.channel] = descriptor
        }
    }
}
