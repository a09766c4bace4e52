import Foundation

/// The pieces of a send: `POST https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Messages.json`
/// with a form body and HTTP Basic auth. No I/O here; the transport sends what this builds.
///
/// `formFields()` checks what Twilio would refuse, naming the field: `To` and `From` must be
/// E.164, a Messaging Service SID must be `MG` + 32 hex digits, `Body` must be non-empty and at
/// most 1,600 characters, `StatusCallback` must be an absolute http(s) URL whose host has no `_`.
public struct TwilioMessageRequest: Hashable, Sendable {
    /// Who the message is sent from.
    public enum Sender: Hashable, Sendable {
        /// One of our Twilio numbers, E.164 (`From`).
        case phoneNumber(String)
        /// A Messaging Service (`MessagingServiceSid`), which picks the sender from its pool.
        case messagingService(sid: String)
    }

    /// The recipient, E.164.
    public var to: String
    public var sender: Sender
    public var body: String
    /// Where Twilio POSTs status changes (`StatusCallback`); nil for none (or the service's default).
    public var statusCallback: String?

    /// Twilio's limit on `Body`.
    public static let maximumBodyLength = 1_600
    /// The request's `Content-Type`.
    public static let contentType = "application/x-www-form-urlencoded"

    public init(to: String, from sender: Sender, body: String, statusCallback: String? = nil) {
        self.to = to
        self.sender = sender
        self.body = body
        self.statusCallback = statusCallback
    }

    /// The form fields, in the order `To`, `From`/`MessagingServiceSid`, `Body`, `StatusCallback`,
    /// after checking each.
    public func formFields() throws(TwilioParameterError) -> FormFields {
        var fields = FormFields()
        fields.append("To", try Self.e164(to, field: "To"))
        switch sender {
        case .phoneNumber(let number):
            fields.append("From", try Self.e164(number, field: "From"))
        case .messagingService(let sid):
            try Self.checkSid(sid, prefix: "MG", field: "MessagingServiceSid")
            fields.append("MessagingServiceSid", sid)
        }
        guard !body.isEmpty else { throw .missing("Body") }
        guard body.utf16.count <= Self.maximumBodyLength else {
            throw TwilioParameterError(
                field: "Body", reason: .invalid,
                problem: "\(body.utf16.count) UTF-16 code units; Twilio allows at most \(Self.maximumBodyLength)")
        }
        fields.append("Body", body)
        if let statusCallback {
            try Self.checkCallback(statusCallback)
            fields.append("StatusCallback", statusCallback)
        }
        return fields
    }

    /// The form body to POST.
    public func formBody() throws(TwilioParameterError) -> String {
        try formFields().encoded
    }

    /// The path to POST to, after checking the account SID (`AC` + 32 hex digits).
    public static func path(accountSid: String) throws(TwilioParameterError) -> String {
        try checkSid(accountSid, prefix: "AC", field: "AccountSid")
        return "/2010-04-01/Accounts/\(accountSid)/Messages.json"
    }

    /// The `Authorization` header value: `Basic base64(accountSid:authToken)`. An API key SID and
    /// secret work the same way in place of the account SID and auth token.
    public static func basicAuthorization(accountSid: String, authToken: String) -> String {
        "Basic " + Data("\(accountSid):\(authToken)".utf8).base64EncodedString()
    }

    private static func e164(_ value: String, field: String) throws(TwilioParameterError) -> String {
        guard !value.isEmpty else { throw .missing(field) }
        do {
            return try PhoneNumber(e164: value).e164
        } catch {
            throw TwilioParameterError(
                field: field, reason: .invalid, value: value, problem: "not an E.164 number: \(error.reason)")
        }
    }

    private static func checkSid(_ sid: String, prefix: String, field: String) throws(TwilioParameterError) {
        guard !sid.isEmpty else { throw .missing(field) }
        guard sid.utf8.count == 34, sid.hasPrefix(prefix), sid.dropFirst(2).allSatisfy({ $0.isASCII && $0.isHexDigit })
        else {
            throw TwilioParameterError(
                field: field, reason: .invalid, value: sid, problem: "expected \(prefix) followed by 32 hex digits")
        }
    }

    private static func checkCallback(_ url: String) throws(TwilioParameterError) {
        let parsed = URLComponents(string: url)
        guard let parsed, let scheme = parsed.scheme?.lowercased(), scheme == "https" || scheme == "http",
            let host = parsed.host, !host.isEmpty
        else {
            throw TwilioParameterError(
                field: "StatusCallback", reason: .invalid, value: url, problem: "not an absolute http(s) URL")
        }
        guard !host.contains("_") else {
            throw TwilioParameterError(
                field: "StatusCallback", reason: .invalid, value: url, problem: "Twilio refuses a host with '_'")
        }
    }
}
