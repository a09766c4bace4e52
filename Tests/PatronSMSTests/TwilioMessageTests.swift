import Foundation
import PatronSMS
import Testing

@Suite struct TwilioMessageTests {
    /// Every Message resource (and list page) in the Twilio fixtures decodes, agreeing with the raw JSON.
    @Test(arguments: Fixtures.twilioFiles("oai_example_", "twilio-python_holodeck_"))
    func decodesEveryTwilioExample(file: String) throws {
        guard let data = Fixtures.data("twilio/\(file)"), let raw = Fixtures.object("twilio/\(file)") else { return }
        let pairs: [(TwilioMessage, [String: Any])]
        if file.contains("_ListMessage_") {
            let page = try JSONDecoder().decode(TwilioMessagePage.self, from: data)
            let entries = try #require(raw["messages"] as? [[String: Any]])
            #expect(page.page == raw["page"] as? Int)
            #expect(page.pageSize == raw["page_size"] as? Int)
            #expect(page.nextPageUri == raw["next_page_uri"] as? String)
            #expect(page.messages.count == entries.count)
            pairs = Array(zip(page.messages, entries))
        } else {
            pairs = [(try JSONDecoder().decode(TwilioMessage.self, from: data), raw)]
        }
        for (message, json) in pairs {
            #expect(message.sid == json["sid"] as? String)
            #expect(message.status.rawValue == json["status"] as? String)
            #expect(message.status != .other(message.status.rawValue))
            #expect(message.to == json["to"] as? String)
            #expect(message.from == json["from"] as? String)
            #expect(message.body == json["body"] as? String)
            #expect(message.numSegments == (json["num_segments"] as? String).flatMap { Int($0) })
            #expect(message.numMedia == (json["num_media"] as? String).flatMap { Int($0) })
            #expect(message.errorCode == json["error_code"] as? Int)
            #expect(message.price == (json["price"] as? String).flatMap { Decimal(string: $0) })
            #expect((message.dateCreated != nil) == (json["date_created"] is String))
            #expect((message.dateSent != nil) == (json["date_sent"] is String))
            #expect(message.subresourceUris?["media"] != nil)
        }
    }

    @Test func fetchedFailureCarriesCodePriceAndDates() throws {
        guard let data = Fixtures.data("twilio/oai_example_FetchMessage_200_fetch.json") else { return }
        let message = try JSONDecoder().decode(TwilioMessage.self, from: data)
        #expect(message.sid == "SMb7c0a2ce80504485a6f653a7110836f5")
        #expect(message.status == .sent)
        #expect(message.errorCode == 30007)
        #expect(message.errorMessage == "Carrier violation")
        #expect(message.price == Decimal(string: "-0.0075"))
        #expect(message.priceUnit == "USD")
        #expect(message.numSegments == 1)
        #expect(message.direction == "outbound-api")
        #expect(message.dateCreated == Date(timeIntervalSince1970: 1_558_718_307))
        #expect(message.dateSent == Date(timeIntervalSince1970: 1_558_718_308))
    }

    @Test func createdMessageDatesAndNulls() throws {
        guard let data = Fixtures.data("twilio/oai_example_CreateMessage_201_createScheduledMessageSms.json") else {
            return
        }
        let message = try JSONDecoder().decode(TwilioMessage.self, from: data)
        #expect(message.dateCreated == Date(timeIntervalSince1970: 1_638_225_610))
        #expect(message.dateSent == nil)
        #expect(message.from == nil)
        #expect(message.numSegments == 0)
        #expect(message.price == nil)
        #expect(message.messagingServiceSid == "MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
    }

    @Test func unknownStatusAndBadFieldsSayWhere() throws {
        let base = #"{"sid":"SM1","status":"%@","date_created":"%@","num_segments":"%@"}"#
        func json(_ status: String, _ date: String, _ segments: String) -> Data {
            Data(
                base.replacingOccurrences(of: "\"%@\",\"date", with: "\"\(status)\",\"date")
                    .replacingOccurrences(of: "\"%@\",\"num", with: "\"\(date)\",\"num")
                    .replacingOccurrences(of: "\"%@\"}", with: "\"\(segments)\"}").utf8)
        }
        let future = try JSONDecoder().decode(
            TwilioMessage.self, from: json("teleported", "Thu, 24 Aug 2023 05:01:45 +0000", "2"))
        #expect(future.status == .other("teleported"))
        #expect(!future.status.isFinal)
        #expect(future.numSegments == 2)
        #expect(TwilioMessageStatus("partially_delivered") == .partiallyDelivered)
        #expect(TwilioMessageStatus("undelivered").isFailure)
        #expect(TwilioMessageStatus("delivered").isFinal)
        #expect {
            try JSONDecoder().decode(TwilioMessage.self, from: json("sent", "2023-08-24T05:01:45Z", "1"))
        } throws: { "\($0)".contains("date_created") && "\($0)".contains("RFC 2822") }
        #expect {
            try JSONDecoder().decode(TwilioMessage.self, from: json("sent", "Thu, 24 Aug 2023 05:01:45 +0000", "one"))
        } throws: { "\($0)".contains("num_segments") }
    }

    @Test func rfc2822Variants() throws {
        for (text, seconds) in [
            ("Thu, 24 Aug 2023 05:01:45 +0000", 1_692_853_305), ("24 Aug 2023 05:01:45 GMT", 1_692_853_305),
            ("Thu, 24 Aug 2023 07:01:45 +0200", 1_692_853_305), ("Wed, 19 Jun 2019 22:04:00 -0000", 1_560_981_840),
            ("Thu, 24 Aug 2023 00:01 -0500", 1_692_853_260),
        ] {
            let json = Data(#"{"sid":"SM1","status":"sent","date_updated":"\#(text)"}"#.utf8)
            #expect(
                try JSONDecoder().decode(TwilioMessage.self, from: json).dateUpdated
                    == Date(timeIntervalSince1970: TimeInterval(seconds)), "\(text)")
        }
    }

    @Test func twilioErrorBodies() throws {
        let body = Data(
            #"{"code": 21211, "message": "The 'To' number 5551234 is not a valid phone number.", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}"#
                .utf8)
        let error = try JSONDecoder().decode(TwilioError.self, from: body)
        #expect(error.code == 21211)
        #expect(error.status == 400)
        #expect(error.moreInfo == "https://www.twilio.com/docs/errors/21211")
        #expect(
            error.description
                == "Twilio error 21211 (HTTP 400): The 'To' number 5551234 is not a valid phone number. — https://www.twilio.com/docs/errors/21211"
        )
        #expect(TwilioError(httpStatus: 400, body: body) == error)
        let proxy = TwilioError(httpStatus: 502, body: Data("<html>Bad Gateway</html>\n".utf8))
        #expect(proxy == TwilioError(code: nil, message: "<html>Bad Gateway</html>", status: 502))
        #expect(TwilioError(httpStatus: 503, body: Data()).message == "empty body")
    }
}
