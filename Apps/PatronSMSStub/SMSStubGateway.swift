import Foundation
import Hummingbird
import Logging
import PatronSMS

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A stand-in for a Twilio-shaped SMS gateway, served for real on a socket (`patron sms-stub`):
/// `POST /2010-04-01/Accounts/{Sid}/Messages.json` with Basic auth and a form body answers 201
/// with a `sid`, `status` and `num_segments`, and keeps what it received (`GET /_stub/messages`).
///
/// Recipients tell it to misbehave, so retry paths are tested over a real socket: a number
/// ending in `0429` gets 429 with `Retry-After`, `0500` a 500, `0400` Twilio's 21211 (invalid
/// number, also for anything not E.164), `0555` an answer two seconds late; `0600` is accepted
/// but its status callback says `undelivered` (30003).
///
/// A request repeating an `I-Twilio-Idempotency-Token` it has seen gets the first answer again
/// and is not kept twice (counted in `duplicates`). After `callbackDelay` it POSTs the message's
/// status (`delivered`) to its `StatusCallback`, signed with `X-Twilio-Signature` like Twilio.
public final class SMSStubGateway: @unchecked Sendable {
    // @unchecked: `received`, `byToken` and `duplicateCount` are only touched while `lock` is held.
    private let lock = NSLock()
    private var received: [[String: String]] = []
    private var byToken: [String: String] = [:]
    private var duplicateCount = 0
    public let accountSid: String
    public let authToken: String
    /// How long after accepting a message its status callback is sent (`nil`: never).
    public let callbackDelay: Duration?
    let logger = Logger(label: "patron.sms-stub")

    public init(accountSid: String, authToken: String, callbackDelay: Duration? = .milliseconds(500)) {
        self.accountSid = accountSid
        self.authToken = authToken
        self.callbackDelay = callbackDelay
    }

    /// Requests that repeated an idempotency token already answered.
    public var duplicates: Int {
        lock.lock()
        defer { lock.unlock() }
        return duplicateCount
    }

    /// The sid already given for `token`, counting the repeat; else `nil`.
    private func seen(_ token: String?) -> String? {
        guard let token, !token.isEmpty else { return nil }
        lock.lock()
        defer { lock.unlock() }
        guard let sid = byToken[token] else { return nil }
        duplicateCount += 1
        return sid
    }

    /// What it accepted, oldest first (each message's form fields and its sid).
    public var messages: [[String: String]] {
        lock.lock()
        defer { lock.unlock() }
        return received
    }

    /// Keeps the message unless its token was taken meanwhile; returns the sid that stands.
    private func record(_ message: [String: String], token: String?) -> String {
        lock.lock()
        defer { lock.unlock() }
        if let token, !token.isEmpty {
            if let sid = byToken[token] {
                duplicateCount += 1
                return sid
            }
            byToken[token] = message["sid"]
        }
        received.append(message)
        return message["sid"] ?? ""
    }

    public func add(to router: Router<some RequestContext>) {
        router.post("/2010-04-01/Accounts/{sid}/Messages.json") { request, context in
            try await self.create(request, sid: context.parameters.get("sid") ?? "")
        }
        router.get("/_stub/messages") { _, _ in
            StubResponse.json(.ok, object: ["messages": self.messages, "duplicates": self.duplicates])
        }
    }

    static func twilioError(_ status: HTTPResponse.Status, code: Int, _ message: String) -> Response {
        StubResponse.json(
            status,
            object: [
                "code": code, "message": message, "status": Int(status.code),
                "more_info": "https://www.twilio.com/docs/errors/\(code)",
            ])
    }

    func create(_ request: Request, sid: String) async throws -> Response {
        guard sid == accountSid,
            StubResponse.header(request, "Authorization")
                == TwilioMessageRequest.basicAuthorization(accountSid: accountSid, authToken: authToken)
        else { return Self.twilioError(.unauthorized, code: 20003, "Authenticate") }
        var request = request
        let body = try await request.collectBody(upTo: 1 << 20)
        guard let form = try? FormEncoding.decode(bytes: Array(body.readableBytesView)) else {
            return Self.twilioError(.badRequest, code: 21100, "the body is not form-encoded")
        }
        let to = form["To"] ?? ""
        guard (try? PhoneNumber(e164: to)) != nil, !to.hasSuffix("0400") else {
            return Self.twilioError(.badRequest, code: 21211, "The 'To' number \(to) is not a valid phone number.")
        }
        if to.hasSuffix("0429") {
            var response = Self.twilioError(.tooManyRequests, code: 20429, "Too Many Requests")
            response.headers[.retryAfter] = "1"
            return response
        }
        if to.hasSuffix("0500") { return Self.twilioError(.internalServerError, code: 20500, "Internal Server Error") }
        if to.hasSuffix("0555") { try await Task.sleep(for: .seconds(2)) }
        let token = StubResponse.header(request, "I-Twilio-Idempotency-Token")
        let text = form["Body"] ?? ""
        func created(_ sid: String) -> Response {
            StubResponse.json(
                .created,
                object: [
                    "sid": sid, "account_sid": accountSid, "to": to, "from": (form["From"] ?? "") as Any,
                    "body": text, "status": "queued", "num_segments": String(SMSSegments(text).count),
                    "direction": "outbound-api", "api_version": "2010-04-01",
                ])
        }
        if let sid = seen(token) { return created(sid) }
        let fresh = "SM" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let callback = form["StatusCallback"] ?? ""
        let sid = record(
            [
                "sid": fresh, "To": to, "From": form["From"] ?? form["MessagingServiceSid"] ?? "", "Body": text,
                "StatusCallback": callback, "IdempotencyToken": token ?? "",
            ], token: token)
        if sid == fresh, !callback.isEmpty, let delay = callbackDelay {
            let fields: FormFields = [
                "AccountSid": accountSid, "ApiVersion": "2010-04-01", "From": form["From"] ?? "", "MessageSid": sid,
                "MessageStatus": to.hasSuffix("0600") ? "undelivered" : "delivered",
                "SmsStatus": to.hasSuffix("0600") ? "undelivered" : "delivered", "To": to,
            ]
            var withError = fields
            if to.hasSuffix("0600") { withError.append("ErrorCode", "30003") }
            Task { [withError] in
                try? await Task.sleep(for: delay)
                await self.postCallback(to: callback, fields: withError)
            }
        }
        return created(sid)
    }

    /// POSTs a status callback, signed with the auth token over the URL and the fields.
    func postCallback(to url: String, fields: FormFields) async {
        guard let target = URL(string: url) else { return }
        var request = URLRequest(url: target)
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.setValue(
            TwilioSignature.compute(url: url, parameters: fields, authToken: authToken),
            forHTTPHeaderField: TwilioSignature.headerName)
        request.httpBody = Data(FormEncoding.encode(fields).utf8)
        do {
            let (body, response) = try await URLSession.shared.data(for: request)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            if (200..<300).contains(status) {
                logger.debug("status callback", metadata: ["url": "\(url)", "status": "\(status)"])
            } else {
                logger.notice(
                    "status callback refused",
                    metadata: [
                        "url": "\(url)", "status": "\(status)", "body": "\(String(decoding: body, as: UTF8.self))",
                    ])
            }
        } catch {
            logger.notice("status callback failed", metadata: ["url": "\(url)", "error": "\(error)"])
        }
    }
}

/// JSON answers and header reads of the stub (it shares nothing with the API's routes).
enum StubResponse {
    static func json(_ status: HTTPResponse.Status, object: Any) -> Response {
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func header(_ request: Request, _ name: String) -> String? {
        let wanted = name.lowercased()
        return request.headers.first { $0.name.canonicalName == wanted }?.value
    }
}
