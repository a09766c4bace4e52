import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PatronCore
import PatronHTTP
import PatronPush
import PatronSQLite
import Testing

/// `POST /v1/customers/{id}/push-subscriptions`: a checked subscription becomes the customer's
/// push contact point and an opt-in in the consent ledger; a bad one is a 400 naming the field.
@Suite struct PushSubscriptionRouteTests {
    init() { TestChannels.register() }

    @Test func aSubscriptionIsKeptAndIsAnOptIn() async throws {
        let (store, keys) = try APIRoutesTests.shop()
        let good = PushSubscription.generated(endpoint: "https://push.example.net/send/abc").subscription
        let insecure = PushSubscription(endpoint: "http://push.example.net/send/abc", keys: good.keys)
        let shortKey = PushSubscription(
            endpoint: good.endpoint, keys: PushSubscription.Keys(p256dh: "BAAA", auth: good.keys.auth))
        try await APIRoutesTests.app(store).test(.router) { client in
            for (subscription, field) in [(insecure, "endpoint"), (shortKey, "keys.p256dh")] {
                try await client.execute(
                    uri: "/v1/customers/shop:c2/push-subscriptions", method: .post,
                    headers: APIRoutesTests.bearer(keys.write), body: ByteBuffer(string: subscription.recipient)
                ) { response in
                    #expect(response.status == .badRequest)
                    #expect(String(buffer: response.body).contains(field))
                }
            }
            try await client.execute(
                uri: "/v1/customers/shop:c2/push-subscriptions", method: .post,
                headers: APIRoutesTests.bearer(keys.read), body: ByteBuffer(string: good.recipient)
            ) { #expect($0.status == .forbidden) }
            try await client.execute(
                uri: "/v1/customers/shop:c2/push-subscriptions", method: .post,
                headers: APIRoutesTests.bearer(keys.write), body: ByteBuffer(string: good.recipient)
            ) { response in
                #expect(response.status == .created)
                let customer = try APIRoutesTests.json(response.body)
                #expect(customer["consent.push"] as? String == "granted", "\(customer)")
            }
        }
        let id = try #require(try store.read { try $0.customerID(ref: ExternalRef(source: "shop", id: "c2")) })
        let customer = try #require(try store.read { try $0.customer(id) })
        #expect(customer.contactPoint(for: .push)?.address == good.recipient)
        let history = try store.read { try $0.consentHistory(of: id) }
        #expect(history.map(\.status) == [.granted] && history.first?.channel == .push)
    }
}
