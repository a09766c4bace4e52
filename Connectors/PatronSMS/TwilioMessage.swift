import Foundation

/// Twilio's Message resource: the JSON of a 201 from `POST …/Messages.json`, a 200 from a fetch or
/// update, and each entry of a list page.
///
/// Decoded with a plain `JSONDecoder()`: keys are Twilio's snake_case, `num_segments` and
/// `num_media` arrive as strings, dates as RFC 2822 (`Thu, 24 Aug 2023 05:01:45 +0000`). Fields Twilio
/// leaves null (`from` with a Messaging Service, `date_sent` while queued, `price` until billed) are nil.
public struct TwilioMessage: Decodable, Hashable, Sendable {
    /// The message SID (`SM…` for SMS, `MM…` for MMS).
    public var sid: String
    /// The account that sent it (`AC…`).
    public var accountSid: String?
    public var status: TwilioMessageStatus
    /// The recipient: E.164, or a channel address such as `whatsapp:+1…`.
    public var to: String?
    /// The sender; nil until a Messaging Service has picked one.
    public var from: String?
    public var messagingServiceSid: String?
    public var body: String?
    /// `inbound`, `outbound-api`, `outbound-call` or `outbound-reply`.
    public var direction: String?
    /// Segments billed; 0 while a scheduled message is not yet sent.
    public var numSegments: Int?
    public var numMedia: Int?
    /// What Twilio charged, negative as Twilio reports it (`-0.00750`); nil until known.
    public var price: Decimal?
    /// ISO 4217 currency of `price`.
    public var priceUnit: String?
    /// Twilio's error code when the message failed or was undelivered (e.g. 30007).
    public var errorCode: Int?
    public var errorMessage: String?
    public var dateCreated: Date?
    public var dateSent: Date?
    public var dateUpdated: Date?
    public var apiVersion: String?
    /// The resource's path, relative to `https://api.twilio.com`.
    public var uri: String?
    /// Paths of related resources (`media`, `feedback`).
    public var subresourceUris: [String: String]?

    enum CodingKeys: String, CodingKey {
        case sid, status, to, from, body, direction, price, uri
        case accountSid = "account_sid", messagingServiceSid = "messaging_service_sid"
        case numSegments = "num_segments", numMedia = "num_media", priceUnit = "price_unit"
        case errorCode = "error_code", errorMessage = "error_message"
        case dateCreated = "date_created", dateSent = "date_sent", dateUpdated = "date_updated"
        case apiVersion = "api_version", subresourceUris = "subresource_uris"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        sid = try container.decode(String.self, forKey: .sid)
        accountSid = try container.decodeIfPresent(String.self, forKey: .accountSid)
        status = try container.decode(TwilioMessageStatus.self, forKey: .status)
        to = try container.decodeIfPresent(String.self, forKey: .to)
        from = try container.decodeIfPresent(String.self, forKey: .from)
        messagingServiceSid = try container.decodeIfPresent(String.self, forKey: .messagingServiceSid)
        body = try container.decodeIfPresent(String.self, forKey: .body)
        direction = try container.decodeIfPresent(String.self, forKey: .direction)
        numSegments = try container.decodeLenientInt(forKey: .numSegments)
        numMedia = try container.decodeLenientInt(forKey: .numMedia)
        price = try container.decodeDecimalString(forKey: .price)
        priceUnit = try container.decodeIfPresent(String.self, forKey: .priceUnit)
        errorCode = try container.decodeLenientInt(forKey: .errorCode)
        errorMessage = try container.decodeIfPresent(String.self, forKey: .errorMessage)
        dateCreated = try container.decodeRFC2822(forKey: .dateCreated)
        dateSent = try container.decodeRFC2822(forKey: .dateSent)
        dateUpdated = try container.decodeRFC2822(forKey: .dateUpdated)
        apiVersion = try container.decodeIfPresent(String.self, forKey: .apiVersion)
        uri = try container.decodeIfPresent(String.self, forKey: .uri)
        subresourceUris = try container.decodeIfPresent([String: String].self, forKey: .subresourceUris)
    }
}
