import Crypto
import Foundation
import Hummingbird
import PatronPush

/// A stub push service (RFC 8030) on a real socket, for tests and the demo: it makes
/// subscriptions (keeping their private keys, as a browser does), and for each message checks
/// the VAPID token against its own origin, decrypts the body with the subscription's key and
/// keeps what it read. A subscription it was told to drop answers 410; one it never made, 404.
///
/// - `POST /_stub/subscriptions`: a new subscription's JSON (endpoint and keys);
/// - `DELETE /_stub/subscriptions/{id}`: the subscription is gone (410 from now on);
/// - `POST /_stub/subscriptions/{id}/busy?times=N`: the next N messages get 429;
/// - `POST /push/{id}`: a push message (`Content-Encoding: aes128gcm`, `TTL`, `Authorization: vapid …`);
/// - `GET /_stub/messages`: what was delivered, decrypted.
public final class PushStubService: @unchecked Sendable {
    // @unchecked: every stored property but `lock` is read and written only while `lock` is held.
    private let lock = NSLock()
    private var subscriptions: [String: (key: Data, auth: Data, gone: Bool, busy: Int)] = [:]
    private var delivered: [[String: Any]] = []
    private var next = 0

    public init() {}

    /// What was delivered, in order: `subscription`, `title`, `body`, `subject` (the VAPID
    /// contact), `ttl`.
    public var messages: [[String: Any]] {
        lock.lock()
        defer { lock.unlock() }
        return delivered
    }

    /// Makes a subscription whose endpoint is on `origin` (`http://127.0.0.1:PORT`).
    public func subscribe(origin: String) -> PushSubscription {
        let id: String = lock.withLock {
            next += 1
            return "s\(next)"
        }
        let made = PushSubscription.generated(endpoint: "\(origin)/push/\(id)")
        lock.withLock { subscriptions[id] = (made.privateKey, made.auth, false, 0) }
        return made.subscription
    }

    /// The subscription is gone: its messages get 410 from now on.
    public func unsubscribe(_ id: String) {
        lock.lock()
        defer { lock.unlock() }
        subscriptions[id]?.gone = true
    }

    /// The next `times` messages to the subscription get 429.
    public func busy(_ id: String, times: Int) {
        lock.lock()
        defer { lock.unlock() }
        subscriptions[id]?.busy = times
    }

    public func add(to router: Router<some RequestContext>) {
        router.post("/_stub/subscriptions") { request, _ in
            let host = request.head.authority ?? "127.0.0.1"
            let subscription = self.subscribe(origin: "http://\(host)")
            return Self.json(.created, String(decoding: Data(subscription.recipient.utf8), as: UTF8.self))
        }
        router.delete("/_stub/subscriptions/{id}") { _, context in
            self.unsubscribe(context.parameters.get("id") ?? "")
            return Response(status: .noContent)
        }
        router.post("/_stub/subscriptions/{id}/busy") { request, context in
            self.busy(
                context.parameters.get("id") ?? "", times: Int(request.uri.queryParameters.get("times") ?? "1") ?? 1)
            return Response(status: .noContent)
        }
        router.get("/_stub/messages") { _, _ in
            let data =
                (try? JSONSerialization.data(withJSONObject: ["messages": self.messages], options: [.sortedKeys]))
            return Self.json(.ok, String(decoding: data ?? Data("{}".utf8), as: UTF8.self))
        }
        router.post("/push/{id}") { request, context in
            try await self.push(request, id: context.parameters.get("id") ?? "")
        }
    }

    func push(_ request: Request, id: String) async throws -> Response {
        var request = request
        let body = Data(try await request.collectBody(upTo: 8_192).readableBytesView)
        let subscription = lock.withLock {
            let found = subscriptions[id]
            if found?.busy ?? 0 > 0 { subscriptions[id]?.busy -= 1 }
            return found
        }
        guard let subscription else { return Response(status: .notFound) }
        guard !subscription.gone else { return Response(status: .gone) }
        guard subscription.busy == 0 else { return Response(status: .tooManyRequests) }
        func header(_ name: String) -> String? {
            request.headers.first { $0.name.canonicalName == name.lowercased() }?.value
        }
        guard header("Content-Encoding") == "aes128gcm", let ttl = header("TTL").flatMap(Int.init) else {
            return Self.json(.badRequest, #"{"error":"expected Content-Encoding: aes128gcm and a TTL"}"#)
        }
        let origin = "http://" + (request.head.authority ?? "")
        let claims: (subject: String, expires: Int64, key: String)
        do {
            claims = try VAPID.verify(header("Authorization"), origin: origin, now: Int64(Date().timeIntervalSince1970))
        } catch {
            return Self.json(.unauthorized, #"{"error":\#(Self.quoted(error.description))}"#)
        }
        let plaintext: Data
        do {
            let key = try P256.KeyAgreement.PrivateKey(rawRepresentation: subscription.key)
            plaintext = try WebPushEncryption.decrypt(body, uaPrivate: key, auth: subscription.auth)
        } catch {
            return Self.json(.badRequest, #"{"error":\#(Self.quoted("\(error)"))}"#)
        }
        let payload = (try? JSONSerialization.jsonObject(with: plaintext) as? [String: Any]) ?? [:]
        let number = lock.withLock {
            delivered.append([
                "subscription": id, "title": payload["title"] ?? NSNull(), "body": payload["body"] ?? NSNull(),
                "subject": claims.subject, "ttl": ttl,
            ])
            return delivered.count
        }
        var response = Response(status: .created)
        response.headers[.location] = "/_stub/messages/\(number)"
        return response
    }

    static func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func quoted(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text])) ?? Data("[\"\"]".utf8)
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    }
}
