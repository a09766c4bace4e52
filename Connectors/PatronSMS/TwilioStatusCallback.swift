/// A status callback: the form Twilio POSTs to a message's `StatusCallback` URL on each status change.
///
/// Carries `MessageSid`, `MessageStatus`, usually `AccountSid`, `From`, `To`, and `ErrorCode` when a
/// message failed; delivered/undelivered SMS often add `RawDlrDoneDate`. Twilio adds fields without
/// notice, so every field is also kept in `fields`. Callbacks can arrive out of order: compare
/// statuses, do not assume the latest is the last. Verify `TwilioSignature` before parsing.
public struct TwilioStatusCallback: Hashable, Sendable {
    /// The message this is about (`MessageSid`, or the legacy `SmsSid`).
    public var messageSid: String
    /// The new status (`MessageStatus`, or the legacy `SmsStatus`).
    public var status: TwilioMessageStatus
    public var accountSid: String?
    public var messagingServiceSid: String?
    public var from: String?
    public var to: String?
    /// Twilio's error code for a failed or undelivered message (e.g. 30003, unreachable handset).
    public var errorCode: Int?
    /// The carrier's delivery-receipt time, `YYMMDDhhmm` with no time zone, as sent.
    public var rawDlrDoneDate: String?
    /// Every field as sent.
    public var fields: FormFields

    /// Reads a callback from its decoded form fields.
    public init(fields: FormFields) throws(TwilioParameterError) {
        guard let sid = fields.nonEmpty("MessageSid") ?? fields.nonEmpty("SmsSid") else {
            throw .missing("MessageSid")
        }
        guard let status = fields.nonEmpty("MessageStatus") ?? fields.nonEmpty("SmsStatus") else {
            throw .missing("MessageStatus")
        }
        self.messageSid = sid
        self.status = TwilioMessageStatus(status)
        self.accountSid = fields.nonEmpty("AccountSid")
        self.messagingServiceSid = fields.nonEmpty("MessagingServiceSid")
        self.from = fields.nonEmpty("From")
        self.to = fields.nonEmpty("To")
        self.errorCode = try fields.integer("ErrorCode")
        self.rawDlrDoneDate = fields.nonEmpty("RawDlrDoneDate")
        self.fields = fields
    }
}

extension FormFields {
    /// The first value for `name`, nil when absent or empty.
    func nonEmpty(_ name: String) -> String? {
        guard let value = self[name], !value.isEmpty else { return nil }
        return value
    }

    /// An optional integer field; present but not an integer is an error naming the field.
    func integer(_ name: String) throws(TwilioParameterError) -> Int? {
        guard let text = nonEmpty(name) else { return nil }
        guard let value = Int(text) else {
            throw TwilioParameterError(field: name, reason: .invalid, value: text, problem: "not an integer")
        }
        return value
    }
}
