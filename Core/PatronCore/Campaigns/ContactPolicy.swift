import Foundation

/// The one engine that decides whether a planned message may go now, later, or not at all, and
/// says why. Rules, in order: the holdout (a deterministic share of customers per flow gets
/// nothing, to measure lift), consent on the channel (by the channel's ``ChannelDescriptor``:
/// an opt-in, or no objection), the flow's re-entry cooldown, frequency caps (per channel and
/// across channels), and quiet hours in the customer's time zone (deferred to the next allowed
/// minute, never dropped). The rules apply alike to every registered channel.
public struct ContactPolicy: Hashable, Sendable {
    /// No message between `start` and `end` local time (minutes after midnight; the window may
    /// wrap midnight).
    public struct QuietHours: Hashable, Sendable {
        public var start: Int
        public var end: Int
        public init(start: Int, end: Int) {
            self.start = start
            self.end = end
        }
        func contains(_ minute: Int) -> Bool {
            start <= end ? (minute >= start && minute < end) : (minute >= start || minute < end)
        }
    }

    /// At most `limit` messages in any `seconds`, on one channel or (`channel == nil`) on all.
    public struct Cap: Hashable, Sendable {
        public var channel: ConsentChannel?
        public var limit: Int
        public var seconds: Int64
        public init(channel: ConsentChannel?, limit: Int, seconds: Int64) {
            self.channel = channel
            self.limit = limit
            self.seconds = seconds
        }
    }

    public var quietHours: QuietHours?
    /// The time zone of customers who have none.
    public var defaultTimeZone: String
    private var givenCaps: [Cap]?
    private var givenChannels: ChannelRegistry?

    /// The caps: those given, else 3 messages per 7 days across channels and each channel's own
    /// defaults (SMS: 1 per 24 h).
    public var caps: [Cap] {
        get {
            givenCaps ?? channels.channels.flatMap { channels[$0]?.defaultCaps ?? [] } + Self.defaultCaps
        }
        set { givenCaps = newValue }
    }

    /// The channels messages may go on, with their consent rules: those given, else the
    /// process's registered ones as they are when asked (so a policy made before the apps
    /// register their channels still sees them).
    public var channels: ChannelRegistry {
        get { givenChannels ?? .registered }
        set { givenChannels = newValue }
    }

    /// 3 messages per 7 days across channels.
    public static let defaultCaps = [Cap(channel: nil, limit: 3, seconds: 7 * 86_400)]

    /// The defaults: quiet 21:00–08:00 local, the default caps, the registered channels.
    public init(
        quietHours: QuietHours? = QuietHours(start: 21 * 60, end: 8 * 60), caps: [Cap]? = nil,
        defaultTimeZone: String = "UTC", channels: ChannelRegistry? = nil
    ) {
        self.quietHours = quietHours
        self.givenCaps = caps
        self.defaultTimeZone = defaultTimeZone
        self.givenChannels = channels
    }

    /// Whether the customer's consent lets marketing go out on the channel (an unregistered
    /// channel allows nothing).
    public func consentAllows(_ customer: CustomerRecord, on channel: ConsentChannel) -> Bool {
        channels[channel]?.allows(customer.consent[channel].status) ?? false
    }

    /// A message sent before, as the policy counts it.
    public struct Sent: Hashable, Sendable {
        public var channel: ConsentChannel
        public var flow: String
        public var at: Int64
        public init(channel: ConsentChannel, flow: String, at: Int64) {
            self.channel = channel
            self.flow = flow
            self.at = at
        }
    }

    /// What the policy decided.
    public enum Decision: Hashable, Sendable, CustomStringConvertible {
        /// Send now.
        case send
        /// Quiet hours: send at this time (the next allowed minute).
        case deferred(until: Int64)
        /// Not sent, for this reason.
        case suppressed(Reason)

        public var description: String {
            switch self {
            case .send: "send"
            case .deferred(let until): "quiet hours: deferred to \(Timestamp.format(until))"
            case .suppressed(let reason): reason.description
            }
        }
    }

    /// Why a message is not sent.
    public enum Reason: Hashable, Sendable, CustomStringConvertible {
        case holdout
        case noConsent(ConsentChannel, ConsentStatus)
        case cooldown(until: Int64)
        case capped(Cap, until: Int64)

        public var description: String {
            switch self {
            case .holdout: "in holdout"
            case .noConsent(let channel, let status): "no consent: \(channel.rawValue) is \(status.rawValue)"
            case .cooldown(let until): "cooldown until \(Timestamp.format(until))"
            case .capped(let cap, let until):
                "capped: \(cap.limit) \(cap.channel?.rawValue ?? "message")(s) per \(cap.seconds / 3600) h, "
                    + "until \(Timestamp.format(until))"
            }
        }

        /// A stable name for counters (`holdout`, `no_consent`, `cooldown`, `capped`).
        public var code: String {
            switch self {
            case .holdout: "holdout"
            case .noConsent: "no_consent"
            case .cooldown: "cooldown"
            case .capped: "capped"
            }
        }
    }

    /// Decides for one message to `customer` on `channel` from `flow` at `now`.
    public func decide(
        customer: CustomerRecord, channel: ConsentChannel, flow: String, now: Int64, history: [Sent],
        cooldownSeconds: Int64? = nil, holdoutPercent: Int = 0
    ) -> Decision {
        if Self.inHoldout(customer: customer.id, flow: flow, percent: holdoutPercent) { return .suppressed(.holdout) }
        let consent = customer.consent[channel].status
        guard consentAllows(customer, on: channel) else { return .suppressed(.noConsent(channel, consent)) }
        if let cooldownSeconds,
            let last = history.filter({ $0.flow == flow }).map(\.at).max(), now - last < cooldownSeconds
        {
            return .suppressed(.cooldown(until: last + cooldownSeconds))
        }
        for cap in caps where cap.channel == nil || cap.channel == channel {
            let counted = history.filter {
                ($0.channel == cap.channel || cap.channel == nil) && now - $0.at < cap.seconds
            }
            if counted.count >= cap.limit {
                let oldest = counted.map(\.at).sorted()[counted.count - cap.limit]
                return .suppressed(.capped(cap, until: oldest + cap.seconds))
            }
        }
        if let quietHours, let until = nextAllowed(now, quietHours, zone: customer.timeZone) {
            return .deferred(until: until)
        }
        return .send
    }

    /// When `now` is inside quiet hours in the zone (`nil`: the default zone), the first allowed
    /// minute after them; else `nil`.
    public func quietUntil(_ now: Int64, zone: String?) -> Int64? {
        quietHours.flatMap { nextAllowed(now, $0, zone: zone) }
    }

    /// Whether `now` is inside quiet hours for the zone, and if so the first minute after them:
    /// the quiet window's end by the local wall clock, today or tomorrow (so a day with a
    /// daylight-saving change still ends at 08:00 local).
    func nextAllowed(_ now: Int64, _ quiet: QuietHours, zone name: String?) -> Int64? {
        let zone = TimeZone(identifier: name ?? defaultTimeZone) ?? TimeZone(identifier: defaultTimeZone) ?? .gmt
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let date = Date(timeIntervalSince1970: TimeInterval(now))
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        let minute = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
        guard quiet.contains(minute) else { return nil }
        let endToday = calendar.date(bySettingHour: quiet.end / 60, minute: quiet.end % 60, second: 0, of: date)
        if let endToday, endToday > date { return Int64(endToday.timeIntervalSince1970) }
        let tomorrow = calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: date)) ?? date
        let end =
            calendar.date(bySettingHour: quiet.end / 60, minute: quiet.end % 60, second: 0, of: tomorrow) ?? tomorrow
        return Int64(end.timeIntervalSince1970)
    }

    /// A deterministic share of customers per flow: FNV-1a of "customer/flow" modulo 100.
    public static func inHoldout(customer: CustomerID, flow: String, percent: Int) -> Bool {
        guard percent > 0 else { return false }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\(customer.rawValue)/\(flow)".utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return Int(hash % 100) < percent
    }
}
