import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import PatronCore
import PatronPush
import PatronPushStub
import PatronSQLite
import PatronScheduler
import Testing

/// A flow sends web push end to end: the planner addresses the customer's newest subscription,
/// the sender encrypts and signs, the stub push service verifies and decrypts; a subscription the
/// service says is gone (410) is dropped and push consent becomes `unsubscribed`.
@Suite struct PushCampaignTests {
    init() { TestChannels.register() }

    static let flow = """
        id: push-thanks
        name: Thanks by push
        trigger: { order_placed: { first_only: true } }
        templates:
          thanks: { channel: push, subject: "Mugs & Co", body: "Thanks for your order, {{customer.first_name}}!" }
        steps:
          - send: thanks
        """

    @Test func aFlowSendsPushAndAGoneSubscriptionIsDropped() async throws {
        let shop = try CampaignFixture()
        let t0 = CampaignFixture.t0
        let stub = PushStubService()
        let router = Router()
        stub.add(to: router)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let origin = "http://127.0.0.1:\(try #require(client.port))"
            try shop.customer("ann", phone: "+14155550101", firstName: "Ann")
            try shop.customer("bob", phone: "+14155550102", firstName: "Bob")
            let ann = stub.subscribe(origin: origin)
            let bob = stub.subscribe(origin: origin)
            for (ref, subscription) in [("ann", ann), ("bob", bob)] {
                try shop.ingest(
                    [
                        .contactPointChanged(
                            ContactPointChange(
                                customer: CustomerIdentity(refs: [ExternalRef(source: "shop", id: ref)]),
                                channel: .push,
                                address: subscription.recipient, added: true))
                    ], at: t0 - 86_400)
            }
            // Bob's browser dropped the subscription; the push service answers 410 from now on.
            stub.unsubscribe(String(bob.endpoint.split(separator: "/").last ?? ""))
            try shop.activate(Self.flow, at: t0 - 3_600)
            try shop.order("o-ann", customer: "ann", at: t0)
            try shop.order("o-bob", customer: "bob", at: t0)
            let channel = WebPushChannel(
                vapid: VAPID(key: P256.Signing.PrivateKey(), subject: "mailto:ops@mugs.example"),
                allowLoopbackHTTP: true)
            let runtime = CampaignRuntime(
                store: shop.store, channels: [.push: channel], policy: ContactPolicy(quietHours: nil))
            let report = try await runtime.tick(now: t0 + 60)
            #expect(report.planned["push-thanks"] == 2, "\(report)")
            let sent = try await runtime.drain(now: { t0 + 120 })
            #expect(sent.sent == 1 && sent.failed == 1, "\(sent)")
            let delivered = stub.messages
            #expect(delivered.map { $0["body"] as? String } == ["Thanks for your order, Ann!"])
            #expect(delivered.first?["title"] as? String == "Mugs & Co")
            let bobID = try shop.id("bob")
            let bobNow = try #require(try shop.store.read { try $0.customer(bobID) })
            #expect(bobNow.contactPoints.isEmpty && bobNow.consent[.push].status == .unsubscribed)
            let annID = try shop.id("ann")
            let annNow = try #require(try shop.store.read { try $0.customer(annID) })
            #expect(annNow.contactPoint(for: .push)?.address == ann.recipient)
            let rows = try shop.outbox()
            #expect(rows.map(\.status).sorted() == ["failed", "sent"])
        }
    }
}
