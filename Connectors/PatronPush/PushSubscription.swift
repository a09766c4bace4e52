import Crypto
import Foundation
import PatronCore

/// A browser's push subscription (the W3C Push API's `PushSubscription.toJSON()`): where the
/// push service takes messages for it, and the keys a message is encrypted to.
public struct PushSubscription: Hashable, Sendable, Codable {
    public struct Keys: Hashable, Sendable, Codable {
        /// The user agent's P-256 public key, uncompressed (65 bytes), base64url.
        public var p256dh: String
        /// The 16-byte authentication secret, base64url.
        public var auth: String
        public init(p256dh: String, auth: String) {
            self.p256dh = p256dh
            self.auth = auth
        }
    }

    /// The push service's URL for this subscription; https only.
    public var endpoint: String
    public var keys: Keys

    public init(endpoint: String, keys: Keys) {
        self.endpoint = endpoint
        self.keys = keys
    }

    /// Checks the fields and decodes the keys; an error names the field. `allowHTTP` admits
    /// `http://` endpoints on loopback (the stub push service in tests and the demo).
    public func validated(allowHTTP: Bool = false) throws(PatronError) -> (
        url: URL, uaPublic: P256.KeyAgreement.PublicKey, auth: Data
    ) {
        guard let url = URL(string: endpoint), let scheme = url.scheme?.lowercased(), url.host != nil else {
            throw PatronError(.invalidValue, "not a URL", at: InputLocation(field: "endpoint"))
        }
        let loopback = ["127.0.0.1", "localhost", "::1"].contains(url.host ?? "")
        guard scheme == "https" || (allowHTTP && scheme == "http" && loopback) else {
            throw PatronError(.invalidValue, "a push endpoint must be https", at: InputLocation(field: "endpoint"))
        }
        guard let point = Base64URL.decode(keys.p256dh), point.count == 65, point.first == 0x04,
            let uaPublic = try? P256.KeyAgreement.PublicKey(x963Representation: point)
        else {
            throw PatronError(
                .invalidValue, "expected an uncompressed P-256 public key (65 bytes, base64url)",
                at: InputLocation(field: "keys.p256dh"))
        }
        guard let auth = Base64URL.decode(keys.auth), auth.count == 16 else {
            throw PatronError(
                .invalidValue, "expected a 16-byte authentication secret (base64url)",
                at: InputLocation(field: "keys.auth"))
        }
        return (url, uaPublic, auth)
    }

    /// The subscription as the outbox keeps it: its JSON.
    public var recipient: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// A subscription with fresh keys on `endpoint`, as a browser makes one, with the private
    /// key that reads its messages (the stub push service, tests, benchmarks).
    public static func generated(endpoint: String) -> (subscription: PushSubscription, privateKey: Data, auth: Data) {
        let key = P256.KeyAgreement.PrivateKey()
        let auth = Data((0..<16).map { _ in UInt8.random(in: 0...255) })
        let subscription = PushSubscription(
            endpoint: endpoint,
            keys: Keys(p256dh: Base64URL.encode(key.publicKey.x963Representation), auth: Base64URL.encode(auth)))
        return (subscription, key.rawRepresentation, auth)
    }

    /// Reads a subscription back from its JSON.
    public static func parse(_ text: String) throws(PatronError) -> PushSubscription {
        guard let subscription = try? JSONDecoder().decode(PushSubscription.self, from: Data(text.utf8)) else {
            throw PatronError(.invalidValue, "expected {\"endpoint\": …, \"keys\": {\"p256dh\": …, \"auth\": …}}")
        }
        return subscription
    }
}
