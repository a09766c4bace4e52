import Foundation
import PatronCore
import PatronSMS
import Testing

/// The kernel's sender over the in-memory outbox: no SQLite, the same rules (consent at send
/// time, quiet hours by the policy, one send per key).
@Suite struct OutboxSenderInMemoryTests {
    init() { TestChannels.register() }

    struct Recorder: ChannelConnector {
        let sent = Sent()
        static let descriptor = TwilioSMSChannel.descriptor
        func send(_ message: OutboundMessage) async throws(ChannelError) -> DeliveryReceipt {
            sent.add(message.idempotencyKey)
            return DeliveryReceipt(providerMessageID: "p-\(message.idempotencyKey)", status: .sent, acceptedAt: 0)
        }
    }

    final class Sent: @unchecked Sendable {
        // @unchecked: `keys` is only touched while `lock` is held.
        private let lock = NSLock()
        private var keys: [String] = []
        func add(_ key: String) {
            lock.lock()
            keys.append(key)
            lock.unlock()
        }
        var all: [String] {
            lock.lock()
            defer { lock.unlock() }
            return keys
        }
    }

    @Test func sendsWhatConsentAllowsOnceAndSuppressesTheRest() async throws {
        let store = InMemoryStore()
        let noon = Day(iso: "2025-03-03")!.epochSeconds + 12 * 3600
        func customer(_ ref: String, _ phone: String) -> CustomerIdentity {
            CustomerIdentity(refs: [ExternalRef(source: "", id: ref)], phone: phone)
        }
        try Ingestor(store: store).ingest([
            IngestEvent(
                id: "c1", source: "shop", occurredAt: noon - 10,
                kind: .consentChanged(
                    ConsentChange(customer: customer("ann", "+14155550101"), channel: .sms, status: .granted))),
            IngestEvent(
                id: "c2", source: "shop", occurredAt: noon - 10,
                kind: .consentChanged(
                    ConsentChange(customer: customer("bob", "+14155550102"), channel: .sms, status: .revoked))),
        ])
        func message(_ key: String, _ id: Int64) -> OutboxMessage {
            OutboxMessage(
                key: key, flowID: "f", step: 1, customerID: CustomerID(id), channel: .sms,
                recipient: "+1415555010\(id)",
                subject: nil, body: "Hi", plannedAt: noon - 60, nextAttemptAt: noon - 60)
        }
        try store.enqueue([message("to-ann", 1), message("to-bob", 2)])
        let recorder = Recorder()
        let sender = OutboxSender(
            store: store, channels: [.sms: recorder], policy: ContactPolicy(quietHours: nil, caps: []))
        let report = try await sender.round { noon }
        #expect(report.claimed == 2 && report.sent == 1 && report.suppressed == 1)
        #expect(recorder.sent.all == ["to-ann"])
        let second = try await sender.round { noon + 60 }
        #expect(second.claimed == 0, "nothing is sent twice")
        let states = try store.outboxMessages(keys: ["to-ann", "to-bob"]).map(\.status)
        #expect(states == [.sent, .suppressed])
    }
}
