import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import PatronCore
import PatronPush
import PatronPushStub
import PatronTestKit
import Synchronization
import Testing

/// Web Push: RFC 8291's own example as a test vector, VAPID as a push service checks it, and the
/// channel against the stub push service on a real socket (VAPID verified, body decrypted with
/// the subscription's key, 404/410/429 in the channel's terms).
@Suite struct WebPushTests {
    /// RFC 8291 §5 and Appendix A.
    enum RFC8291 {
        static let plaintext = "When I grow up, I want to be a watermelon"
        static let asPrivate = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
        static let asPublic =
            "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"
        static let uaPrivate = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"
        static let uaPublic =
            "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
        static let salt = "DGv6ra1nlYgDCS1FRnbzlw"
        static let auth = "BTBZMqHH6r4Tts7J_aSIgg"
        static let message =
            "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27ml"
            + "mlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPT"
            + "pK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
    }

    static func data(_ text: String) throws -> Data { try #require(Base64URL.decode(text)) }

    @Test func theRFCsExampleEncryptsAndDecryptsByteForByte() throws {
        let serverKey = try P256.KeyAgreement.PrivateKey(rawRepresentation: try Self.data(RFC8291.asPrivate))
        #expect(Base64URL.encode(serverKey.publicKey.x963Representation) == RFC8291.asPublic)
        let uaKey = try P256.KeyAgreement.PrivateKey(rawRepresentation: try Self.data(RFC8291.uaPrivate))
        #expect(Base64URL.encode(uaKey.publicKey.x963Representation) == RFC8291.uaPublic)
        let encrypted = try WebPushEncryption.encrypt(
            Data(RFC8291.plaintext.utf8), to: uaKey.publicKey, auth: try Self.data(RFC8291.auth), serverKey: serverKey,
            salt: try Self.data(RFC8291.salt))
        #expect(Base64URL.encode(encrypted) == RFC8291.message)
        let decrypted = try WebPushEncryption.decrypt(
            try Self.data(RFC8291.message), uaPrivate: uaKey, auth: try Self.data(RFC8291.auth))
        #expect(String(decoding: decrypted, as: UTF8.self) == RFC8291.plaintext)
        // Another secret, or one flipped bit, does not decrypt.
        #expect(throws: WebPushEncryption.Failure.self) {
            try WebPushEncryption.decrypt(encrypted, uaPrivate: uaKey, auth: Data(repeating: 1, count: 16))
        }
        var tampered = encrypted
        tampered[tampered.count - 5] ^= 1
        #expect(throws: WebPushEncryption.Failure.self) {
            try WebPushEncryption.decrypt(tampered, uaPrivate: uaKey, auth: try Self.data(RFC8291.auth))
        }
        // A fresh key and salt each time: the same message never encrypts alike.
        let again = try WebPushEncryption.encrypt(
            Data(RFC8291.plaintext.utf8), to: uaKey.publicKey, auth: try Self.data(RFC8291.auth))
        #expect(again != encrypted && again.count == encrypted.count)
        #expect(throws: WebPushEncryption.Failure.tooLong(5_000)) {
            try WebPushEncryption.encrypt(Data(count: 5_000), to: uaKey.publicKey, auth: try Self.data(RFC8291.auth))
        }
    }

    @Test func vapidTokensVerifyAsAPushServiceChecksThem() throws {
        let vapid = VAPID(key: P256.Signing.PrivateKey(), subject: "mailto:ops@shop.example")
        let endpoint = try #require(URL(string: "https://push.example.net:8443/send/abc"))
        let header = try vapid.authorization(for: endpoint, expires: 1_000 + 3_600)
        let claims = try VAPID.verify(header, origin: "https://push.example.net:8443", now: 1_000)
        #expect(claims.subject == "mailto:ops@shop.example" && claims.key == vapid.publicKey)
        #expect(throws: VAPIDError.self) { try VAPID.verify(header, origin: "https://other.example", now: 1_000) }
        #expect(throws: VAPIDError.self) {
            try VAPID.verify(header, origin: "https://push.example.net:8443", now: 5_000)
        }
        let tooLong = try vapid.authorization(for: endpoint, expires: 1_000 + 90_000)
        #expect(throws: VAPIDError.self) {
            try VAPID.verify(tooLong, origin: "https://push.example.net:8443", now: 1_000)
        }
        let other = VAPID(key: P256.Signing.PrivateKey(), subject: "mailto:x@y.z")
        let forged = header.replacingOccurrences(of: vapid.publicKey, with: other.publicKey)
        #expect(throws: VAPIDError.self) {
            try VAPID.verify(forged, origin: "https://push.example.net:8443", now: 1_000)
        }
        #expect(throws: VAPIDError.self) { try VAPID(privateKey: "short", subject: "mailto:a@b.c") }
        #expect(throws: VAPIDError.self) { try VAPID(privateKey: Base64URL.encode(Data(count: 32)), subject: "ops") }
    }

    @Test func badSubscriptionsAreRefusedWithTheFieldNamed() throws {
        let key = Base64URL.encode(P256.KeyAgreement.PrivateKey().publicKey.x963Representation)
        let auth = Base64URL.encode(Data(count: 16))
        for (subscription, field) in [
            (PushSubscription(endpoint: "http://push.example/x", keys: .init(p256dh: key, auth: auth)), "endpoint"),
            (
                PushSubscription(endpoint: "https://push.example/x", keys: .init(p256dh: "AAAA", auth: auth)),
                "keys.p256dh"
            ),
            (PushSubscription(endpoint: "https://push.example/x", keys: .init(p256dh: key, auth: "AAAA")), "keys.auth"),
        ] {
            do {
                _ = try subscription.validated()
                Issue.record("accepted \(subscription)")
            } catch {
                #expect(error.location?.field == field, "\(error)")
            }
        }
        _ = try PushSubscription(endpoint: "http://127.0.0.1:9/x", keys: .init(p256dh: key, auth: auth))
            .validated(allowHTTP: true)
    }

    /// Runs `body` with the stub push service on a loopback port.
    static func live(_ body: @escaping @Sendable (PushStubService, String) async throws -> Void) async throws {
        let stub = PushStubService()
        let router = Router()
        stub.add(to: router)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            try await body(stub, "http://127.0.0.1:\(try #require(client.port))")
        }
    }

    static let channel = WebPushChannel(
        vapid: VAPID(key: P256.Signing.PrivateKey(), subject: "mailto:ops@shop.example"), allowLoopbackHTTP: true)

    static func message(_ key: String, to subscription: PushSubscription, body: String = "Your cart misses you")
        -> OutboundMessage
    {
        OutboundMessage(
            idempotencyKey: key, customerID: CustomerID(1), recipient: subscription.recipient, subject: "Shop",
            body: body)
    }

    @Test func theStubReadsWhatTheChannelSendsAndItsRefusalsAreTheChannelsTerms() async throws {
        try await Self.live { stub, origin in
            let subscription = stub.subscribe(origin: origin)
            let receipt = try await Self.channel.send(Self.message("k1", to: subscription, body: "Grüße 👋"))
            #expect(receipt.providerMessageID == "/_stub/messages/1" && receipt.status == .sent)
            let delivered = stub.messages
            #expect(delivered.count == 1)
            #expect(delivered.first?["body"] as? String == "Grüße 👋" && delivered.first?["title"] as? String == "Shop")
            #expect(delivered.first?["subject"] as? String == "mailto:ops@shop.example")
            let id = String(subscription.endpoint.split(separator: "/").last ?? "")
            stub.busy(id, times: 1)
            await #expect(throws: ChannelError(.unavailable, "the push service answered 429")) {
                try await Self.channel.send(Self.message("k2", to: subscription))
            }
            _ = try await Self.channel.send(Self.message("k2", to: subscription))
            stub.unsubscribe(id)
            do throws(ChannelError) {
                _ = try await Self.channel.send(Self.message("k3", to: subscription))
                Issue.record("a gone subscription took a message")
            } catch {
                #expect(error.code == .invalidRecipient && error.message.contains("410"))
            }
            let stranger = PushSubscription(endpoint: origin + "/push/nobody", keys: subscription.keys)
            await #expect(throws: ChannelError.self) { try await Self.channel.send(Self.message("k4", to: stranger)) }
            // A token for another origin is refused by the service: misconfigured, not retried.
            let wrongClock = WebPushChannel(
                vapid: VAPID(key: P256.Signing.PrivateKey(), subject: "mailto:ops@shop.example"),
                allowLoopbackHTTP: true, clock: { 0 })
            let fresh = stub.subscribe(origin: origin)
            do throws(ChannelError) {
                _ = try await wrongClock.send(Self.message("k5", to: fresh))
                Issue.record("an expired token was accepted")
            } catch {
                #expect(error.code == .misconfigured, "\(error)")
            }
            #expect(stub.messages.count == 2)
        }
    }

    @Test func theChannelKeepsTheChannelContract() async throws {
        try await Self.live { stub, origin in
            let reachable = stub.subscribe(origin: origin)
            let gone = stub.subscribe(origin: origin)
            stub.unsubscribe(String(gone.endpoint.split(separator: "/").last ?? ""))
            try await ChannelConnectorConformance.check(
                Self.channel, reachable: reachable.recipient, unreachable: gone.recipient)
        }
    }

    @Test func aVAPIDTokenServesAnOriginUntilAnHourBeforeItExpires() throws {
        let clock = Mutex<Int64>(1_000_000)
        let channel = WebPushChannel(
            vapid: VAPID(key: P256.Signing.PrivateKey(), subject: "mailto:ops@shop.example"),
            clock: { clock.withLock { $0 } })
        let a = try #require(URL(string: "https://push.example.net/send/a"))
        let b = try #require(URL(string: "https://push.example.net/send/b"))
        let other = try #require(URL(string: "https://push.other.example/send/c"))
        let first = try channel.token(for: a)
        #expect(try channel.token(for: b) == first)
        #expect(try channel.token(for: other) != first)
        clock.withLock { $0 += 10 * 3_600 }
        #expect(try channel.token(for: a) == first)
        clock.withLock { $0 += 3_600 }
        let renewed = try channel.token(for: a)
        #expect(renewed != first)
        let now = clock.withLock { $0 }
        #expect(try VAPID.verify(renewed, origin: "https://push.example.net", now: now).expires == now + 12 * 3_600)
    }
}
