import PatronCore
import PatronSMS
import Testing

/// Twilio's statuses and keywords in the kernel's terms: the connector's rule, not a route's.
@Suite struct TwilioMappingTests {
    func callback(_ status: String, error: String? = nil) throws -> TwilioStatusCallback {
        let base: FormFields = ["MessageSid": "SM1", "MessageStatus": status, "AccountSid": "AC1"]
        let failed: FormFields = [
            "MessageSid": "SM1", "MessageStatus": status, "AccountSid": "AC1", "ErrorCode": error ?? "",
        ]
        return try TwilioStatusCallback(fields: error == nil ? base : failed)
    }

    @Test func statusesBecomeDeliveryStatuses() throws {
        #expect(try callback("delivered").delivery?.status == .delivered)
        #expect(try callback("read").delivery?.status == .delivered)
        #expect(try callback("sent").delivery?.status == .sent)
        #expect(try callback("accepted").delivery?.status == .queued)
        let undelivered = try #require(try callback("undelivered", error: "30003").delivery)
        #expect(undelivered.status == .undelivered && undelivered.error == "error 30003")
        #expect(try callback("teleported").delivery == nil)
    }

    @Test func stopAndStartChangeSMSConsentOnce() throws {
        func inbound(_ body: String) throws -> InboundSMS {
            try InboundSMS(fields: ["MessageSid": "SM9", "From": "+14155550100", "To": "+15005550006", "Body": body])
        }
        let stop = try #require(try inbound(" stop ").consentEvent(at: 5))
        #expect(stop.id == "SM9:consent" && stop.source == "twilio" && stop.occurredAt == 5)
        guard case .consentChanged(let change) = stop.kind else {
            Issue.record("a consent change")
            return
        }
        #expect(change.status == .revoked && change.channel == .sms && change.customer.phone == "+14155550100")
        guard case .consentChanged(let start)? = try inbound("START").consentEvent(at: 6)?.kind else {
            Issue.record("START grants consent")
            return
        }
        #expect(start.status == .granted)
        #expect(try inbound("Where is my order?").consentEvent(at: 7) == nil)
    }
}
