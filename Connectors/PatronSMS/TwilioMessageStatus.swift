/// A message's status as Twilio reports it (`status` in the resource, `MessageStatus` in callbacks).
///
/// A value Twilio adds later decodes as `.other` rather than failing the whole message.
public enum TwilioMessageStatus: Hashable, Sendable, Codable, CustomStringConvertible {
    case queued, sending, sent, delivered, undelivered, failed
    case receiving, received, accepted, scheduled, read, canceled
    case partiallyDelivered
    /// A status this version does not know, kept verbatim.
    case other(String)

    /// Reads Twilio's spelling (`partially_delivered`); unknown values become `.other`.
    public init(_ rawValue: String) {
        self = Self.known[rawValue] ?? .other(rawValue)
    }

    /// Twilio's spelling of the status.
    public var rawValue: String {
        switch self {
        case .queued: "queued"
        case .sending: "sending"
        case .sent: "sent"
        case .delivered: "delivered"
        case .undelivered: "undelivered"
        case .failed: "failed"
        case .receiving: "receiving"
        case .received: "received"
        case .accepted: "accepted"
        case .scheduled: "scheduled"
        case .read: "read"
        case .canceled: "canceled"
        case .partiallyDelivered: "partially_delivered"
        case .other(let value): value
        }
    }

    public var description: String { rawValue }

    /// No later status is expected (though callbacks may still arrive out of order).
    public var isFinal: Bool {
        switch self {
        case .delivered, .undelivered, .failed, .received, .read, .canceled: true
        default: false
        }
    }

    /// The message did not reach the handset.
    public var isFailure: Bool { self == .undelivered || self == .failed }

    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    private static let known: [String: TwilioMessageStatus] = Dictionary(
        uniqueKeysWithValues: [
            queued, sending, sent, delivered, undelivered, failed, receiving, received, accepted, scheduled, read,
            canceled, partiallyDelivered,
        ].map { ($0.rawValue, $0) })
}
