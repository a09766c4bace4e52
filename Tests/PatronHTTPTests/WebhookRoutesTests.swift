import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PatronCore
import PatronHTTP
import PatronSMS
import PatronSQLite
import PatronWebhooks
import Testing

/// The webhook receivers end to end through the router (no sockets): signature before parsing,
/// the status codes of the conventions, ingest before the 2xx, redeliveries applied once.
@Suite struct WebhookRoutesTests {
    init() { TestChannels.register() }

    static let now: Int64 = 1_723_071_477
    static let order = Data(
        #"{"id":820982911946154508,"email":"jon@example.com","created_at":"2021-12-31T19:00:00-05:00","currency":"USD","total_price":"388.00","customer":{"id":115310627314723954},"line_items":[{"sku":"IPOD","quantity":1,"price":"388.00"}]}"#
            .utf8)

    static func app(_ store: SQLiteStore) -> some ApplicationProtocol {
        let router = Router()
        PatronAPIServer.addRoutes(
            to: router, store: store,
            secrets: WebhookSecrets(
                shopify: ["old", "shh"], woocommerce: ["wc"], stripe: ["whsec_old", "whsec_new"],
                generic: ["pos": ["g"]]),
            now: { Self.now })
        return Application(router: router)
    }

    static func shopifyHeaders(
        _ body: Data, secret: String = "shh", topic: String = "orders/create", id: String = "w-1",
        triggeredAt: String = "2024-08-07T22:57:57.290670248Z"
    )
        -> HTTPFields
    {
        [
            HTTPField.Name("X-Shopify-Hmac-Sha256")!: WebhookSignature.base64Header(body: body, secret: secret),
            HTTPField.Name("X-Shopify-Topic")!: topic, HTTPField.Name("X-Shopify-Webhook-Id")!: id,
            HTTPField.Name("X-Shopify-Triggered-At")!: triggeredAt,
            .contentType: "application/json",
        ]
    }

    @Test func aSignedShopifyOrderIsStoredOnceWithItsExactId() async throws {
        let store = try SQLiteStore()
        try await Self.app(store).test(.router) { client in
            for expected in [
                #"{"applied":1,"duplicates":0,"ignored":false}"#, #"{"applied":0,"duplicates":1,"ignored":false}"#,
            ] {
                try await client.execute(
                    uri: "/webhooks/shopify", method: .post, headers: Self.shopifyHeaders(Self.order),
                    body: ByteBuffer(bytes: Self.order)
                ) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body) == expected)
                }
            }
        }
        let orders = try store.read { try $0.orders(of: CustomerID(1)) }
        #expect(orders.map(\.ref.id) == ["820982911946154508"])
    }

    @Test func badSignaturesOversizedAndMalformedBodiesStoreNothing() async throws {
        let store = try SQLiteStore()
        try await Self.app(store).test(.router) { client in
            // Wrong secret, then no signature at all: 401 with a problem body.
            var wrong = Self.shopifyHeaders(Self.order, secret: "nope")
            try await client.execute(
                uri: "/webhooks/shopify", method: .post, headers: wrong, body: ByteBuffer(bytes: Self.order)
            ) {
                #expect($0.status == .unauthorized)
                #expect($0.headers[.contentType] == "application/problem+json")
                #expect(String(buffer: $0.body).contains("signature mismatch"))
            }
            wrong[HTTPField.Name("X-Shopify-Hmac-Sha256")!] = nil
            try await client.execute(
                uri: "/webhooks/shopify", method: .post, headers: wrong, body: ByteBuffer(bytes: Self.order)
            ) {
                #expect($0.status == .unauthorized)
            }
            // Signed but malformed: 400 saying what is wrong.
            let bad = Data(#"{"id":"x"}"#.utf8)
            try await client.execute(
                uri: "/webhooks/shopify", method: .post, headers: Self.shopifyHeaders(bad), body: ByteBuffer(bytes: bad)
            ) {
                #expect($0.status == .badRequest)
                #expect(String(buffer: $0.body).contains("orders/create: field 'id' has the wrong type"))
            }
            // Over 1 MiB: 413.
            let big = Data(repeating: UInt8(ascii: " "), count: (1 << 20) + 1)
            try await client.execute(
                uri: "/webhooks/shopify", method: .post, headers: Self.shopifyHeaders(big), body: ByteBuffer(bytes: big)
            ) {
                #expect($0.status == .contentTooLarge)
            }
            // An unknown topic: 200, ignored.
            let app = Data("{}".utf8)
            try await client.execute(
                uri: "/webhooks/shopify", method: .post, headers: Self.shopifyHeaders(app, topic: "app/uninstalled"),
                body: ByteBuffer(bytes: app)
            ) {
                #expect($0.status == .ok)
                #expect(String(buffer: $0.body).contains(#""ignored":true"#))
            }
        }
        #expect(try store.customerCount(createdThrough: nil) == 0)
    }

    @Test func wooCommercePingsAndGenericTimestampedEvents() async throws {
        let store = try SQLiteStore()
        try await Self.app(store).test(.router) { client in
            try await client.execute(
                uri: "/webhooks/woocommerce", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: "webhook_id=9")
            ) { #expect($0.status == .ok) }
            let event = Data(
                #"{"id":"e1","type":"order.placed","source":"pos","at":"2024-03-01T10:00:00Z","order":{"id":"1001","customer":{"id":"c7"},"currency":"EUR","total":"25.00"}}"#
                    .utf8)
            let signed = WebhookSignature.timestampedHeader(body: event, secret: "g", timestamp: Self.now - 5)
            try await client.execute(
                uri: "/webhooks/generic/pos", method: .post, headers: [HTTPField.Name("Patron-Signature")!: signed],
                body: ByteBuffer(bytes: event)
            ) { #expect($0.status == .ok) }
            let stale = WebhookSignature.timestampedHeader(body: event, secret: "g", timestamp: Self.now - 301)
            try await client.execute(
                uri: "/webhooks/generic/pos", method: .post, headers: [HTTPField.Name("Patron-Signature")!: stale],
                body: ByteBuffer(bytes: event)
            ) {
                #expect($0.status == .unauthorized)
                #expect(String(buffer: $0.body).contains("signature stale"))
            }
            try await client.execute(
                uri: "/webhooks/generic/web", method: .post, headers: [HTTPField.Name("Patron-Signature")!: signed],
                body: ByteBuffer(bytes: event)
            ) { #expect($0.status == .notFound) }
        }
        #expect(try store.customerCount(createdThrough: nil) == 1)
    }

    /// Shopify's mandatory privacy topics end to end, with the fixture payloads signed here: the
    /// data request leaves the person's document in the audit log (once per delivery), the
    /// redaction erases the person, the shop's redaction erases everyone the shop sent, and the
    /// order figures stay.
    /// Shopify customers 191167 (john@) and 191168 (jane@), one 10.00 order each.
    static func ingestJohnAndJane(into store: some Store) throws {
        let at = Day(iso: "2024-05-01")!.epochSeconds
        try Ingestor(store: store).ingest(
            [("191167", "john@example.com"), ("191168", "jane@example.com")].map { id, email in
                IngestEvent(
                    id: "o\(id)", source: "shopify", occurredAt: at,
                    kind: .orderPlaced(
                        OrderData(
                            ref: "9\(id)",
                            customer: CustomerIdentity(refs: [ExternalRef(source: "", id: id)], email: email),
                            placedAt: at, currency: .usd, totalMinor: 1000)))
            })
    }

    @Test func privacyTopicsEndToEnd() async throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("shared/fixtures/shopify/webhooks/privacy")
        guard FileManager.default.fileExists(atPath: folder.path) else { return }
        let request = try Data(contentsOf: folder.appendingPathComponent("customers_data_request.json"))
        let redact = try Data(contentsOf: folder.appendingPathComponent("customers_redact.json"))
        let shop = try Data(contentsOf: folder.appendingPathComponent("shop_redact.json"))
        let store = try SQLiteStore()
        try Self.ingestJohnAndJane(into: store)
        try await Self.app(store).test(.router) { client in
            for expected in [#""applied":1"#, #""duplicates":1"#] {
                try await client.execute(
                    uri: "/webhooks/shopify", method: .post,
                    headers: Self.shopifyHeaders(request, topic: "customers/data_request", id: "p-1"),
                    body: ByteBuffer(bytes: request)
                ) {
                    #expect($0.status == .ok)
                    #expect(String(buffer: $0.body).contains(expected))
                }
            }
            try await client.execute(
                uri: "/webhooks/shopify", method: .post,
                headers: Self.shopifyHeaders(redact, topic: "customers/redact", id: "p-2"),
                body: ByteBuffer(bytes: redact)
            ) { #expect($0.status == .ok) }
            try await client.execute(
                uri: "/webhooks/shopify", method: .post,
                headers: Self.shopifyHeaders(shop, topic: "shop/redact", id: "p-3"), body: ByteBuffer(bytes: shop)
            ) {
                #expect(String(buffer: $0.body).contains(#""applied":1"#))  // jane; john was already erased
            }
            let unknown = Data("{}".utf8)
            try await client.execute(
                uri: "/webhooks/shopify", method: .post,
                headers: Self.shopifyHeaders(unknown, topic: "app/uninstalled", id: "p-4"),
                body: ByteBuffer(bytes: unknown)
            ) { #expect($0.status == .ok) }
        }
        let log = try store.auditLog(limit: 10, documents: true)
        #expect(log.map(\.action).reversed() == ["data_request", "erase", "erase", "shop_redact"])
        let document = try #require(log.last?.document)
        #expect(document.contains("john@example.com") && document.contains(#""total":"10.00""#))
        #expect(log.last?.actor == "shopify {shop}.myshopify.com request 9999")
        #expect(log.first?.detail == "1 customer(s) erased")
        for id in [CustomerID(1), CustomerID(2)] {
            let customer = try #require(try store.read { try $0.customer(id) })
            #expect(customer.email == nil && customer.erasedAt != nil)
        }
        #expect(
            try store.rfmFacts(asOf: Day(iso: "2024-06-01")!, windowDays: nil).map(\.monetaryMinor) == [1000, 1000])
        #expect(try store.ignoredDeliveries().map(\.topic) == ["app/uninstalled"])
    }

    /// `POST /webhooks/stripe`: Stripe's signature before parsing (401 and nothing stored), a paid
    /// invoice stored once however often delivered, other types answered 200 and recorded.
    @Test func stripeDeliveriesAreVerifiedAppliedOnceAndIgnoredTypesRecorded() async throws {
        let store = try SQLiteStore()
        let invoice = Data(
            #"{"id":"evt_1","type":"invoice.paid","created":1723071400,"data":{"object":{"id":"in_1","object":"invoice","created":1723071400,"currency":"eur","amount_paid":4200,"customer":"cus_1","customer_email":"ann@example.com","customer_name":"Ann Lee","lines":{"data":[{"id":"il_1","amount":4200,"quantity":2,"description":"Tea","price":{"id":"price_tea"}}]}}}}"#
                .utf8)
        let payout = Data(#"{"id":"evt_2","type":"payout.paid","created":1723071400,"data":{"object":{}}}"#.utf8)
        @Sendable func headers(_ body: Data, _ secret: String, at: Int64 = Self.now) -> HTTPFields {
            [
                HTTPField.Name("Stripe-Signature")!: WebhookSignature.timestampedHeader(
                    body: body, secret: secret, timestamp: at),
                .contentType: "application/json",
            ]
        }
        try await Self.app(store).test(.router) { client in
            for (secret, at) in [("whsec_other", Self.now), ("whsec_new", Self.now - 301)] {
                try await client.execute(
                    uri: "/webhooks/stripe", method: .post, headers: headers(invoice, secret, at: at),
                    body: ByteBuffer(bytes: invoice)
                ) { #expect($0.status == .unauthorized) }
            }
            #expect(try store.customerCount(createdThrough: nil) == 0)
            for (secret, expected) in [
                ("whsec_new", #"{"applied":2,"duplicates":0,"ignored":false}"#),
                ("whsec_old", #"{"applied":0,"duplicates":2,"ignored":false}"#),
            ] {
                try await client.execute(
                    uri: "/webhooks/stripe", method: .post, headers: headers(invoice, secret),
                    body: ByteBuffer(bytes: invoice)
                ) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body) == expected)
                }
            }
            try await client.execute(
                uri: "/webhooks/stripe", method: .post, headers: headers(payout, "whsec_new"),
                body: ByteBuffer(bytes: payout)
            ) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"applied":0,"duplicates":0,"ignored":true}"#)
            }
        }
        let id = try #require(try store.read { try $0.customerID(email: "ann@example.com") })
        let orders = try store.read { try $0.orders(of: id) }
        #expect(orders.map(\.ref.id) == ["in_1"] && orders.first?.totalMinor == 4200 && orders.first?.currency == .eur)
        #expect(orders.first?.lines == [OrderLine(sku: "price_tea", name: "Tea", quantity: 2, unitPriceMinor: 2100)])
        #expect(try store.read { try $0.customer(id) }?.firstName == "Ann")
        #expect(try store.ignoredDeliveries() == [IgnoredTopic(topic: "payout.paid", count: 1)])
    }

    @Test func theStripeReceiverWithoutASecretRefusesEverything() async throws {
        let router = Router()
        PatronAPIServer.addRoutes(to: router, store: try SQLiteStore(), secrets: WebhookSecrets(), now: { Self.now })
        let body = Data(#"{"id":"evt_1","type":"payout.paid","created":1,"data":{"object":{}}}"#.utf8)
        try await Application(router: router).test(.router) { client in
            try await client.execute(
                uri: "/webhooks/stripe", method: .post,
                headers: [
                    HTTPField.Name("Stripe-Signature")!: WebhookSignature.timestampedHeader(
                        body: body, secret: "", timestamp: Self.now)
                ], body: ByteBuffer(bytes: body)
            ) { #expect($0.status == .unauthorized) }
        }
    }

    /// An update older than the stored version (by `X-Shopify-Triggered-At`) is answered 200 and
    /// changes nothing; a newer one applies.
    @Test func aStaleUpdateIsAnswered200AndIgnored() async throws {
        let store = try SQLiteStore()
        @Sendable func order(_ total: String) -> Data {
            Data(
                #"{"id":820982911946154508,"email":"jon@example.com","created_at":"2021-12-31T19:00:00-05:00","currency":"USD","total_price":"\#(total)","customer":{"id":115310627314723954},"line_items":[{"sku":"IPOD","quantity":1,"price":"\#(total)"}]}"#
                    .utf8)
        }
        let deliveries: [(String, String, String, String)] = [
            ("orders/create", "388.00", "c", "2024-08-07T10:00:00Z"),
            ("orders/updated", "400.00", "u2", "2024-08-07T12:00:00Z"),
            ("orders/updated", "350.00", "u1", "2024-08-07T11:00:00Z"),  // arrives late: older
        ]
        try await Self.app(store).test(.router) { client in
            for (topic, total, id, at) in deliveries {
                let body = order(total)
                try await client.execute(
                    uri: "/webhooks/shopify", method: .post,
                    headers: Self.shopifyHeaders(body, topic: topic, id: id, triggeredAt: at),
                    body: ByteBuffer(bytes: body)
                ) { #expect($0.status == .ok) }
            }
        }
        let stored = try #require(
            try store.read { try $0.order(ref: ExternalRef(source: "shopify", id: "820982911946154508")) })
        #expect(stored.totalMinor == 40_000)
    }

    /// Concurrent deliveries share commits (group commit), each is stored once with its own
    /// answer, and one that cannot be applied (another currency) fails alone.
    @Test func concurrentDeliveriesAreAppliedOnceAndFailAlone() async throws {
        let store = try SQLiteStore()
        try await Self.app(store).test(.router) { client in
            let first = Self.body(id: 1, currency: "USD")
            try await client.execute(
                uri: "/webhooks/shopify", method: .post, headers: Self.shopifyHeaders(first, id: "d-1"),
                body: ByteBuffer(bytes: first)
            ) { #expect($0.status == .ok) }
            let statuses = try await withThrowingTaskGroup(of: (Int, HTTPResponse.Status).self) { group in
                for n in 2...41 {
                    group.addTask {
                        let body = Self.body(id: n, currency: n == 20 ? "EUR" : "USD")
                        return try await client.execute(
                            uri: "/webhooks/shopify", method: .post,
                            headers: Self.shopifyHeaders(body, id: "d-\(n)"), body: ByteBuffer(bytes: body)
                        ) { (n, $0.status) }
                    }
                }
                var result: [Int: HTTPResponse.Status] = [:]
                for try await (n, status) in group { result[n] = status }
                return result
            }
            #expect(statuses.filter { $0.value != .ok }.map(\.key) == [20])
        }
        let orders = try store.orders(customer: nil, after: 0, limit: 1000)
        #expect(orders.count == 40)
        #expect(!orders.contains { $0.ref.id == "9007199254741013" })  // the EUR one, n = 20
    }

    static func body(id: Int, currency: String) -> Data {
        Data(
            #"{"id":\#(9_007_199_254_740_993 + id),"email":"b\#(id)@example.com","created_at":"2024-08-01T10:00:00Z","currency":"\#(currency)","total_price":"10.00","customer":{"id":\#(id)},"line_items":[{"sku":"T","quantity":1,"price":"10.00"}]}"#
                .utf8)
    }

    /// An inbound STOP over the Twilio receiver revokes the sender's SMS consent; START gives it
    /// back; other text changes nothing; a bad signature is 401 and changes nothing.
    @Test func inboundStopAndStartChangeSMSConsent() async throws {
        let store = try SQLiteStore()
        try Ingestor(store: store).ingest([
            IngestEvent(
                id: "c", source: "shop", occurredAt: 0,
                kind: .consentChanged(
                    ConsentChange(customer: CustomerIdentity(phone: "+14155550100"), channel: .sms, status: .granted)))
        ])
        let router = Router()
        PatronAPIServer.addRoutes(
            to: router, store: store,
            secrets: WebhookSecrets(twilio: ["tw-token"], publicOrigin: "https://crm.example"), now: { Self.now })
        @Sendable func form(_ body: String, sid: String) -> FormFields {
            ["MessageSid": sid, "AccountSid": "AC1", "From": "+14155550100", "To": "+15005550006", "Body": body]
        }
        @Sendable func status() throws -> ConsentStatus? {
            try store.read { t in try t.customerID(phone: "+14155550100").flatMap { try t.customer($0) } }?.consent[
                "sms"
            ]
            .status
        }
        try await Application(router: router).test(.router) { client in
            func post(_ fields: FormFields, token: String = "tw-token") async throws -> HTTPResponse.Status {
                let signature = TwilioSignature.compute(
                    url: "https://crm.example/webhooks/twilio/inbound", parameters: fields, authToken: token)
                return try await client.execute(
                    uri: "/webhooks/twilio/inbound", method: .post,
                    headers: [
                        HTTPField.Name("X-Twilio-Signature")!: signature,
                        .contentType: "application/x-www-form-urlencoded",
                    ], body: ByteBuffer(string: fields.encoded)
                ) { $0.status }
            }
            let value1 = try await post(form("STOP", sid: "SM1"), token: "forged")
            #expect(value1 == .unauthorized)
            let value2 = try status()
            #expect(value2 == .granted)
            let value3 = try await post(form(" stop ", sid: "SM2"))
            #expect(value3 == .ok)
            let value4 = try status()
            #expect(value4 == .revoked)
            let value5 = try await post(form("thanks!", sid: "SM3"))
            #expect(value5 == .ok)
            let value6 = try status()
            #expect(value6 == .revoked)
            let value7 = try await post(form("START", sid: "SM4"))
            #expect(value7 == .ok)
            let value8 = try status()
            #expect(value8 == .granted)
        }
    }
}
