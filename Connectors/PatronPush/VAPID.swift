import Crypto
import Foundation

/// Voluntary Application Server Identification (RFC 8292): the application server signs a JWT
/// (ES256) naming the push service's origin, an expiry and a contact, and sends it with its
/// public key as `Authorization: vapid t=<JWT>, k=<key>`.
public struct VAPID: Sendable {
    /// The private scalar (swift-crypto's keys are not `Sendable`; the key is rebuilt to sign).
    let rawKey: Data
    /// A contact for the push service's operator: `mailto:` or `https:`.
    public let subject: String

    public var key: P256.Signing.PrivateKey {
        // The scalar came from a valid key, so this cannot fail.
        (try? P256.Signing.PrivateKey(rawRepresentation: rawKey)) ?? P256.Signing.PrivateKey()
    }

    public init(key: P256.Signing.PrivateKey, subject: String) {
        self.rawKey = key.rawRepresentation
        self.subject = subject
    }

    /// The key as configured: the private scalar, base64url (32 bytes).
    public init(privateKey: String, subject: String) throws(VAPIDError) {
        guard let raw = Base64URL.decode(privateKey), let key = try? P256.Signing.PrivateKey(rawRepresentation: raw)
        else { throw VAPIDError("the VAPID private key is not a base64url P-256 scalar (32 bytes)") }
        guard subject.hasPrefix("mailto:") || subject.hasPrefix("https:") else {
            throw VAPIDError("the VAPID subject must be a mailto: or https: URL, found '\(subject)'")
        }
        self.init(key: key, subject: subject)
    }

    /// The public key as browsers subscribe with it (`applicationServerKey`), base64url.
    public var publicKey: String { Base64URL.encode(key.publicKey.x963Representation) }

    /// The `Authorization` header for a request to `endpoint`, valid until `expires` (epoch
    /// seconds; push services refuse more than 24 hours ahead).
    public func authorization(for endpoint: URL, expires: Int64) throws(VAPIDError) -> String {
        guard let scheme = endpoint.scheme, let host = endpoint.host else {
            throw VAPIDError("no origin in \(endpoint)")
        }
        let origin = "\(scheme)://\(host)" + (endpoint.port.map { ":\($0)" } ?? "")
        let header = Base64URL.encode(Data(#"{"typ":"JWT","alg":"ES256"}"#.utf8))
        let claims = Base64URL.encode(
            Data(#"{"aud":\#(Self.quoted(origin)),"exp":\#(expires),"sub":\#(Self.quoted(subject))}"#.utf8))
        let signingInput = header + "." + claims
        guard let signature = try? key.signature(for: Data(signingInput.utf8)) else {
            throw VAPIDError("signing failed")
        }
        return "vapid t=\(signingInput).\(Base64URL.encode(signature.rawRepresentation)), k=\(publicKey)"
    }

    static func quoted(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text])) ?? Data("[\"\"]".utf8)
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    }

    /// What a push service checks (RFC 8292 §2, §3): the header's shape, the ES256 signature by
    /// `k`, the audience, an expiry in the future and at most 24 hours ahead, a subject.
    /// Returns the claims.
    public static func verify(_ authorization: String?, origin: String, now: Int64) throws(VAPIDError) -> (
        subject: String, expires: Int64, key: String
    ) {
        guard let authorization, authorization.lowercased().hasPrefix("vapid ") else {
            throw VAPIDError("no vapid Authorization")
        }
        var token: String?
        var key: String?
        for part in authorization.dropFirst(6).split(separator: ",") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { continue }
            if pair[0] == "t" { token = pair[1] }
            if pair[0] == "k" { key = pair[1] }
        }
        guard let token, let key, let point = Base64URL.decode(key),
            let publicKey = try? P256.Signing.PublicKey(x963Representation: point)
        else { throw VAPIDError("expected t=<JWT>, k=<P-256 public key>") }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let headerData = Base64URL.decode(parts[0]),
            let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any],
            header["alg"] as? String == "ES256", let claimsData = Base64URL.decode(parts[1]),
            let claims = try? JSONSerialization.jsonObject(with: claimsData) as? [String: Any],
            let signatureData = Base64URL.decode(parts[2]),
            let signature = try? P256.Signing.ECDSASignature(rawRepresentation: signatureData)
        else { throw VAPIDError("not an ES256 JWT") }
        guard publicKey.isValidSignature(signature, for: Data((parts[0] + "." + parts[1]).utf8)) else {
            throw VAPIDError("the signature does not verify with k")
        }
        guard claims["aud"] as? String == origin else { throw VAPIDError("aud is not \(origin)") }
        guard let expires = (claims["exp"] as? NSNumber)?.int64Value, expires > now, expires <= now + 86_400 else {
            throw VAPIDError("exp must be in the next 24 hours")
        }
        guard let subject = claims["sub"] as? String, !subject.isEmpty else { throw VAPIDError("no sub") }
        return (subject, expires, key)
    }
}

public struct VAPIDError: Error, Hashable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
