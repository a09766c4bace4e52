import Foundation
import HTTPTypes
import NIOCore
import PatronAuth
import PatronCore
import PatronSMS
import PatronSQLite
import PatronScheduler
import Testing

/// The shipped survey flows on a generated shop (`ShopGenerator`, what `patron generate` loads):
/// two months of history, the flows active for its last month, the scheduler ticking every six
/// hours for two months more with the stub SMS gateway and the API live on loopback. Customers
/// answer soon after each message arrives — by clicking a score or posting the review form over
/// real HTTP, by a bare-score SMS reply through the Twilio inbound webhook. Checked: every NPS
/// question 30 days after a first order (or the skip says why), one per customer; each SKU asked
/// of a customer once; one CSAT survey per closed ticket; every detractor gets a ticket; the
/// moderated reviews are what the storefront export publishes; the reports add up.
@Suite(.serialized) struct SurveysOnAGeneratedShopTests {
    init() { TestChannels.register() }

    let t0 = CampaignFixture.t0
    let day: Int64 = 86_400
    let hour: Int64 = 3_600

    @Test func theShippedSurveyFlowsRunOnAGeneratedShop() async throws {
        let shop = try CampaignFixture()
        let generator = try ShopGenerator(
            options: .init(
                customers: 240, orders: 600, seed: 20, until: Day(epochSeconds: t0), days: 60, currency: .eur))
        try Ingestor(store: shop.store).ingest(Array(generator))
        let start = t0 - 30 * day
        // One customer whose first order falls in the active month takes texts and no mail: the NPS
        // question goes by SMS.
        let firstOrders = try Self.firstOrders(shop.store)
        let customers = try Self.customers(shop.store)
        let texter = try #require(
            firstOrders.filter { $0.value > start + day && $0.value < t0 - 2 * day }.keys.sorted().first {
                customers[$0]?.phone != nil
            })
        let texterRef = try #require(try shop.store.read { try $0.refs(of: texter) }.first)
        let who = CustomerIdentity(refs: [texterRef])
        _ = try Ingestor(store: shop.store).ingest([
            IngestEvent(
                id: "texter-mail", source: texterRef.source, occurredAt: t0,
                kind: .consentChanged(ConsentChange(customer: who, channel: .email, status: .revoked))),
            IngestEvent(
                id: "texter-sms", source: texterRef.source, occurredAt: t0,
                kind: .consentChanged(ConsentChange(customer: who, channel: "sms", status: .granted))),
        ])
        for name in ["nps-after-first-order", "post-purchase-review", "nps-detractor", "csat-ticket-closed"] {
            let url = CampaignFixture.root.appendingPathComponent("flows/\(name).yaml")
            try shop.activate(try String(contentsOf: url, encoding: .utf8), at: start)
        }
        let clock = SurveyEndToEndTests.Clock(start)
        let checker = try SurveyLinkSigner(secret: SurveyEndToEndTests.secret, baseURL: "http://placeholder.invalid")
        try await CampaignFixture.live(store: shop.store, surveyLinks: checker, now: { clock.now }) { _, port in
            var runtime = CampaignRuntime(
                store: shop.store,
                channels: [.sms: CampaignFixture.smsChannel(port: port), .email: SimulatedChannel()],
                shopName: "Demo shop")
            let signer = try SurveyLinkSigner(secret: SurveyEndToEndTests.secret, baseURL: "http://127.0.0.1:\(port)")
            runtime.surveyLinks = signer
            let client = LoopbackClient(port: port)
            var answered: Set<String> = []
            var given: [(flow: String, customer: CustomerID, score: Int, at: Int64)] = []
            var reviewScores: [String: Int] = [:]
            var now = start
            while now <= t0 + 33 * day {
                _ = try await runtime.tick(now: now)
                let at = now
                _ = try await runtime.drain(now: { at })
                // Who answers what arrived: every other NPS mail (the score by one click), the
                // texter by SMS, every CSAT mail, every review request's first item (by the form).
                clock.now = now + 60
                let arrived = try shop.outbox().filter {
                    ($0.status == "sent" || $0.status == "delivered") && !answered.contains($0.key)
                }
                for message in arrived.sorted(by: { $0.key < $1.key }) {
                    answered.insert(message.key)
                    let links = Self.links(message.body, port: port)
                    switch message.flowID {
                    case "nps-after-first-order" where message.channel == "sms":
                        let status = try await Self.reply("8", from: message.recipient, port: port)
                        #expect(status == .ok)
                        given.append((message.flowID, message.customerID, 8, clock.now))
                    case "nps-after-first-order":
                        guard given.count % 2 == 0 || links.isEmpty else {
                            given.append((message.flowID, message.customerID, -1, clock.now))
                            continue
                        }
                        let score = given.count % 11
                        #expect(links.count == 11 && links[score].hasSuffix("?score=\(score)"), "\(message.body)")
                        let (status, page) = try await Self.page(client, links[score])
                        #expect(status == .ok && page.contains("Your answer (\(score)) is recorded"), "\(page)")
                        given.append((message.flowID, message.customerID, score, clock.now))
                    case "csat-ticket-closed":
                        #expect(links.count == 5)
                        let (status, _) = try await Self.page(client, links[4])
                        #expect(status == .ok)
                        given.append((message.flowID, message.customerID, 5, clock.now))
                    case "post-purchase-review":
                        let first = try #require(links.first)
                        let token = try signer.verify(String(first.dropFirst("/s/".count)))
                        let stars = 1 + reviewScores.count % 5
                        let (status, _) = try await Self.page(client, first, post: "score=\(stars)&text=Works+fine")
                        #expect(status == .ok)
                        reviewScores[FeedbackResponse.reviewKey(customer: message.customerID, sku: token.sku!)] = stars
                    default: continue
                    }
                }
                now += 6 * hour
            }
            let outbox = try shop.outbox()
            let byFlow = Dictionary(grouping: outbox, by: \.flowID)

            // NPS: 30 days after a first order in the active month — at the next tick (six hours)
            // outside the customer's quiet hours (21:00–08:00 local, up to eleven more) — one per
            // customer; every first order of the month got it or a recorded reason why not.
            let nps = byFlow["nps-after-first-order"] ?? []
            #expect(nps.count >= 20, "only \(nps.count) NPS messages")
            #expect(Set(nps.map(\.customerID)).count == nps.count)
            for message in nps {
                let first = try #require(firstOrders[message.customerID])
                #expect(
                    message.plannedAt >= first + 30 * day && message.plannedAt < first + 30 * day + 18 * hour,
                    "\(message.key): planned \(message.plannedAt - first - 30 * day) s after 30 days")
            }
            let decisions = try await shop.store.campaignDecisions(
                flowID: "nps-after-first-order", customerID: nil, from: .min, to: .max)
            let explained = Set(nps.map(\.customerID)).union(decisions.map(\.customerID))
            let final = try Self.customers(shop.store)
            for (customer, first) in firstOrders where first > start && first + 30 * day <= t0 + 33 * day {
                let consent = final[customer]?.consent
                guard consent?[.email].status == .granted || consent?["sms"].status == .granted else { continue }
                #expect(
                    explained.contains(customer),
                    "customer \(customer.rawValue): no NPS question and no reason (\(String(describing: consent)))")
            }
            #expect(nps.contains { $0.customerID == texter && $0.channel == "sms" })

            // Reviews: each SKU asked of a customer once, from that customer's orders.
            var asked: [CustomerID: [String]] = [:]
            for message in byFlow["post-purchase-review"] ?? [] {
                for link in Self.links(message.body, port: port) {
                    let token = try signer.verify(String(link.dropFirst("/s/".count)))
                    #expect(token.customerID == message.customerID && token.kind == .review)
                    asked[message.customerID, default: []].append(try #require(token.sku))
                }
            }
            #expect(asked.values.reduce(0) { $0 + $1.count } >= 20)
            for (customer, skus) in asked {
                #expect(Set(skus).count == skus.count, "customer \(customer.rawValue) asked twice about \(skus)")
                let bought = Set(try shop.store.read { try $0.orders(of: customer) }.flatMap { $0.lines.map(\.sku) })
                #expect(Set(skus).isSubset(of: bought))
            }

            // CSAT: at most one per closed ticket, to its customer.
            let csat = byFlow["csat-ticket-closed"] ?? []
            #expect(!csat.isEmpty)
            for message in csat {
                let tickets = try shop.store.read { try $0.tickets(of: message.customerID) }
                #expect(tickets.contains { $0.status == .closed })
            }

            // Every detractor's answer opened a ticket; no one else got one.
            let scored = given.filter { $0.score >= 0 && $0.flow == "nps-after-first-order" }
            #expect(scored.contains { $0.score <= 6 } && scored.contains { $0.score >= 9 })
            for answer in scored {
                let tickets = try shop.store.read { try $0.tickets(of: answer.customer) }
                let flowTickets = tickets.filter { $0.ref.source == FlowTickets.source }
                #expect(
                    flowTickets.count == (answer.score <= 6 ? 1 : 0),
                    "customer \(answer.customer.rawValue) answered \(answer.score): \(flowTickets.count) tickets")
            }

            // The reports add up: what was answered, out of what was sent.
            let report = try FeedbackDesk.report(shop.store, kind: .nps, from: .min, to: .max)
            #expect(report.total.responses == scored.count)
            #expect(report.total.promoters == scored.filter { $0.score >= 9 }.count)
            #expect(report.total.detractors == scored.filter { $0.score <= 6 }.count)
            #expect(report.total.asked == nps.filter { $0.status == "sent" || $0.status == "delivered" }.count)
            let csatReport = try FeedbackDesk.report(shop.store, kind: .csat, from: .min, to: .max)
            #expect(csatReport.total.responses == given.filter { $0.flow == "csat-ticket-closed" }.count)
            #expect(csatReport.total.csat == 100)

            // Moderation: 4 and 5 stars approved by rule, the rest wait; the export publishes
            // exactly the approved ones.
            let approved = try FeedbackDesk.moderate(shop.store, .pending(stars: 4...5, sku: nil), to: .approved)
            #expect(approved == reviewScores.filter { $0.value >= 4 }.keys.sorted())
            let published = try ProductReviews.export(shop.store)
            #expect(published.reduce(0) { $0 + $1.count } == approved.count && !approved.isEmpty)
            #expect(published.allSatisfy { $0.reviews.allSatisfy { $0.score >= 4 && $0.verified } })
            let waiting = try FeedbackDesk.reviews(shop.store, moderation: .pending, limit: 1_000)
            #expect(waiting.count == reviewScores.count - approved.count)
        }
    }

    /// The generated customers.
    static func customers(_ store: SQLiteStore) throws -> [CustomerID: CustomerRecord] {
        try store.read { t in try t.customers(try t.customerIDs(withRefsFrom: "demo-shop")) }
    }

    /// Each customer's first order's time.
    static func firstOrders(_ store: SQLiteStore) throws -> [CustomerID: Int64] {
        try customers(store).compactMapValues(\.aggregates.firstOrderAt)
    }

    /// The survey links in a message body, as paths (`/s/TOKEN…`).
    static func links(_ body: String, port: Int) -> [String] {
        body.split(whereSeparator: { $0.isWhitespace }).map(String.init)
            .filter { $0.hasPrefix("http://127.0.0.1:\(port)/s/") }
            .map { String($0.dropFirst("http://127.0.0.1:\(port)".count)) }
    }

    /// A GET of the page, or a POST of the form.
    static func page(_ client: LoopbackClient, _ uri: String, post form: String? = nil) async throws -> (
        HTTPResponse.Status, String
    ) {
        try await client.execute(
            uri: uri, method: form == nil ? .get : .post,
            headers: form == nil ? [:] : [.contentType: "application/x-www-form-urlencoded"],
            body: form.map { ByteBuffer(string: $0) }
        ) { status, body in (status, String(buffer: body)) }
    }

    /// An SMS from `phone` to the shop, through the signed Twilio inbound webhook.
    static func reply(_ body: String, from phone: String, port: Int) async throws -> HTTPResponse.Status {
        let fields: FormFields = [
            "MessageSid": "SM\(UUID().uuidString.filter(\.isHexDigit).lowercased())",
            "AccountSid": CampaignFixture.sid, "From": phone, "To": "+15005550006", "Body": body,
        ]
        let signature = TwilioSignature.compute(
            url: "http://127.0.0.1:\(port)/webhooks/twilio/inbound", parameters: fields,
            authToken: CampaignFixture.token)
        return try await LoopbackClient(port: port).execute(
            uri: "/webhooks/twilio/inbound", method: .post,
            headers: [
                HTTPField.Name("X-Twilio-Signature")!: signature, .contentType: "application/x-www-form-urlencoded",
            ], body: ByteBuffer(string: fields.encoded)
        ) { status, _ in status }
    }
}
