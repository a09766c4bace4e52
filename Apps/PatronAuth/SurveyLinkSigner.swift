import Crypto
import Foundation
import PatronCore

/// Signs and checks survey links: `BASE/s/PAYLOAD.SIGNATURE`, the payload the token as JSON in
/// base64url, the signature HMAC-SHA256 of the payload under the shop's secret (base64url). A
/// customer's one-click score is the query `?score=N`, outside the signature. The same secret
/// must be given to `patron-scheduler` (which signs) and `patron-api` (which checks).
public struct SurveyLinkSigner: SurveyLinking {
    /// Why a link is refused.
    public enum LinkError: Error, Hashable, Sendable, CustomStringConvertible {
        /// Not a survey link at all (cut short, mangled by a mail client).
        case malformed
        /// The signature does not match: the link was changed.
        case tampered

        public var description: String {
            switch self {
            case .malformed: "this is not a complete survey link (was it cut short?)"
            case .tampered: "this survey link was changed after it was sent"
            }
        }
    }

    /// The shortest secret taken, in bytes.
    public static let minimumSecretBytes = 16

    /// The secret's bytes (a `SymmetricKey` is made per use: it is not `Sendable`).
    let secret: Data
    var key: SymmetricKey { SymmetricKey(data: secret) }
    /// Where `patron-api` answers, as customers reach it (`https://feedback.shop.example`).
    public let baseURL: String

    /// Fails with a message naming the setting when the secret is too short or the address is
    /// not an http(s) URL.
    public init(secret: String, baseURL: String) throws(PatronError) {
        guard secret.utf8.count >= Self.minimumSecretBytes else {
            throw PatronError(
                .invalidArgument,
                "PATRON_SURVEY_SECRET: at least \(Self.minimumSecretBytes) bytes (e.g. `openssl rand -hex 32`)")
        }
        guard let url = URL(string: baseURL), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw PatronError(.invalidArgument, "PATRON_SURVEY_URL: '\(baseURL)' is not an http(s) address")
        }
        self.secret = Data(secret.utf8)
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
    }

    /// The signer the environment configures (`PATRON_SURVEY_SECRET`, `PATRON_SURVEY_URL`), `nil`
    /// when neither is set.
    public static func fromEnvironment(_ environment: [String: String]) throws(PatronError) -> SurveyLinkSigner? {
        let secret = environment["PATRON_SURVEY_SECRET"].flatMap { $0.isEmpty ? nil : $0 }
        let url = environment["PATRON_SURVEY_URL"].flatMap { $0.isEmpty ? nil : $0 }
        switch (secret, url) {
        case (nil, nil): return nil
        case (let secret?, let url?): return try SurveyLinkSigner(secret: secret, baseURL: url)
        case (nil, _): throw PatronError(.invalidArgument, "PATRON_SURVEY_URL is set but PATRON_SURVEY_SECRET is not")
        case (_, nil): throw PatronError(.invalidArgument, "PATRON_SURVEY_SECRET is set but PATRON_SURVEY_URL is not")
        }
    }

    private struct Payload: Codable {
        var m: String
        var c: Int64
        var k: String
        var s: String?
        var e: Int64
    }

    /// The signed token: `PAYLOAD.SIGNATURE`, URL-safe.
    public func token(_ token: SurveyToken) -> String {
        let payload = Payload(
            m: token.messageKey, c: token.customerID.rawValue, k: token.kind.rawValue, s: token.sku, e: token.expiresAt)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let body = Self.base64URL((try? encoder.encode(payload)) ?? Data())
        return body + "." + Self.base64URL(Data(HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: key)))
    }

    public func link(_ token: SurveyToken, score: Int?) -> String {
        baseURL + "/s/" + self.token(token) + (score.map { "?score=\($0)" } ?? "")
    }

    /// The token a link's `PAYLOAD.SIGNATURE` stands for, when its signature is ours. Expiry is
    /// the caller's to check (the kernel does, against the clock it is given).
    public func verify(_ text: String) throws(LinkError) -> SurveyToken {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count <= 4_096, let signature = Self.data(base64URL: parts[1]),
            signature.count == SHA256.byteCount,
            // One spelling per signature: the unused bits of the last character must be zero.
            Self.base64URL(signature) == parts[1]
        else { throw .malformed }
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: Data(parts[0].utf8), using: key) else {
            throw .tampered
        }
        // JSONSerialization: a third of what JSONDecoder costs here, on every answer.
        guard let json = Self.data(base64URL: parts[0]),
            let payload = (try? JSONSerialization.jsonObject(with: json)) as? [String: Any],
            let key = payload["m"] as? String, let customer = (payload["c"] as? NSNumber)?.int64Value,
            let expires = (payload["e"] as? NSNumber)?.int64Value,
            let kind = (payload["k"] as? String).flatMap(SurveyKind.init(rawValue:))
        else { throw .malformed }
        let sku = payload["s"] as? String
        return SurveyToken(messageKey: key, customerID: CustomerID(customer), kind: kind, sku: sku, expiresAt: expires)
    }

    /// A token naming a customer in the links of Patron's messages (`?patron=TOKEN`), so that a
    /// click identifies the visitor to `POST /v1/track`: `ID.EXPIRES.SIGNATURE`, the signature
    /// HMAC-SHA256 of `visitor:ID.EXPIRES` (apart from survey tokens, which sign their payload).
    public func visitorToken(_ customer: CustomerID, expiresAt: Int64) -> String? {
        let body = "\(customer.rawValue).\(expiresAt)"
        return body + "."
            + Self.base64URL(Data(HMAC<SHA256>.authenticationCode(for: Data(("visitor:" + body).utf8), using: key)))
    }

    /// The customer a visitor token names, when it is ours and not expired at `now`.
    public func verifyVisitor(_ text: String, now: Int64) -> CustomerID? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let id = Int64(parts[0]), id > 0, let expires = Int64(parts[1]), expires >= now,
            let signature = Self.data(base64URL: parts[2]), signature.count == SHA256.byteCount,
            HMAC<SHA256>.isValidAuthenticationCode(
                signature, authenticating: Data("visitor:\(parts[0]).\(parts[1])".utf8), using: key)
        else { return nil }
        return CustomerID(id)
    }

    package static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func data(base64URL text: Substring) -> Data? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            return nil
        }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
