import Foundation

/// A channel's name: the key its consent is kept under (`consent.<name>` in segments) and the
/// name flows send on. Any connector may register one (see ``ChannelDescriptor``); the kernel
/// keeps no list of them. A name is 1–32 lowercase letters, digits and `_`, starting with a
/// letter.
public struct ConsentChannel: RawRepresentable, Hashable, Comparable, Sendable, Codable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public let rawValue: String

    /// `nil` when `rawValue` is not a valid channel name.
    public init?(rawValue: String) {
        guard Self.isValid(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    /// A name written in code; it must be valid.
    public init(stringLiteral value: String) {
        precondition(Self.isValid(value), "'\(value)' is not a channel name (a-z, 0-9, _; 1–32, a letter first)")
        rawValue = value
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard Self.isValid(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not a channel name"))
        }
        rawValue = text
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// Whether `name` is 1–32 of `a-z`, `0-9`, `_`, starting with a letter.
    public static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, (1...32).contains(bytes.count),
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first)
        else { return false }
        return bytes.allSatisfy {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                || $0 == UInt8(ascii: "_")
        }
    }

    public static func < (lhs: ConsentChannel, rhs: ConsentChannel) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { rawValue }

    /// Email: the kernel reads mail into tickets, and a bounce or complaint speaks of this
    /// channel's consent.
    public static let email: ConsentChannel = "email"
}

/// Whether a customer agreed to be contacted on a channel.
public enum ConsentStatus: String, Hashable, Sendable, Codable, CaseIterable {
    case unknown, granted, revoked
    /// Mail to the address bounced (a delivery-status report said it failed): not to be used
    /// until the customer gives a working address.
    case bounced
    /// The address itself went away (a push service said the subscription is gone): not to be
    /// used until the customer subscribes again.
    case unsubscribed
}

/// Consent on one channel and when it was last stated.
public struct ConsentEntry: Hashable, Sendable, Codable {
    public var status: ConsentStatus
    /// When the status was stated (seconds since the epoch); `nil` while unknown.
    public var at: Int64?
    public init(status: ConsentStatus = .unknown, at: Int64? = nil) {
        self.status = status
        self.at = at
    }
}

/// One statement of consent as the ledger keeps it: on which channel, what, when, from which
/// source, and the evidence (the webhook delivery, form or message it came in) — what a shop must
/// be able to show (GDPR art. 7(1)).
public struct ConsentStatement: Hashable, Sendable {
    public var channel: ConsentChannel
    public var status: ConsentStatus
    /// When the customer stated it (seconds since the epoch).
    public var at: Int64
    /// The event source it came from (`shopify`, `twilio`, `api`, `mail`).
    public var source: String
    /// What shows it: a delivery or message id, a form, a note.
    public var evidence: String?

    public init(channel: ConsentChannel, status: ConsentStatus, at: Int64, source: String, evidence: String? = nil) {
        self.channel = channel
        self.status = status
        self.at = at
        self.source = source
        self.evidence = evidence
    }
}

/// Consent on every channel a statement was made for; any other channel is ``ConsentStatus/unknown``.
/// A later statement wins; an older one arriving late is ignored.
public struct ConsentState: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The channels with a statement, and the latest one of each.
    public private(set) var entries: [ConsentChannel: ConsentEntry]

    public init(_ entries: [ConsentChannel: ConsentEntry] = [:]) {
        self.entries = entries.filter { $0.value.at != nil || $0.value.status != .unknown }
    }

    public subscript(channel: ConsentChannel) -> ConsentEntry {
        get { entries[channel] ?? ConsentEntry() }
        set { entries[channel] = newValue.at == nil && newValue.status == .unknown ? nil : newValue }
    }

    /// The channels with a statement, by name.
    public var channels: [ConsentChannel] { entries.keys.sorted() }

    /// `email=granted@1700000000 sms=revoked@…`, by channel.
    public var description: String {
        channels.map { "\($0)=\(self[$0].status.rawValue)@\(self[$0].at.map(String.init) ?? "-")" }
            .joined(separator: " ")
    }

    /// Applies a statement made at `at`, unless a later one is already recorded.
    public mutating func apply(_ status: ConsentStatus, channel: ConsentChannel, at: Int64) {
        if let current = self[channel].at, current > at { return }
        self[channel] = ConsentEntry(status: status, at: at)
    }

    public init(from decoder: any Decoder) throws {
        let byName = try decoder.singleValueContainer().decode([String: ConsentEntry].self)
        var entries: [ConsentChannel: ConsentEntry] = [:]
        for (name, entry) in byName {
            guard let channel = ConsentChannel(rawValue: name) else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: decoder.codingPath, debugDescription: "'\(name)' is not a channel name"))
            }
            entries[channel] = entry
        }
        self.init(entries)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Dictionary(uniqueKeysWithValues: entries.map { ($0.key.rawValue, $0.value) }))
    }
}
