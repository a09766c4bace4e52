import Foundation

/// A channel that needs the customer's consent to be used for marketing.
public enum ConsentChannel: String, Hashable, Sendable, Codable, CaseIterable {
    case email, sms
}

/// Whether a customer agreed to be contacted on a channel.
public enum ConsentStatus: String, Hashable, Sendable, Codable, CaseIterable {
    case unknown, granted, revoked
    /// Mail to the address bounced (a delivery-status report said it failed): not to be used
    /// until the customer gives a working address.
    case bounced
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

/// Consent on every channel. A later statement wins; an older one arriving late is ignored.
public struct ConsentState: Hashable, Sendable, Codable {
    public var email: ConsentEntry
    public var sms: ConsentEntry
    public init(email: ConsentEntry = .init(), sms: ConsentEntry = .init()) {
        self.email = email
        self.sms = sms
    }

    public subscript(channel: ConsentChannel) -> ConsentEntry {
        get { channel == .email ? email : sms }
        set { if channel == .email { email = newValue } else { sms = newValue } }
    }

    /// Applies a statement made at `at`, unless a later one is already recorded.
    public mutating func apply(_ status: ConsentStatus, channel: ConsentChannel, at: Int64) {
        if let current = self[channel].at, current > at { return }
        self[channel] = ConsentEntry(status: status, at: at)
    }
}
