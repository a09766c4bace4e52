import Crypto
import Foundation
import PatronCore

/// Why a delivery's signature was refused; receivers answer 401 and store nothing.
public struct WebhookSignatureError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Reason: String, Sendable {
        /// No signature header, or an empty one.
        case missing
        /// The header is not in the expected shape (not base64, no `t=` or `v1=`).
        case malformed
        /// No secret produced the signature.
        case mismatch
        /// A timestamped signature outside the tolerance (a replay, or a skewed clock).
        case stale
    }

    public var reason: Reason
    public var detail: String

    public var description: String { "signature \(reason.rawValue): \(detail)" }
}

/// Signature checks over the raw body bytes, before any parsing, in constant time. Several
/// secrets may be given (during a secret rotation both are valid).
///
/// - Shopify: `X-Shopify-Hmac-Sha256` = base64(HMAC-SHA256(secret, body)).
/// - WooCommerce: `X-WC-Webhook-Signature` = base64(HMAC-SHA256(secret, body)).
/// - Generic (Stripe's scheme): `Patron-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]` with
///   HMAC-SHA256(secret, "<t>.<body>"); any v1 may match; t must be within `tolerance` of now.
public enum WebhookSignature {
    /// Checks a base64 HMAC-SHA256 header (Shopify's and WooCommerce's scheme).
    public static func verifyBase64(
        body: some DataProtocol, header: String?, secrets: [String]
    ) throws(WebhookSignatureError) {
        guard let header = header?.trimmingCharacters(in: .whitespaces), !header.isEmpty else {
            throw WebhookSignatureError(reason: .missing, detail: "no signature header")
        }
        guard let mac = Data(base64Encoded: header), mac.count == SHA256.byteCount else {
            throw WebhookSignatureError(reason: .malformed, detail: "the signature is not a base64 SHA-256 HMAC")
        }
        for secret in secrets where !secret.isEmpty {
            let key = SymmetricKey(data: Data(secret.utf8))
            if HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: body, using: key) { return }
        }
        throw WebhookSignatureError(reason: .mismatch, detail: "no configured secret produced this signature")
    }

    /// The generic scheme: `t=<unix seconds>,v1=<hex>…`, signed over `"<t>." + body`.
    public static func verifyTimestamped(
        body: some DataProtocol, header: String?, secrets: [String], now: Int64, tolerance: Int64 = 300
    ) throws(WebhookSignatureError) {
        guard let header, !header.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw WebhookSignatureError(reason: .missing, detail: "no Patron-Signature header")
        }
        var timestamp: Int64?
        var signatures: [Data] = []
        for part in header.split(separator: ",") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { continue }
            switch pair[0] {
            case "t": timestamp = Int64(pair[1])
            case "v1": if let mac = Self.hex(pair[1]), mac.count == SHA256.byteCount { signatures.append(mac) }
            default: continue  // other schemes (v0) are ignored
            }
        }
        guard let timestamp, !signatures.isEmpty else {
            throw WebhookSignatureError(reason: .malformed, detail: "expected t=<unix seconds>,v1=<hex HMAC-SHA256>")
        }
        // (a stranger picks t: the difference may not fit in 64 bits, and abs(Int64.min) traps)
        let (age, overflow) = now.subtractingReportingOverflow(timestamp)
        guard !overflow, age.magnitude <= tolerance.magnitude else {
            throw WebhookSignatureError(
                reason: .stale,
                detail:
                    "signed at \(timestamp), \(overflow ? "too far" : "\(age) s") from now (tolerance \(tolerance) s)")
        }
        var signed = Data("\(timestamp).".utf8)
        signed.append(contentsOf: body)
        for secret in secrets where !secret.isEmpty {
            let key = SymmetricKey(data: Data(secret.utf8))
            for mac in signatures where HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: signed, using: key)
            {
                return
            }
        }
        throw WebhookSignatureError(reason: .mismatch, detail: "no v1 signature matches a configured secret")
    }

    /// The generic scheme's header for `body` at `timestamp` (for senders and tests).
    public static func timestampedHeader(body: some DataProtocol, secret: String, timestamp: Int64) -> String {
        var signed = Data("\(timestamp).".utf8)
        signed.append(contentsOf: body)
        let mac = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Data(secret.utf8)))
        return "t=\(timestamp),v1=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Shopify's and WooCommerce's header for `body`.
    public static func base64Header(body: some DataProtocol, secret: String) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8))))
            .base64EncodedString()
    }

    static func hex(_ text: String) -> Data? {
        guard text.count % 2 == 0 else { return nil }
        var data = Data(capacity: text.count / 2)
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            data.append(byte)
            index = next
        }
        return data
    }
}
