/// A message someone sent to one of our numbers: the form Twilio POSTs to the number's (or the
/// Messaging Service's) incoming-message webhook.
///
/// `isOptOut` / `isOptIn` / `isHelp` recognise Twilio's standard keywords: the whole body, trimmed,
/// in any case. Twilio blocks further messages to a number that opted out whatever we do (error
/// 21610), so the CRM must record it and stop sending. With Advanced Opt-Out, Twilio also says
/// which kind of keyword matched (`OptOutType`), which covers custom keywords.
public struct InboundSMS: Hashable, Sendable {
    /// The inbound message's SID (`MessageSid`, or the legacy `SmsSid`).
    public var messageSid: String
    public var accountSid: String?
    public var messagingServiceSid: String?
    /// The sender, usually E.164.
    public var from: String
    /// Our number that received it.
    public var to: String
    /// The text; empty for a picture-only MMS.
    public var body: String
    /// How many media items an MMS carries (`NumMedia`).
    public var numMedia: Int
    /// `STOP`, `START` or `HELP` when Advanced Opt-Out matched a keyword (`OptOutType`).
    public var optOutType: String?
    /// Every field as sent.
    public var fields: FormFields

    /// Twilio's default opt-out keywords.
    public static let optOutKeywords: Set<String> = [
        "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE",
    ]
    /// Twilio's default opt-in keywords (undo an opt-out).
    public static let optInKeywords: Set<String> = ["START", "YES", "UNSTOP"]
    /// Twilio's default help keywords.
    public static let helpKeywords: Set<String> = ["HELP", "INFO"]

    /// Reads an incoming message from its decoded form fields; `From` and `To` are required.
    public init(fields: FormFields) throws(TwilioParameterError) {
        guard let sid = fields.nonEmpty("MessageSid") ?? fields.nonEmpty("SmsSid") else {
            throw .missing("MessageSid")
        }
        guard let from = fields.nonEmpty("From") else { throw .missing("From") }
        guard let to = fields.nonEmpty("To") else { throw .missing("To") }
        self.messageSid = sid
        self.accountSid = fields.nonEmpty("AccountSid")
        self.messagingServiceSid = fields.nonEmpty("MessagingServiceSid")
        self.from = from
        self.to = to
        self.body = fields["Body"] ?? ""
        self.numMedia = try fields.integer("NumMedia") ?? 0
        self.optOutType = fields.nonEmpty("OptOutType")?.uppercased()
        self.fields = fields
    }

    /// The body as a keyword: trimmed and upper-cased.
    public var keyword: String { String(body.trimmingWhitespace()).uppercased() }

    /// The sender asked to stop receiving messages.
    public var isOptOut: Bool { optOutType == "STOP" || Self.optOutKeywords.contains(keyword) }

    /// The sender asked to receive messages again.
    public var isOptIn: Bool { optOutType == "START" || Self.optInKeywords.contains(keyword) }

    /// The sender asked for help (we must answer with contact details).
    public var isHelp: Bool { optOutType == "HELP" || Self.helpKeywords.contains(keyword) }
}
