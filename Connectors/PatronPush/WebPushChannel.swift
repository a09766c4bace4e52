import Crypto
import Foundation
import PatronCore
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The Web Push ``ChannelConnector``: a message to a browser's push subscription, encrypted to
/// it (RFC 8291) and sent to its push service with a VAPID token (RFC 8292, RFC 8030).
///
/// The recipient is the subscription's JSON (what ``PushSubscription/recipient`` writes). The
/// body sent is `{"title": subject, "body": body}`. Failures in the channel's terms: 404 and 410
/// mean the subscription is gone (``ChannelError/Code/invalidRecipient``, so the sender records
/// it and the customer's push consent becomes `unsubscribed`); 429 and 5xx may pass later; 400,
/// 403 and 413 are the message or the key.
public struct WebPushChannel: ChannelConnector {
    /// Push: to a subscription the customer gave, with a title, at most 3,000 characters (one
    /// record holds 4,079 bytes of UTF-8), only with an opt-in (subscribing is one), at most
    /// two a day by default.
    public static let descriptor = ChannelDescriptor(
        channel: .push, summary: "web push", address: .contactPoint, consent: .optIn, hasSubject: true,
        maxBodyLength: 3_000, defaultCaps: [ContactPolicy.Cap(channel: .push, limit: 2, seconds: 86_400)])

    public let vapid: VAPID
    /// Seconds a push service keeps an undelivered message (`TTL`).
    public let ttl: Int
    /// Admit `http://` endpoints on loopback (the stub push service).
    public let allowLoopbackHTTP: Bool
    let clock: @Sendable () -> Int64
    let session: URLSession
    /// VAPID tokens by push service origin, reused until an hour before they expire (RFC 8292
    /// §2 lets a token serve many requests; signing is most of a message's cost).
    let tokens = TokenCache()

    public init(
        vapid: VAPID, ttl: Int = 86_400, allowLoopbackHTTP: Bool = false, timeout: TimeInterval = 10,
        clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) {
        self.vapid = vapid
        self.ttl = ttl
        self.allowLoopbackHTTP = allowLoopbackHTTP
        self.clock = clock
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        session = URLSession(configuration: configuration)
    }

    /// The request for one message: the encrypted body and its headers (no network).
    public func request(for message: OutboundMessage) throws(ChannelError) -> URLRequest {
        let subscription: (url: URL, uaPublic: P256.KeyAgreement.PublicKey, auth: Data)
        do {
            subscription = try PushSubscription.parse(message.recipient).validated(allowHTTP: allowLoopbackHTTP)
        } catch {
            throw ChannelError(.invalidRecipient, "push subscription: \(error)")
        }
        var payload: [String: String] = ["body": message.body]
        payload["title"] = message.subject
        let json = (try? JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])) ?? Data()
        let body: Data
        do {
            body = try WebPushEncryption.encrypt(json, to: subscription.uaPublic, auth: subscription.auth)
        } catch {
            throw ChannelError(.rejected, error.description)
        }
        let authorization: String
        do {
            authorization = try token(for: subscription.url)
        } catch {
            throw ChannelError(.misconfigured, error.description)
        }
        var request = URLRequest(url: subscription.url)
        request.httpMethod = "POST"
        request.setValue("aes128gcm", forHTTPHeaderField: "Content-Encoding")
        request.setValue("application/octet-stream", forHTTPHeaderField: "Content-Type")
        request.setValue(String(ttl), forHTTPHeaderField: "TTL")
        request.setValue(authorization, forHTTPHeaderField: "Authorization")
        // RFC 8030 §5.4: the same topic replaces an undelivered message, so a resend is one.
        request.setValue(Self.topic(message.idempotencyKey), forHTTPHeaderField: "Topic")
        request.httpBody = body
        return request
    }

    public func send(_ message: OutboundMessage) async throws(ChannelError) -> DeliveryReceipt {
        let request = try request(for: message)
        let response: URLResponse
        do {
            (_, response) = try await session.data(for: request)
        } catch {
            throw ChannelError(.unavailable, "the push service did not answer: \(error.localizedDescription)")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        switch status {
        case 200...202:
            let location = (response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Location")
            return DeliveryReceipt(
                providerMessageID: location ?? "push:" + message.idempotencyKey, status: .sent, acceptedAt: clock())
        case 404, 410: throw ChannelError(.invalidRecipient, "the push subscription is gone (\(status))")
        case 429, 500...599: throw ChannelError(.unavailable, "the push service answered \(status)")
        case 401, 403: throw ChannelError(.misconfigured, "the push service refused the VAPID token (\(status))")
        default: throw ChannelError(.rejected, "the push service refused the message (\(status))")
        }
    }

    /// The `Authorization` header for the endpoint's origin: a cached token while it has more
    /// than an hour to live, else a new one valid for 12 hours.
    package func token(for endpoint: URL) throws(VAPIDError) -> String {
        let origin = "\(endpoint.scheme ?? "")://\(endpoint.host ?? ""):\(endpoint.port ?? -1)"
        let now = clock()
        if let cached = tokens.get(origin), cached.expires - now > 3_600 { return cached.header }
        let expires = now + 12 * 3_600
        let header = try vapid.authorization(for: endpoint, expires: expires)
        tokens.set(origin, (header, expires))
        return header
    }

    /// A topic is at most 32 base64url characters: a digest of the key.
    static func topic(_ key: String) -> String {
        String(Base64URL.encode(Data(SHA256.hash(data: Data(key.utf8)))).prefix(32))
    }
}

/// VAPID tokens by origin, shared by copies of a channel.
final class TokenCache: Sendable {
    private let tokens = Mutex<[String: (header: String, expires: Int64)]>([:])

    func get(_ origin: String) -> (header: String, expires: Int64)? { tokens.withLock { $0[origin] } }
    func set(_ origin: String, _ token: (header: String, expires: Int64)) { tokens.withLock { $0[origin] = token } }
}

extension ConsentChannel {
    /// Web push, as ``WebPushChannel`` registers it.
    public static let push: ConsentChannel = "push"
}
