import Crypto
import Foundation

/// Twilio's request signature, the `X-Twilio-Signature` header on webhooks and status callbacks.
///
/// signature = base64(HMAC-SHA1(auth token, URL + every POST parameter's name and value)), the
/// parameters sorted by name (byte order) and, for a repeated name, its values sorted too. A JSON
/// body is not signed as parameters: Twilio adds `bodySHA256=<hex SHA-256 of the body>` to the URL
/// and signs the URL alone. Verification follows Twilio's validators: Twilio's own signing is
/// inconsistent about ports, so the URL is tried without its port and with it (the scheme's default
/// port, 443 or 80, when it has none). Comparison is constant-time.
public enum TwilioSignature {
    /// The header that carries the signature.
    public static let headerName = "X-Twilio-Signature"

    /// The signature of a form-encoded request to `url` (the full URL Twilio called, query included).
    public static func compute(url: String, parameters: FormFields, authToken: String) -> String {
        Data(mac(url: url, parameters: parameters, authToken: authToken)).base64EncodedString()
    }

    /// Checks the signature of a form-encoded request (a status callback or an incoming message).
    ///
    /// - Parameters:
    ///   - signature: the `X-Twilio-Signature` header, `nil` if absent.
    ///   - url: the URL Twilio requested, as Twilio saw it (scheme, host, port, path and query; behind
    ///     a proxy, the public URL, not the one the server sees).
    ///   - parameters: the decoded POST parameters.
    public static func verify(signature: String?, url: String, parameters: FormFields, authToken: String)
        throws(TwilioSignatureError)
    {
        let mac = try decode(signature)
        let key = SymmetricKey(data: Data(authToken.utf8))
        let candidates = urlVariants(url)
        for candidate in candidates {
            let signed = message(url: candidate, parameters: parameters)
            if HMAC<Insecure.SHA1>.isValidAuthenticationCode(mac, authenticating: signed, using: key) { return }
        }
        throw TwilioSignatureError(
            reason: .mismatch,
            detail: "no match for \(candidates.joined(separator: " or ")) with \(parameters.count) parameters; "
                + "check the auth token and that the URL is the one Twilio was given")
    }

    /// Checks the signature of a request with a JSON body: the URL's `bodySHA256` must be the
    /// body's SHA-256 and the signature must match the URL alone.
    public static func verify(signature: String?, url: String, jsonBody: some DataProtocol, authToken: String)
        throws(TwilioSignatureError)
    {
        let query = url.firstIndex(of: "?").map { url[url.index(after: $0)...].prefix { $0 != "#" } } ?? ""
        guard let hex = (try? FormEncoding.decode(String(query)))?["bodySHA256"] else {
            throw TwilioSignatureError(reason: .missingBodyHash, detail: "the URL has no bodySHA256 query parameter")
        }
        let digest = Array(SHA256.hash(data: jsonBody))
        guard let claimed = bytes(hex: hex), constantTimeEqual(claimed, digest) else {
            throw TwilioSignatureError(
                reason: .bodyHashMismatch,
                detail: "bodySHA256 \(hex) is not the SHA-256 of the \(jsonBody.count)-byte body")
        }
        try verify(signature: signature, url: url, parameters: [:], authToken: authToken)
    }

    /// The lowercase hex SHA-256 of a body, the `bodySHA256` value Twilio puts in the URL.
    public static func bodySHA256(_ body: some DataProtocol) -> String {
        SHA256.hash(data: body).map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }

    /// The URL without its port, then with it (adding the scheme's default when it has none),
    /// then as given where it is neither (an empty port, `host:`: found by fuzzing, a sender that
    /// signs the URL exactly as configured must pass).
    static func urlVariants(_ url: String) -> [String] {
        guard let separator = url.range(of: "://") else { return [url] }
        let authorityEnd = url[separator.upperBound...].firstIndex { "/?#".contains($0) } ?? url.endIndex
        let authority = url[separator.upperBound..<authorityEnd]
        var host = authority[(authority.lastIndex(of: "@").map(authority.index(after:)) ?? authority.startIndex)...]
        if host.hasPrefix("["), let bracket = host.firstIndex(of: "]") { host = host[bracket...] }  // IPv6 literal
        let colon = host.firstIndex(of: ":")
        let rest = url[authorityEnd...]
        let withoutPort = colon.map { String(url[..<$0]) + rest } ?? url
        let withPort: String
        if let colon, authority.index(after: colon) < authorityEnd {
            withPort = url
        } else {
            let port = url[..<separator.lowerBound].lowercased() == "https" ? "443" : "80"
            withPort = String(url[..<(colon ?? authorityEnd)]) + ":" + port + rest
        }
        if withoutPort == withPort { return [url] }
        return [withoutPort, withPort] + (url == withoutPort || url == withPort ? [] : [url])
    }

    static func message(url: String, parameters: FormFields) -> Data {
        var grouped: [String: [String]] = [:]
        for field in parameters { grouped[field.name, default: []].append(field.value) }
        var text = url
        for name in grouped.keys.sorted(by: utf8Less) {
            for value in grouped[name]!.sorted(by: utf8Less) { text += name + value }
        }
        return Data(text.utf8)
    }

    private static func mac(url: String, parameters: FormFields, authToken: String) -> HashedAuthenticationCode<
        Insecure.SHA1
    > {
        HMAC<Insecure.SHA1>.authenticationCode(
            for: message(url: url, parameters: parameters), using: SymmetricKey(data: Data(authToken.utf8)))
    }

    private static func decode(_ signature: String?) throws(TwilioSignatureError) -> Data {
        guard let signature = signature.map({ String($0.trimmingWhitespace()) }), !signature.isEmpty else {
            throw TwilioSignatureError(reason: .missing, detail: "no \(headerName) header")
        }
        guard let mac = Data(base64Encoded: signature), mac.count == Insecure.SHA1.byteCount else {
            throw TwilioSignatureError(reason: .malformed, detail: "'\(signature)' is not a base64 HMAC-SHA1")
        }
        return mac
    }

    private static func utf8Less(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }

    private static func bytes(hex: String) -> [UInt8]? {
        let characters = Array(hex.utf8)
        guard characters.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        for index in stride(from: 0, to: characters.count, by: 2) {
            guard let byte = UInt8(String(decoding: characters[index..<index + 2], as: UTF8.self), radix: 16) else {
                return nil
            }
            out.append(byte)
        }
        return out
    }

    private static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return zip(lhs, rhs).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
