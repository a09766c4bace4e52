import Foundation
import PatronCore
import PatronSMS
import Testing

/// The contact policy: every decision and its reason.
@Suite struct ContactPolicyTests {
    init() { TestChannels.register() }

    /// 2024-05-01 12:00 UTC: 14:00 in Berlin, 21:00 in Tokyo.
    static let noon = Day(iso: "2024-05-01")!.epochSeconds + 12 * 3600

    static func customer(
        sms: ConsentStatus = .granted, email: ConsentStatus = .granted, zone: String? = "Europe/Berlin"
    ) -> CustomerRecord {
        CustomerRecord(
            id: CustomerID(7), email: "a@example.com", phone: "+4915112345678", timeZone: zone, createdAt: 0,
            consent: ConsentState([.email: ConsentEntry(status: email, at: 0), .sms: ConsentEntry(status: sms, at: 0)]))
    }

    let policy = ContactPolicy(channels: TestChannels.linked)

    @Test func consentPerChannel() {
        #expect(
            policy.decide(customer: Self.customer(), channel: .sms, flow: "f", now: Self.noon, history: []) == .send)
        #expect(
            policy.decide(customer: Self.customer(sms: .unknown), channel: .sms, flow: "f", now: Self.noon, history: [])
                == .suppressed(.noConsent(.sms, .unknown)))
        #expect(
            policy.decide(
                customer: Self.customer(email: .unknown), channel: .email, flow: "f", now: Self.noon, history: [])
                == .send)
        #expect(
            policy.decide(
                customer: Self.customer(email: .bounced), channel: .email, flow: "f", now: Self.noon, history: [])
                == .suppressed(.noConsent(.email, .bounced)))
    }

    @Test func quietHoursDeferToTheNextAllowedMinuteInTheCustomersZone() {
        // 21:00 in Tokyo is quiet: deferred to 08:00 Tokyo = 23:00 UTC.
        let decision = policy.decide(
            customer: Self.customer(zone: "Asia/Tokyo"), channel: .email, flow: "f", now: Self.noon, history: [])
        #expect(decision == .deferred(until: Self.noon + 11 * 3600))
        #expect(decision.description == "quiet hours: deferred to 2024-05-01T23:00:00Z")
        // After midnight UTC+0: 01:30 is quiet until 08:00 the same day.
        let night = Self.noon - 10 * 3600 - 30 * 60
        #expect(
            policy.decide(customer: Self.customer(zone: nil), channel: .email, flow: "f", now: night, history: [])
                == .deferred(until: Self.noon - 4 * 3600))
    }

    @Test func capsAndCooldown() {
        let sms = ContactPolicy.Sent(channel: .sms, flow: "other", at: Self.noon - 3600)
        let decision = policy.decide(
            customer: Self.customer(), channel: .sms, flow: "f", now: Self.noon, history: [sms])
        #expect(
            decision == .suppressed(.capped(policy.caps.first { $0.channel == .sms }!, until: Self.noon + 23 * 3600)))
        let three = (1...3).map { ContactPolicy.Sent(channel: .email, flow: "x", at: Self.noon - Int64($0) * 86_400) }
        #expect(
            policy.decide(customer: Self.customer(), channel: .email, flow: "f", now: Self.noon, history: three)
                == .suppressed(
                    .capped(policy.caps.first { $0.channel == nil }!, until: Self.noon - 3 * 86_400 + 7 * 86_400)))
        let before = ContactPolicy.Sent(channel: .email, flow: "f", at: Self.noon - 86_400)
        #expect(
            policy.decide(
                customer: Self.customer(), channel: .email, flow: "f", now: Self.noon, history: [before],
                cooldownSeconds: 30 * 86_400) == .suppressed(.cooldown(until: Self.noon + 29 * 86_400)))
    }

    @Test func theHoldoutIsDeterministicAndAboutItsShare() {
        let held = (1...10_000).filter {
            ContactPolicy.inHoldout(customer: CustomerID(Int64($0)), flow: "winback", percent: 10)
        }
        #expect((900...1_100).contains(held.count))
        #expect(
            held
                == (1...10_000).filter {
                    ContactPolicy.inHoldout(customer: CustomerID(Int64($0)), flow: "winback", percent: 10)
                })
        #expect(!ContactPolicy.inHoldout(customer: CustomerID(1), flow: "winback", percent: 0))
    }

    @Test func quietHoursEndAtEightLocalOnTheDayTheClocksGoBack() {
        // 27 October 2024: Berlin goes from UTC+2 to UTC+1 at 03:00. At 07:00:30 local
        // (06:00:30 UTC) it is still quiet; the next allowed minute is 08:00 local, 07:00 UTC.
        let now = Timestamp.parse("2024-10-27T06:00:30Z")!
        #expect(policy.quietUntil(now, zone: "Europe/Berlin") == Timestamp.parse("2024-10-27T07:00:00Z"))
        // The day the clocks go forward (31 March 2024, UTC+1 → UTC+2): 07:30 local is 05:30 UTC.
        let spring = Timestamp.parse("2024-03-31T05:30:00Z")!
        #expect(policy.quietUntil(spring, zone: "Europe/Berlin") == Timestamp.parse("2024-03-31T06:00:00Z"))
    }
}
