import Foundation
import PatronCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The SMS ``ChannelConnector`` for a Twilio-shaped gateway: the number is checked as E.164
/// before anything is sent; the request is the form-encoded `Messages.json` POST with Basic
/// auth; the receipt carries the gateway's `sid`.
///
/// Failures in the channel's terms: Twilio's invalid-number errors (21211, 21614 …) and any
/// other 400 on the recipient are an invalid recipient; 429 and 5xx (and no answer) may pass
/// later; 401/403 are misconfiguration.
public struct TwilioSMSChannel: ChannelConnector {
    /// Marketing SMS: to the customer's E.164 number, no subject, at most 1,600 characters
    /// (Twilio's limit), only with an opt-in, and by default at most one a day.
    public static let descriptor = ChannelDescriptor(
        channel: .sms, summary: "SMS marketing", address: .phoneNumber, consent: .optIn, hasSubject: false,
        maxBodyLength: 1_600, defaultCaps: [ContactPolicy.Cap(channel: .sms, limit: 1, seconds: 86_400)])
    /// `https://api.twilio.com` or a stub's `http://127.0.0.1:PORT`.
    public let baseURL: String
    public let accountSid: String
    let authToken: String
    public let sender: TwilioMessageRequest.Sender
    public let statusCallback: String?
    let session: URLSession

    public init(
        baseURL: String, accountSid: String, authToken: String, sender: TwilioMessageRequest.Sender,
        statusCallback: String? = nil, timeout: TimeInterval = 10
    ) {
        self.baseURL = baseURL
        self.accountSid = accountSid
        self.authToken = authToken
        self.sender = sender
        self.statusCallback = statusCallback
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        session = URLSession(configuration: configuration)
    }

    public func send(_ message: OutboundMessage) async throws(ChannelError) -> DeliveryReceipt {
        let number: PhoneNumber
        do {
            number = try PhoneNumber(normalizing: message.recipient)
        } catch {
            throw ChannelError(.invalidRecipient, "\(message.recipient): \(error)")
        }
        let form: String
        let path: String
        do {
            form = try TwilioMessageRequest(
                to: number.description, from: sender, body: message.body, statusCallback: statusCallback
            ).formBody()
            path = try TwilioMessageRequest.path(accountSid: accountSid)
        } catch {
            throw ChannelError(.misconfigured, error.description)
        }
        guard let url = URL(string: baseURL + path) else { throw ChannelError(.misconfigured, "bad URL \(baseURL)") }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.setValue(
            TwilioMessageRequest.basicAuthorization(accountSid: accountSid, authToken: authToken),
            forHTTPHeaderField: "Authorization")
        request.setValue(message.idempotencyKey, forHTTPHeaderField: "I-Twilio-Idempotency-Token")
        request.httpBody = Data(form.utf8)
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            throw ChannelError(.unavailable, "the gateway did not answer: \(error.localizedDescription)")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 201 || status == 200 else { throw Self.channelError(status: status, body: data) }
        guard let sent = try? JSONDecoder().decode(TwilioMessage.self, from: data), !sent.sid.isEmpty else {
            throw ChannelError(.unavailable, "the gateway answered \(status) without a message sid")
        }
        return DeliveryReceipt(
            providerMessageID: sent.sid, status: .queued, acceptedAt: Int64(Date().timeIntervalSince1970))
    }

    static func channelError(status: Int, body: Data) -> ChannelError {
        let error = TwilioError(httpStatus: status, body: body)
        switch status {
        case 429, 500..<600: return ChannelError(.unavailable, error.description)
        case 401, 403: return ChannelError(.misconfigured, error.description)
        case 400: return ChannelError(.invalidRecipient, error.description)
        case 404 where [21211, 21614, 21612, 21610, 21408].contains(error.code ?? 0):
            return ChannelError(.invalidRecipient, error.description)
        default: return ChannelError(.rejected, error.description)
        }
    }
}

extension ConsentChannel {
    /// SMS, as ``TwilioSMSChannel`` registers it.
    public static let sms: ConsentChannel = "sms"
}
