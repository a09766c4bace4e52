import Foundation
import PatronSMS
import Testing

@Suite struct TwilioMessageRequestTests {
    static let service = "MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

    @Test func buildsTheFormBody() throws {
        let request = TwilioMessageRequest(
            to: "+14155552345", from: .phoneNumber("+15017250604"), body: "Hello! 👍",
            statusCallback: "https://example.com/sms/status")
        #expect(
            try request.formBody()
                == "To=%2B14155552345&From=%2B15017250604&Body=Hello%21+%F0%9F%91%8D"
                + "&StatusCallback=https%3A%2F%2Fexample.com%2Fsms%2Fstatus")
        let viaService = TwilioMessageRequest(
            to: "+15558675310", from: .messagingService(sid: Self.service), body: "Hi")
        #expect(
            try viaService.formFields() == ["To": "+15558675310", "MessagingServiceSid": Self.service, "Body": "Hi"])
    }

    @Test func pathAndAuthorization() throws {
        #expect(
            try TwilioMessageRequest.path(accountSid: "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
                == "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages.json")
        #expect(
            TwilioMessageRequest.basicAuthorization(
                accountSid: "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", authToken: "your_auth_token")
                == "Basic QUNhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYTp5b3VyX2F1dGhfdG9rZW4=")
        for sid in [
            "", "AC123", "MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "ACzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", "AC/../x",
            "AC" + String(repeating: "a", count: 29) + "Ａ",
        ] {
            #expect {
                try TwilioMessageRequest.path(accountSid: sid)
            } throws: { ($0 as? TwilioParameterError)?.field == "AccountSid" }
        }
    }

    @Test(
        arguments: [
            ("4155552345", "+15017250604", "Hi", nil, "To", TwilioParameterError.Reason.invalid),
            ("", "+15017250604", "Hi", nil, "To", .missing),
            ("+1 415 555 2345", "+15017250604", "Hi", nil, "To", .invalid),
            ("+14155552345", "+0017250604", "Hi", nil, "From", .invalid),
            ("+14155552345", "Patron", "Hi", nil, "From", .invalid),
            ("+14155552345", "MG123", "Hi", nil, "MessagingServiceSid", .invalid),
            ("+14155552345", "+15017250604", "", nil, "Body", .missing),
            ("+14155552345", "+15017250604", String(repeating: "a", count: 1_601), nil, "Body", .invalid),
            ("+14155552345", "+15017250604", "Hi", "ftp://example.com", "StatusCallback", .invalid),
            ("+14155552345", "+15017250604", "Hi", "/relative", "StatusCallback", .invalid),
            ("+14155552345", "+15017250604", "Hi", "https://my_host.example.com/cb", "StatusCallback", .invalid),
        ] as [(String, String, String, String?, String, TwilioParameterError.Reason)])
    func refusesWhatTwilioWould(
        to: String, from: String, body: String, callback: String?, field: String, reason: TwilioParameterError.Reason
    ) {
        let sender: TwilioMessageRequest.Sender =
            from.hasPrefix("MG") ? .messagingService(sid: from) : .phoneNumber(from)
        let request = TwilioMessageRequest(to: to, from: sender, body: body, statusCallback: callback)
        #expect {
            try request.formBody()
        } throws: { error in
            guard let error = error as? TwilioParameterError else { return false }
            return error.field == field && error.reason == reason
        }
    }

    @Test func errorsNameTheFieldAndSayWhatWouldDo() throws {
        func message(_ to: String) -> String {
            let request = TwilioMessageRequest(to: to, from: .phoneNumber("+15017250604"), body: "Hi")
            do {
                _ = try request.formFields()
                return "accepted"
            } catch {
                return error.description
            }
        }
        #expect(message("+1 415 555 2345") == #"To: "+1 415 555 2345": not an E.164 number: write it as +14155552345"#)
        #expect(
            message("020 7946 0958").hasPrefix(#"To: "020 7946 0958": not an E.164 number: it is in national format"#))
        let long = TwilioMessageRequest(
            to: "+14155552345", from: .phoneNumber("+15017250604"), body: String(repeating: "😀", count: 800))
        #expect(try long.formFields().count == 3)  // 1,600 UTF-16 code units: at the limit
    }
}
