import Foundation
import PatronSMS
import Testing

@Suite struct TwilioStatusCallbackTests {
    @Test func docsExampleSentCallback() throws {
        guard let fields = StatusCallbackFixture.fields else { return }
        let callback = try TwilioStatusCallback(fields: try FormEncoding.decode(fields.encoded))
        #expect(callback.messageSid == "SM1342fe1b2c904d1ab04f0fc7a58abca9")
        #expect(callback.status == .sent)
        #expect(callback.accountSid == "ACxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")
        #expect(callback.from == "+15017250604")
        #expect(callback.to == nil)
        #expect(callback.errorCode == nil)
        #expect(callback.fields["SmsStatus"] == "sent")
    }

    @Test(arguments: [
        "queued", "sending", "sent", "delivered", "undelivered", "failed", "receiving", "received", "accepted",
        "scheduled", "read", "canceled", "partially_delivered",
    ])
    func everyStatus(status: String) throws {
        let callback = try TwilioStatusCallback(fields: ["MessageSid": "SM1", "MessageStatus": status])
        #expect(callback.status.rawValue == status)
        #expect(callback.status != .other(status))
    }

    @Test func undeliveredWithErrorCodeAndDlrDate() throws {
        let body =
            "SmsSid=SM2&SmsStatus=undelivered&MessageStatus=undelivered&To=%2B15558675310&ErrorCode=30003"
            + "&MessageSid=SM2&AccountSid=AC1&From=%2B15017250604&ApiVersion=2010-04-01&RawDlrDoneDate=2408070957"
        let callback = try TwilioStatusCallback(fields: try FormEncoding.decode(body))
        #expect(callback.status == .undelivered)
        #expect(callback.status.isFailure)
        #expect(callback.errorCode == 30003)
        #expect(callback.to == "+15558675310")
        #expect(callback.rawDlrDoneDate == "2408070957")
        // The legacy names alone are enough.
        #expect(try TwilioStatusCallback(fields: ["SmsSid": "SM3", "SmsStatus": "delivered"]).status == .delivered)
    }

    @Test func missingOrBadFieldsAreNamed() {
        #expect {
            try TwilioStatusCallback(fields: ["MessageStatus": "sent"])
        } throws: { ($0 as? TwilioParameterError)?.field == "MessageSid" }
        #expect {
            try TwilioStatusCallback(fields: ["MessageSid": "SM1", "MessageStatus": ""])
        } throws: { ($0 as? TwilioParameterError)?.field == "MessageStatus" }
        #expect {
            try TwilioStatusCallback(fields: ["MessageSid": "SM1", "MessageStatus": "failed", "ErrorCode": "x1"])
        } throws: { "\($0)" == #"ErrorCode: "x1": not an integer"# }
    }
}

@Suite struct InboundSMSTests {
    static func inbound(_ body: String, optOutType: String? = nil) throws -> InboundSMS {
        var fields: FormFields = [
            "ToCountry": "US", "SmsMessageSid": "SM9", "NumMedia": "0", "SmsSid": "SM9", "SmsStatus": "received",
            "Body": body, "To": "+14155552345", "NumSegments": "1", "MessageSid": "SM9", "AccountSid": "AC1",
            "From": "+15558675310", "ApiVersion": "2010-04-01",
        ]
        if let optOutType { fields.append("OptOutType", optOutType) }
        return try InboundSMS(fields: try FormEncoding.decode(fields.encoded))
    }

    @Test func readsTheMessage() throws {
        let message = try Self.inbound("Is my order shipped? 📦")
        #expect(message.messageSid == "SM9")
        #expect(message.from == "+15558675310")
        #expect(message.to == "+14155552345")
        #expect(message.body == "Is my order shipped? 📦")
        #expect(message.numMedia == 0)
        #expect(!message.isOptOut && !message.isOptIn && !message.isHelp)
    }

    @Test(arguments: [
        "STOP", "stop", " Stop \n", "STOPALL", "unsubscribe", "Cancel", "END", "quit", "OPTOUT", "revoke",
    ])
    func optOutKeywords(body: String) throws {
        let message = try Self.inbound(body)
        #expect(message.isOptOut)
        #expect(!message.isOptIn)
    }

    @Test(arguments: ["START", "yes", " Unstop "])
    func optInKeywords(body: String) throws {
        let message = try Self.inbound(body)
        #expect(message.isOptIn)
        #expect(!message.isOptOut)
    }

    @Test(arguments: ["stop please", "STOP.", "don't stop", "S T O P", "stopp", "yes!", ""])
    func onlyTheWholeBodyIsAKeyword(body: String) throws {
        let message = try Self.inbound(body)
        #expect(!message.isOptOut && !message.isOptIn)
    }

    @Test func helpAndAdvancedOptOut() throws {
        #expect(try Self.inbound("help").isHelp)
        #expect(try Self.inbound("Info").isHelp)
        // A custom keyword configured in Advanced Opt-Out: Twilio says what it matched.
        #expect(try Self.inbound("ARRET", optOutType: "STOP").isOptOut)
        #expect(try Self.inbound("REJOINDRE", optOutType: "START").isOptIn)
    }

    @Test func requiredFieldsAreNamed() {
        #expect {
            try InboundSMS(fields: ["MessageSid": "SM1", "To": "+14155552345", "Body": "hi"])
        } throws: {
            ($0 as? TwilioParameterError)
                == TwilioParameterError(field: "From", reason: .missing, problem: "required, but absent or empty")
        }
        #expect {
            try InboundSMS(fields: ["MessageSid": "SM1", "From": "+14155552345", "Body": "hi"])
        } throws: { ($0 as? TwilioParameterError)?.field == "To" }
        #expect {
            try InboundSMS(fields: ["MessageSid": "SM1", "From": "+1", "To": "+2", "NumMedia": "many"])
        } throws: { ($0 as? TwilioParameterError)?.field == "NumMedia" }
    }
}
