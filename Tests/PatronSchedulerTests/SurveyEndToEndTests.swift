import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PatronAuth
import PatronCore
import PatronHTTP
import PatronSMS
import PatronSQLite
import PatronScheduler
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The shipped survey flows end to end on one shop, with the scheduler's ticks, the stub SMS
/// gateway and the API on one live loopback port: the review request and the NPS mail carry
/// signed links that are answered over real HTTP (one click, then the follow-up words), the NPS
/// SMS is answered by a bare-score reply through the Twilio inbound webhook; changed, expired and
/// out-of-range answers get their pages and store nothing; the report counts what was answered.
@Suite(.serialized) struct SurveyEndToEndTests {
    init() { TestChannels.register() }

    let t0 = CampaignFixture.t0
    let day: Int64 = 86_400
    static let secret = "a survey secret for the tests, 32+"

    /// A clock the test moves and the API reads.
    // @unchecked: `value` is only read or written while `lock` is held.
    final class Clock: @unchecked Sendable {
        private let lock = NSLock()
        private var value: Int64
        init(_ value: Int64) { self.value = value }
        var now: Int64 {
            get { lock.withLock { value } }
            set { lock.withLock { value = newValue } }
        }
    }

    @Test func surveysAreSentAnsweredByLinkAndByReplyAndReported() async throws {
        let shop = try CampaignFixture()
        try shop.customer("ann", phone: "+14155550301")
        try shop.customer("sam", phone: "+14155550302", firstName: "Sam")
        // Sam takes texts, not mail: the NPS question comes by SMS.
        try shop.ingest(
            [
                .consentChanged(
                    ConsentChange(
                        customer: CustomerIdentity(refs: [ExternalRef(source: "shop", id: "sam")]), channel: .email,
                        status: .revoked))
            ], at: t0 - day)
        try shop.order("ann-1", customer: "ann", sku: "MUG", at: t0)
        try shop.order("sam-1", customer: "sam", sku: "TEA", at: t0)
        // Ann asks where her parcel is; the ticket is closed a day later.
        for (status, day) in [(TicketStatus.open, 2), (.closed, 3)] as [(TicketStatus, Int64)] {
            try shop.ingest(
                [
                    .ticketUpdated(
                        TicketData(
                            ref: "T-ann", customer: CustomerIdentity(refs: [ExternalRef(source: "shop", id: "ann")]),
                            subject: "Where is my parcel?", status: status))
                ], at: t0 + day * self.day)
        }
        for name in ["nps-after-first-order", "post-purchase-review", "nps-detractor", "csat-ticket-closed"] {
            let url = CampaignFixture.root.appendingPathComponent("flows/\(name).yaml")
            try shop.activate(try String(contentsOf: url, encoding: .utf8), at: t0 - 3600)
        }
        let clock = Clock(t0)
        let checker = try SurveyLinkSigner(secret: Self.secret, baseURL: "http://placeholder.invalid")
        try await CampaignFixture.live(store: shop.store, surveyLinks: checker, now: { clock.now }) {
            gateway, port in
            var runtime = CampaignRuntime(
                store: shop.store,
                channels: [.sms: CampaignFixture.smsChannel(port: port), .email: SimulatedChannel()],
                shopName: "Mugs & Co")
            runtime.surveyLinks = try SurveyLinkSigner(secret: Self.secret, baseURL: "http://127.0.0.1:\(port)")
            var now = t0
            while now <= t0 + 31 * day {
                _ = try await runtime.tick(now: now)
                let at = now
                _ = try await runtime.drain(now: { at })
                now += 6 * 3600
            }
            let ann = try shop.id("ann")
            let sam = try shop.id("sam")
            let outbox = try shop.outbox()
            let review = try #require(outbox.first { $0.flowID == "post-purchase-review" && $0.customerID == ann })
            let npsMail = try #require(outbox.first { $0.flowID == "nps-after-first-order" && $0.customerID == ann })
            let npsSMS = try #require(outbox.first { $0.flowID == "nps-after-first-order" && $0.customerID == sam })
            #expect(npsMail.channel == "email" && npsSMS.channel == "sms")
            #expect(npsSMS.status == "sent" || npsSMS.status == "delivered")
            #expect(npsSMS.body.contains("Reply with a number"))
            // Sam takes no mail: no review request for Sam.
            #expect(!outbox.contains { $0.flowID == "post-purchase-review" && $0.customerID == sam })

            func links(_ body: String) -> [String] {
                body.split(whereSeparator: { $0.isWhitespace }).map(String.init)
                    .filter { $0.hasPrefix("http://127.0.0.1:\(port)/s/") }
                    .map { String($0.dropFirst("http://127.0.0.1:\(port)".count)) }
            }
            let scores = links(npsMail.body)
            #expect(scores.count == 11 && scores[3].hasSuffix("?score=3"), "\(npsMail.body)")
            func page(_ uri: String, post form: String? = nil) async throws -> (HTTPResponse.Status, String) {
                try await gatewayClient(port).execute(
                    uri: uri, method: form == nil ? .get : .post,
                    headers: form == nil ? [:] : [.contentType: "application/x-www-form-urlencoded"],
                    body: form.map { ByteBuffer(string: $0) }
                ) { status, body in (status, String(buffer: body)) }
            }
            func answers() throws -> [FeedbackResponse] {
                try shop.store.read { t in try t.feedbackResponses(of: ann) + t.feedbackResponses(of: sam) }
            }
            // One click in the mail records 3; the page then asks the follow-up question.
            // The CSAT mail an hour after the ticket closed (the next tick): answered by link, within its 14 days.
            clock.now = t0 + 4 * day
            let csatMail = try #require(outbox.first { $0.flowID == "csat-ticket-closed" })
            #expect(csatMail.customerID == ann && csatMail.plannedAt == t0 + 3 * day + 6 * 3600)
            #expect(outbox.filter { $0.flowID == "csat-ticket-closed" }.count == 1)
            let csatLinks = links(csatMail.body)
            #expect(csatLinks.count == 5 && csatLinks[3].hasSuffix("?score=4"))
            let (csatStatus, csatPage) = try await page(csatLinks[3])
            #expect(csatStatus == .ok && csatPage.contains("What could we have done better?"))
            #expect(try answers().map(\.kind) == [.csat])
            clock.now = t0 + 31 * day

            let (clicked, clickedPage) = try await page(scores[3])
            #expect(clicked == .ok)
            #expect(clickedPage.contains("Your answer (3) is recorded"), "\(clickedPage)")
            #expect(clickedPage.contains("What is the main reason for your score?"))
            #expect(clickedPage.contains(#"value="3" checked"#))
            let formURI = String(scores[3].prefix { $0 != "?" })
            let (posted, _) = try await page(formURI, post: "score=2&text=Slow+delivery+%3Cagain%3E")
            #expect(posted == .ok)
            var stored = try answers().filter { $0.kind == .nps }
            #expect(stored.count == 1)
            let npsMailID = try #require(try await shop.store.outboxMessages(keys: [npsMail.key]).first?.id)
            #expect(stored.first?.key == "message:\(npsMailID)" && stored.first?.score == 2)
            #expect(stored.first?.messageID == npsMailID && stored.first?.flowID == "nps-after-first-order")
            #expect(stored.first?.text == "Slow delivery <again>" && stored.first?.channel == "link")
            // The words come back escaped in the page.
            let (_, shown) = try await page(formURI)
            #expect(shown.contains("Slow delivery &lt;again&gt;") && !shown.contains("<again>"))

            // Out of range, not a number, missing: 400 naming the field, nothing changed.
            for (uri, form) in [
                (formURI + "?score=11", nil), (formURI, "score=ten"), (formURI, "text=only+words"),
            ] as [(String, String?)] {
                let (status, body) = try await page(uri, post: form)
                #expect(status == .badRequest, "\(uri) \(form ?? "")")
                #expect(body.contains("score:"), "\(body)")
            }
            // A changed link: 403, says so, nothing stored.
            let token = String(formURI.dropFirst("/s/".count))
            var tampered = Array(token)
            tampered[5] = tampered[5] == "A" ? "B" : "A"
            let (forged, forgedPage) = try await page("/s/" + String(tampered) + "?score=10")
            #expect(forged == .forbidden && forgedPage.contains("changed after it was sent"), "\(forgedPage)")
            let (cut, cutPage) = try await page("/s/" + String(token.prefix(20)) + "?score=10")
            #expect(cut == .forbidden && cutPage.contains("not a complete survey link"))
            stored = try answers().filter { $0.kind == .nps }
            #expect(stored.map(\.score) == [2])

            // Ann's 2 is a detractor's answer: an hour later it opens a ticket with her words.
            var later = t0 + 31 * day
            while later <= t0 + 32 * day {
                _ = try await runtime.tick(now: later)
                later += 3600
            }
            let tickets = try shop.store.read { try $0.tickets(of: ann) }
            let followUp = try #require(tickets.first { $0.ref.source == FlowTickets.source })
            #expect(followUp.subject == "NPS 2 from Ann" && followUp.status == .open && followUp.priority == .high)
            let note = try shop.store.read { try $0.messages(of: ann) }.first { $0.ticketID == followUp.id }
            #expect(note?.body.contains("In their words: \"Slow delivery <again>\"") == true, "\(note?.body ?? "")")
            #expect(tickets.count == 2)

            // The review link: one per SKU, verified by the order.
            let reviewLinks = links(review.body)
            #expect(reviewLinks.count == 1, "\(review.body)")
            let (form, formPage) = try await page(reviewLinks[0])
            #expect(form == .ok && formPage.contains("Review MUG") && formPage.contains("Tell other customers"))
            // A page with nothing just saved has no status line (nothing like "nil").
            #expect(!formPage.contains(#"role="status""#) && !formPage.contains("nil"), "\(formPage)")
            #expect(try await page(reviewLinks[0], post: "score=5&text=Lovely+mug").0 == .ok)
            let reviewed = try #require(try answers().first { $0.kind == .review })
            #expect(reviewed.key == FeedbackResponse.reviewKey(customer: ann, sku: "MUG"))
            #expect(reviewed.orderRef == "shop:ann-1" && reviewed.score == 5)

            // Sam answers the SMS with a bare score; anything else is not guessed at; STOP wins.
            func reply(_ body: String, sid: String) async throws -> HTTPResponse.Status {
                let fields: FormFields = [
                    "MessageSid": sid, "AccountSid": CampaignFixture.sid, "From": "+14155550302",
                    "To": "+15005550006", "Body": body,
                ]
                let signature = TwilioSignature.compute(
                    url: "http://127.0.0.1:\(port)/webhooks/twilio/inbound", parameters: fields,
                    authToken: CampaignFixture.token)
                return try await gatewayClient(port).execute(
                    uri: "/webhooks/twilio/inbound", method: .post,
                    headers: [
                        HTTPField.Name("X-Twilio-Signature")!: signature,
                        .contentType: "application/x-www-form-urlencoded",
                    ], body: ByteBuffer(string: fields.encoded)
                ) { status, _ in status }
            }
            #expect(try await reply("9 but the tea was cold", sid: "SMa") == .ok)
            #expect(try answers().filter { $0.customerID == sam }.isEmpty)
            #expect(try await reply(" 9! ", sid: "SMb") == .ok)
            let bySMS = try #require(try answers().first { $0.customerID == sam })
            let npsSMSID = try #require(try await shop.store.outboxMessages(keys: [npsSMS.key]).first?.id)
            #expect(bySMS.key == "message:\(npsSMSID)" && bySMS.score == 9 && bySMS.channel == "sms")
            #expect(try await reply("STOP", sid: "SMc") == .ok)
            #expect(try answers().filter { $0.customerID == sam }.map(\.score) == [9])
            let consent = try shop.store.read { try $0.customer(sam) }?.consent["sms"].status
            #expect(consent == .revoked)

            // Expired: the link closes after its 30 days.
            clock.now = t0 + 70 * day
            let (expired, expiredPage) = try await page(scores[10])
            #expect(expired == .forbidden && expiredPage.contains("closed on"), "\(expiredPage)")
            #expect(try answers().filter { $0.kind == .nps }.map(\.score).sorted() == [2, 9])
            // Sam's 9 opened no ticket.
            #expect(try shop.store.read { try $0.tickets(of: sam) }.isEmpty)

            let report = try FeedbackDesk.report(shop.store, kind: .nps, from: Int64.min, to: Int64.max)
            #expect(report.total.responses == 2 && report.total.promoters == 1 && report.total.detractors == 1)
            _ = gateway
        }
    }

    /// A client of the live server on `port`.
    func gatewayClient(_ port: Int) -> LoopbackClient { LoopbackClient(port: port) }
}

/// Plain HTTP requests to a live server on loopback (URLSession: a real socket, as a browser).
struct LoopbackClient {
    var port: Int

    func execute<T>(
        uri: String, method: HTTPRequest.Method, headers: HTTPFields = [:], body: ByteBuffer? = nil,
        _ read: (HTTPResponse.Status, ByteBuffer) throws -> T
    ) async throws -> T {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(uri)")!)
        request.httpMethod = method.rawValue
        for field in headers { request.setValue(field.value, forHTTPHeaderField: field.name.rawName) }
        request.httpBody = body.map { Data(buffer: $0) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let code = (response as? HTTPURLResponse)?.statusCode ?? 0
        return try read(HTTPResponse.Status(code: code), ByteBuffer(bytes: data))
    }
}
