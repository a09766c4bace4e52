import Foundation
import PatronCore

extension TwilioStatusCallback {
    /// What the callback says of the message in the outbox's terms: delivered (or read),
    /// undelivered, failed, sent, or queued; `nil` for a status that changes nothing (a new one
    /// Twilio may add). A failure carries Twilio's error code as the reason.
    public var delivery: (status: DeliveryStatus, error: String?)? {
        let status: DeliveryStatus? =
            switch self.status {
            case .delivered, .read: .delivered
            case .undelivered: .undelivered
            case .failed: .failed
            case .sent: .sent
            case .queued, .accepted, .scheduled, .sending: .queued
            default: nil
            }
        return status.map { ($0, errorCode.map { "error \($0)" }) }
    }
}

extension InboundSMS {
    /// The consent change an opt-out (STOP …) or opt-in (START …) reply makes, as an event keyed
    /// by the message's sid (a redelivered webhook changes nothing twice); `nil` for any other
    /// reply.
    public func consentEvent(at: Int64) -> IngestEvent? {
        guard isOptOut || isOptIn else { return nil }
        return IngestEvent(
            id: "\(messageSid):consent", source: "twilio", occurredAt: at,
            kind: .consentChanged(
                ConsentChange(
                    customer: CustomerIdentity(phone: from), channel: .sms, status: isOptOut ? .revoked : .granted)))
    }
}
