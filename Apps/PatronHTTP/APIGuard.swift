import Foundation
import Hummingbird
import PatronAuth
import PatronCore

/// Checks API keys and applies each key's rate limit.
///
/// Keys are looked up by their SHA-256 and cached for `cacheSeconds` (a revoked key is refused
/// within that time); each key has a token bucket of `burst` requests refilled at
/// `requestsPerSecond` (0: no limit). Past the limit the answer is 429 with `Retry-After`.
public final class APIGuard: @unchecked Sendable {
    // @unchecked: `keys` and `buckets` are only touched while `lock` is held.
    private let lock = NSLock()
    private var keys: [String: (key: StoredAPIKey?, fetchedAt: Double)] = [:]
    private var buckets: [String: (tokens: Double, at: Double)] = [:]
    let store: any APIKeyStore
    let requestsPerSecond: Double
    let burst: Double
    /// The rate of a `track` key: one key serves every visitor of a shop.
    let trackRequestsPerSecond: Double
    let trackBurst: Double
    let cacheSeconds: Double
    let clock: @Sendable () -> Double

    public init(
        store: any APIKeyStore, requestsPerSecond: Double = 100, burst: Double = 200,
        trackRequestsPerSecond: Double = 1_000, trackBurst: Double = 2_000, cacheSeconds: Double = 2,
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) {
        self.store = store
        self.requestsPerSecond = requestsPerSecond
        self.trackRequestsPerSecond = trackRequestsPerSecond
        self.trackBurst = max(trackBurst, 1)
        self.burst = max(burst, 1)
        self.cacheSeconds = cacheSeconds
        self.clock = clock
    }

    /// The name of the key the request carries when it is live, has `scope` and is within its
    /// rate; a 401, 403 or 429 problem otherwise.
    ///
    /// A `track` route also takes the key as the query parameter `key` (a browser's
    /// `sendBeacon` sets no header) and refuses a request whose `Origin` the key does not name.
    public func authorize(_ request: Request, _ scope: APIScope) async throws(Problem) -> String {
        try await authorizedKey(request, scope).name
    }

    /// The stored key behind ``authorize(_:_:)`` (its name and scopes).
    public func authorizedKey(_ request: Request, _ scope: APIScope) async throws(Problem) -> StoredAPIKey {
        let presented: String
        if let header = APIResponse.header(request, "Authorization"), header.hasPrefix("Bearer ") {
            presented = String(header.dropFirst(7))
        } else if scope == .track, let key = request.uri.queryParameters["key"], !key.isEmpty {
            presented = String(key)
        } else {
            throw Problem(
                .unauthorized,
                scope == .track
                    ? "missing API key: Authorization: Bearer <key> or ?key=<key>"
                    : "missing Authorization: Bearer <API key>",
                headers: [.wwwAuthenticate: #"Bearer realm="patron""#])
        }
        let now = clock()
        guard let key = try await lookup(presented, now: now) else {
            throw Problem(
                .unauthorized, "unknown or revoked API key", headers: [.wwwAuthenticate: #"Bearer realm="patron""#])
        }
        guard scope.granted(by: key.scopes) else {
            throw Problem(.forbidden, "the key '\(key.name)' lacks the '\(scope.rawValue)' scope")
        }
        let origins = APIScope.origins(of: key.scopes)
        if scope == .track, !origins.isEmpty, let origin = APIResponse.header(request, "Origin"),
            !origins.contains(APIScope.origin(origin) ?? origin)
        {
            throw Problem(.forbidden, "the key '\(key.name)' may not be used from \(origin)")
        }
        // The storefront's rate on the track route only: a key that also writes keeps the API's rate elsewhere.
        let tracking = scope == .track && key.scopes.contains("track")
        let rate = tracking ? trackRequestsPerSecond : requestsPerSecond
        if let wait = take(
            tracking ? "track:" + key.name : key.name, now: now, rate: rate, burst: tracking ? trackBurst : burst)
        {
            throw Problem(
                .tooManyRequests,
                "the key '\(key.name)' is over its rate of \(Self.number(rate)) requests/s; retry later",
                headers: [.retryAfter: String(Int(wait.rounded(.up)))])
        }
        return key
    }

    /// Applies the key's rate to a request it authorised another way (a dashboard session): a
    /// 429 problem past it.
    package func admit(_ key: StoredAPIKey) throws(Problem) {
        if let wait = take(key.name, now: clock(), rate: requestsPerSecond, burst: burst) {
            throw Problem(
                .tooManyRequests,
                "the key '\(key.name)' is over its rate of \(Self.number(requestsPerSecond)) requests/s; retry later",
                headers: [.retryAfter: String(Int(wait.rounded(.up)))])
        }
    }

    /// The stored key for a presented one. Answers are cached by the presented key for
    /// `cacheSeconds` (the hash is computed only on a miss).
    private func lookup(_ presented: String, now: Double) async throws(Problem) -> StoredAPIKey? {
        if let cached = cached(presented, now: now) { return cached.key }
        let key: StoredAPIKey?
        do {
            key = try await store.apiKey(hash: APIKeys.hash(presented))
        } catch {
            throw Problem(
                .serviceUnavailable, "the store could not check the key; try again shortly",
                headers: [.retryAfter: "5"])
        }
        remember(presented, key, now: now)
        return key
    }

    private func cached(_ presented: String, now: Double) -> (key: StoredAPIKey?, fetchedAt: Double)? {
        lock.lock()
        defer { lock.unlock() }
        guard let cached = keys[presented], now - cached.fetchedAt < cacheSeconds else { return nil }
        return cached
    }

    private func remember(_ presented: String, _ key: StoredAPIKey?, now: Double) {
        lock.lock()
        defer { lock.unlock() }
        if keys.count > 10_000 { keys.removeAll() }  // forged keys must not grow this without bound
        keys[presented] = (key, now)
    }

    /// Takes a token; the seconds until one is available when none is.
    private func take(_ name: String, now: Double, rate requestsPerSecond: Double, burst: Double) -> Double? {
        guard requestsPerSecond > 0 else { return nil }
        lock.lock()
        defer { lock.unlock() }
        var bucket = buckets[name] ?? (burst, now)
        bucket.tokens = min(burst, bucket.tokens + (now - bucket.at) * requestsPerSecond)
        bucket.at = now
        guard bucket.tokens >= 1 else {
            buckets[name] = bucket
            return max((1 - bucket.tokens) / requestsPerSecond, 1)
        }
        bucket.tokens -= 1
        buckets[name] = bucket
        return nil
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
