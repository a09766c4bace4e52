import Crypto
import Foundation
import PatronAuth
import Synchronization

/// The dashboard's sessions: signed cookies, so that several `patron-api` processes sharing
/// `PATRON_SESSION_SECRET` accept each other's sessions, and CSRF tokens derived from them.
///
/// A session cookie is `EXPIRES.NONCE.KEYHASH.MAC`: when it expires (Unix seconds), 16 random
/// bytes, the SHA-256 of the API key signed in with (what the store keeps, never the key), and
/// HMAC-SHA256 over the rest under the secret. The key is looked up again on every request, so a
/// revoked key ends its sessions. Signing out adds the nonce to a list this process keeps until
/// the cookie would have expired (another process learns of it only by the cookie being gone
/// from the browser). A form's CSRF token is HMAC("csrf", cookie): tied to one session.
final class DashboardSessions: Sendable {
    /// A verified session.
    struct Session: Sendable {
        var cookie: String
        var keyHash: String
        var expiresAt: Int64
        var nonce: String
    }

    /// Why a cookie is not a session: tampered (403) or over (back to sign-in).
    enum Refusal: Error, Equatable {
        case tampered
        case expired
        case signedOut
    }

    static let cookieName = "patron_session"
    static let loginCookieName = "patron_login"
    /// The secret's bytes (a `SymmetricKey` is made per use: it is not `Sendable`).
    private let secret: Data
    private var key: SymmetricKey { SymmetricKey(data: secret) }
    /// Seconds a session lasts.
    let lifetime: Int64
    private let signedOut = Mutex<[String: Int64]>([:])

    /// `secret`: `PATRON_SESSION_SECRET`, at least 16 bytes; without one a random secret is made
    /// (sessions then last until this process stops).
    init(secret: String?, lifetime: Int64 = 8 * 3600) {
        if let secret, secret.utf8.count >= 16 {
            self.secret = Data(secret.utf8)
        } else {
            var generator = SystemRandomNumberGenerator()
            self.secret = Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
        }
        self.lifetime = lifetime
    }

    private func mac(_ text: String) -> String {
        SurveyLinkSigner.base64URL(Data(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: key)))
    }

    private static func randomHex(_ count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// A new session for the key whose hash is `keyHash`.
    func issue(keyHash: String, now: Int64) -> String {
        let body = "\(now + lifetime).\(Self.randomHex(16)).\(keyHash)"
        return body + "." + mac("session|" + body)
    }

    /// The session a cookie carries.
    func verify(_ cookie: String, now: Int64) throws(Refusal) -> Session {
        let parts = cookie.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4, let expires = Int64(parts[0]) else { throw .tampered }
        let body = parts[0...2].joined(separator: ".")
        guard Self.constantTimeEqual(mac("session|" + body), parts[3]) else { throw .tampered }
        guard expires > now else { throw .expired }
        let isSignedOut = signedOut.withLock { $0[parts[1]] != nil }
        guard !isSignedOut else { throw .signedOut }
        return Session(cookie: cookie, keyHash: parts[2], expiresAt: expires, nonce: parts[1])
    }

    /// Ends a session in this process (and forgets ended sessions that have expired anyway).
    func signOut(_ session: Session, now: Int64) {
        signedOut.withLock { ended in
            ended = ended.filter { $0.value > now }
            ended[session.nonce] = session.expiresAt
        }
    }

    /// The CSRF token of a session's forms.
    func csrfToken(for session: Session) -> String { mac("csrf|" + session.cookie) }

    /// Whether `token` is the session's CSRF token.
    func checkCSRF(_ token: String?, for session: Session) -> Bool {
        guard let token else { return false }
        return Self.constantTimeEqual(csrfToken(for: session), token)
    }

    /// The sign-in form's cookie (a nonce) and token: a sign-in must come from the form this
    /// server gave (login CSRF).
    func loginChallenge() -> (cookie: String, token: String) {
        let nonce = Self.randomHex(16)
        return (nonce, mac("login|" + nonce))
    }

    func checkLogin(token: String?, cookie: String?) -> Bool {
        guard let token, let cookie, !cookie.isEmpty else { return false }
        return Self.constantTimeEqual(mac("login|" + cookie), token)
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}
