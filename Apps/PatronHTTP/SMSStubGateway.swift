import Foundation
import Hummingbird
import Logging
import PatronSMS

/// A stand-in for a Twilio-shaped SMS gateway, served for real on a socket (`patron sms-stub`):
/// `POST /2010-04-01/Accounts/{Sid}/Messages.json` with Basic auth and a form body answers 201
/// with a `sid`, `status` and `num_segments`, and keeps what it received (`GET /_stub/messages`).
///
/// Recipients tell it to misbehave, so retry paths are tested over a real socket: a number
/// ending in `0429` gets 429 with `Retry-After`, `0500` a 500, `0400` Twilio's 21211 (invalid
/// number, also for anything not E.164), `0555` an answer two seconds late.
public final class SMSStubGateway: @unchecked Sendable {
    // @unchecked: `received` is only touched while `lock` is held.
    private let lock = NSLock()
    private var received: [[String: String]] = []
    public let accountSid: String
    public let authToken: String

    public init(accountSid: String, authToken: String) {
        self.accountSid = accountSid
        self.authToken = authToken
    }

    /// What it accepted, oldest first (each message's form fields and its sid).
    public var messages: [[String: String]] {
        lock.lock()
        defer { lock.unlock() }
        return received
    }

    private func record(_ message: [String: String]) {
        lock.lock()
        received.append(message)
        lock.unlock()
    }

    public func add(to router: Router<some RequestContext>) {
        router.post("/2010-04-01/Accounts/{sid}/Messages.json") { request, context in
            try await self.create(request, sid: context.parameters.get("sid") ?? "")
        }
        router.get("/_stub/messages") { _, _ in
            APIResponse.json(.ok, object: ["messages": self.messages])
        }
    }

    static func twilioError(_ status: HTTPResponse.Status, code: Int, _ message: String) -> Response {
        APIResponse.json(
            status,
            object: [
                "code": code, "message": message, "status": Int(status.code),
                "more_info": "https://www.twilio.com/docs/errors/\(code)",
            ])
    }

    func create(_ request: Request, sid: String) async throws -> Response {
        guard sid == accountSid,
            APIResponse.header(request, "Authorization")
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
        let messageSid = "SM" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let text = form["Body"] ?? ""
        record([
            "sid": messageSid, "To": to, "From": form["From"] ?? form["MessagingServiceSid"] ?? "", "Body": text,
            "StatusCallback": form["StatusCallback"] ?? "",
        ])
        return APIResponse.json(
            .created,
            object: [
                "sid": messageSid, "account_sid": accountSid, "to": to, "from": (form["From"] ?? "") as Any,
                "body": text, "status": "queued", "num_segments": String(SMSSegments(text).count),
                "direction": "outbound-api", "api_version": "2010-04-01",
            ])
    }
}
