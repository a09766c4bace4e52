import Foundation
import PatronCore
import PatronWebhooks
import Testing

/// ../shared beside the repo.
enum Shared {
    static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared")

    static func path(_ relative: String) -> String? {
        let path = root.appendingPathComponent(relative).path
        if FileManager.default.fileExists(atPath: path) { return path }
        if ProcessInfo.processInfo.environment["PATRON_REQUIRE_SHARED"] == "1" {
            Issue.record("missing shared file \(path) (PATRON_REQUIRE_SHARED=1)")
        }
        return nil
    }

    /// A captured delivery: its topic and its body as bytes (the capture re-serialised it).
    static func delivery(_ name: String) throws -> (topic: String, body: Data)? {
        guard let path = path("fixtures/shopify/webhooks/hookdeck-2024-10/\(name).json") else { return nil }
        let object =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        let headers = object["headers"] as! [String: String]
        let body = try JSONSerialization.data(withJSONObject: object["body"]!)
        return (headers["x-shopify-topic"]!, body)
    }
}

@Suite struct WebhookSignatureTests {
    init() { TestChannels.register() }

    static let body = Data(#"{"id":820982911946154508,"email":"jon@example.com"}"#.utf8)

    @Test func shopifyAndWooCommerceBase64HMACOverTheRawBody() throws {
        let header = WebhookSignature.base64Header(body: Self.body, secret: "s3cret")
        // HMAC-SHA256 of this body with this key, computed independently (Python's hmac module).
        #expect(header == "66Woy1c4Ns/HesPXTcL9gkusEHSAK2NrIhxUUuOyRos=")
        try WebhookSignature.verifyBase64(body: Self.body, header: header, secrets: ["old", "s3cret"])
        var tampered = Self.body
        tampered[tampered.count - 3] ^= 1
        for (body, header, reason) in [
            (tampered, header, WebhookSignatureError.Reason.mismatch), (Self.body, nil, .missing),
            (Self.body, "not base64!", .malformed), (Self.body, header, .mismatch),
        ] as [(Data, String?, WebhookSignatureError.Reason)] {
            let secrets = header == nil || reason != .mismatch || body != Self.body ? ["s3cret"] : ["other"]
            #expect {
                try WebhookSignature.verifyBase64(body: body, header: header, secrets: secrets)
            } throws: { ($0 as? WebhookSignatureError)?.reason == reason }
        }
    }

    @Test func timestampedSignaturesWithRotationAndTolerance() throws {
        let now: Int64 = 1_700_000_000
        let header = WebhookSignature.timestampedHeader(body: Self.body, secret: "new", timestamp: now - 10)
        try WebhookSignature.verifyTimestamped(body: Self.body, header: header, secrets: ["new"], now: now)
        // Two v1 values while a secret rotates; a v0 is ignored.
        let old = WebhookSignature.timestampedHeader(body: Self.body, secret: "old", timestamp: now - 10)
        let both = old + ",v1=" + header.split(separator: "=").last! + ",v0=00"
        try WebhookSignature.verifyTimestamped(body: Self.body, header: both, secrets: ["new"], now: now)
        #expect {
            try WebhookSignature.verifyTimestamped(body: Self.body, header: header, secrets: ["new"], now: now + 400)
        } throws: { ($0 as? WebhookSignatureError)?.reason == .stale }
        #expect {
            try WebhookSignature.verifyTimestamped(body: Self.body, header: "v1=abcd", secrets: ["new"], now: now)
        } throws: { ($0 as? WebhookSignatureError)?.reason == .malformed }
        #expect {
            try WebhookSignature.verifyTimestamped(
                body: Self.body + Data("x".utf8), header: header, secrets: ["new"], now: now)
        } throws: { ($0 as? WebhookSignatureError)?.reason == .mismatch }
    }

    /// Found by `Scripts/fuzz.sh signatures`: a `t=` far from now made `abs(now - t)` overflow,
    /// which traps — a stranger's header stopped `patron-api`. Every such header is stale now.
    @Test func aTimestampFarFromNowIsStaleNeverATrap() throws {
        let mac = String(repeating: "ab", count: 32)
        for (t, now) in [
            ("-9223372036854775808", Int64(1_700_000_000)), ("9223372036854775807", -1_700_000_000),
            ("-9223372036854775807", Int64.max), ("9223372036854775807", Int64.min),
        ] {
            #expect {
                try WebhookSignature.verifyTimestamped(
                    body: Self.body, header: "t=\(t),v1=\(mac)", secrets: ["new"], now: now)
            } throws: { ($0 as? WebhookSignatureError)?.reason == .stale }
        }
    }
}

@Suite struct ShopifyWebhookTests {
    init() { TestChannels.register() }

    static let at: Int64 = 1_723_071_477

    @Test func ordersKeepTheirIdsExactly() throws {
        // The REST resource keeps Shopify's exact ids; a large one must not pass through Double.
        let body = Data(
            #"{"id":820982911946154508,"email":"jon@example.com","created_at":"2021-12-31T19:00:00-05:00","currency":"USD","total_price":"388.00","customer":{"id":115310627314723954},"line_items":[{"sku":"IPOD2008PINK","title":"IPod Nano","quantity":1,"price":"199.00"},{"sku":"","product_id":632910392,"quantity":2,"price":"94.50"}]}"#
                .utf8)
        guard
            case .events(let events) = try ShopifyWebhook.outcome(
                topic: "orders/create", body: body, deliveryID: "d1", at: Self.at)
        else {
            Issue.record("expected events")
            return
        }
        guard case .orderPlaced(let order) = events.first?.kind else {
            Issue.record("expected an order.placed")
            return
        }
        #expect(order.ref == "820982911946154508")
        #expect(order.customer.refs.first?.id == "115310627314723954")
        #expect(order.totalMinor == 38_800 && order.currency == .usd)
        #expect(order.placedAt == 1_640_995_200)  // 2022-01-01T00:00:00Z
        #expect(order.lines.map(\.sku) == ["IPOD2008PINK", "632910392"])
        #expect(events.first?.id == "d1:order")
    }

    @Test(arguments: [
        // Shopify's sample order carries cancelled_at on every topic, so each one also cancels.
        ("orders.create", "order.placed order.cancelled"), ("orders.updated", "order.updated order.cancelled"),
        ("orders.paid", "order.updated order.cancelled"), ("orders.cancelled", "order.updated order.cancelled"),
        ("customers.create", "customer.upserted"), ("customers.update", "customer.upserted"),
        ("checkouts.create", "cart.updated"), ("checkouts.update", "cart.updated"),
        // The sample refund returns line items but no money (no transactions): nothing to apply.
        ("refunds.create", "ignored"), ("customers.delete", "customer.erased"), ("app.uninstalled", "ignored"),
    ])
    func everyCapturedDeliveryMapsToItsEvents(name: String, expected: String) throws {
        guard let delivery = try Shared.delivery(name) else { return }
        let outcome = try ShopifyWebhook.outcome(
            topic: delivery.topic, body: delivery.body, deliveryID: "d", at: Self.at)
        switch outcome {
        case .events(let events):
            #expect(events.map(\.type.rawValue).joined(separator: " ") == expected, "\(name)")
            for event in events { #expect(event.source == "shopify") }
            // The events pass the kernel's validation and apply; a redelivery applies nothing.
            let ingestor = Ingestor(store: InMemoryStore())
            let first = try ingestor.ingest(events)
            #expect(first.appliedCount == events.count, "\(name)")
            #expect(try ingestor.ingest(events).duplicates == events.count)
        case .ignored(let topic):
            #expect(expected == "ignored", "\(name): ignored \(topic)")
        case .dataRequest, .shopRedact:
            Issue.record("\(name): a privacy outcome for an ordinary topic")
        }
    }

    /// The mandatory privacy topics, from the fixtures: the data request names the customer and
    /// the shop's request id; the shop redaction names the shop.
    @Test func privacyTopicsMapToTheirOutcomes() throws {
        let folder = Shared.root.appendingPathComponent("fixtures/shopify/webhooks/privacy")
        guard FileManager.default.fileExists(atPath: folder.path) else { return }
        let request = try Data(contentsOf: folder.appendingPathComponent("customers_data_request.json"))
        let outcome = try ShopifyWebhook.outcome(
            topic: "customers/data_request", body: request, deliveryID: "d", at: Self.at)
        #expect(
            outcome
                == .dataRequest(
                    CustomerIdentity(
                        refs: [ExternalRef(source: "shopify", id: "191167")], email: "john@example.com",
                        phone: "555-625-1199"), request: "9999", shop: "{shop}.myshopify.com"))
        let shop = try Data(contentsOf: folder.appendingPathComponent("shop_redact.json"))
        #expect(
            try ShopifyWebhook.outcome(topic: "shop/redact", body: shop, deliveryID: "d", at: Self.at)
                == .shopRedact(shop: "{shop}.myshopify.com"))
        let redact = try Data(contentsOf: folder.appendingPathComponent("customers_redact.json"))
        guard
            case .events(let events) = try ShopifyWebhook.outcome(
                topic: "customers/redact", body: redact, deliveryID: "d", at: Self.at)
        else {
            Issue.record("customers/redact should erase")
            return
        }
        #expect(events.map(\.type) == [.customerErased])
        #expect(throws: WebhookPayloadError.self) {
            try ShopifyWebhook.outcome(
                topic: "customers/data_request", body: Data("{}".utf8), deliveryID: "d", at: Self.at)
        }
    }

    @Test func aRefundAppliesTheMoneyItsTransactionsReturned() throws {
        guard let path = Shared.path("fixtures/shopify/rest-resources/shopify_python_api/refund.json") else { return }
        let object =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        let body = try JSONSerialization.data(withJSONObject: object["refund"] ?? object)
        guard
            case .events(let events) = try ShopifyWebhook.outcome(
                topic: "refunds/create", body: body, deliveryID: "r", at: 0),
            case .orderRefunded(let refund) = events.first?.kind
        else {
            Issue.record("expected an order.refunded")
            return
        }
        #expect(refund.orderRef == "450789469" && refund.amountMinor == 20_900 && refund.currency == .usd)
    }

    @Test func aPayloadOfTheWrongShapeSaysWhatIsWrong() {
        #expect {
            _ = try ShopifyWebhook.outcome(
                topic: "orders/create", body: Data(#"{"id":1,"created_at":"x"}"#.utf8), deliveryID: "d", at: 0)
        } throws: { ($0 as? WebhookPayloadError)?.detail == "missing field 'currency'" }
        #expect {
            _ = try ShopifyWebhook.outcome(
                topic: "orders/create",
                body: Data(
                    #"{"id":"1","created_at":"2021-12-31T19:00:00-05:00","currency":"USD","total_price":"1","line_items":[]}"#
                        .utf8), deliveryID: "d", at: 0)
        } throws: { ($0 as? WebhookPayloadError)?.detail == "field 'id' has the wrong type" }
        #expect(throws: WebhookPayloadError.self) {
            _ = try ShopifyWebhook.outcome(topic: "orders/create", body: Data("{not json".utf8), deliveryID: "d", at: 0)
        }
    }
}

@Suite struct WooCommerceAndGenericWebhookTests {
    init() { TestChannels.register() }

    static func resource(_ name: String) throws -> Data? {
        guard let path = Shared.path("fixtures/woocommerce/rest-docs-v3/\(name).json") else { return nil }
        return try Data(contentsOf: URL(fileURLWithPath: path))
    }

    @Test func aWooCommerceOrderIsAnOrderOfItsBillingEmail() throws {
        guard let body = try Self.resource("order") else { return }
        guard
            case .events(let events) = try WooCommerceWebhook.outcome(
                topic: "order.created", body: body, deliveryID: "w1", at: 0),
            case .orderPlaced(let order) = events.first?.kind
        else {
            Issue.record("expected an order.placed")
            return
        }
        #expect(order.ref == "727" && order.currency == .usd && order.totalMinor == 2935)
        #expect(order.placedAt == 1_490_210_882)  // 2017-03-22T19:28:02Z (date_created_gmt)
        #expect(order.customer.email == "john.doe@example.com" && order.customer.refs.isEmpty)
        #expect(order.lines.count == 2)
        #expect(try Ingestor(store: InMemoryStore()).ingest(events).appliedCount == 1)
    }

    @Test func wooCommerceCustomersDeletionsAndOtherTopics() throws {
        guard let body = try Self.resource("customer") else { return }
        guard
            case .events(let events) = try WooCommerceWebhook.outcome(
                topic: "customer.created", body: body, deliveryID: "w2", at: 0),
            case .customerUpserted(let customer) = events.first?.kind
        else {
            Issue.record("expected a customer.upserted")
            return
        }
        #expect(customer.identity.email == "john.doe@example.com" && customer.identity.refs.first?.id == "25")
        let deleted = try WooCommerceWebhook.outcome(
            topic: "customer.deleted", body: Data(#"{"id":25}"#.utf8), deliveryID: "w3", at: 0)
        #expect(
            deleted
                == .events([
                    IngestEvent(
                        id: "w3:erase", source: "woocommerce", occurredAt: 0,
                        kind: .customerErased(CustomerIdentity(refs: [ExternalRef(source: "", id: "25")])))
                ]))
        #expect(
            try WooCommerceWebhook.outcome(topic: "coupon.created", body: Data("{}".utf8), deliveryID: "w4", at: 0)
                == .ignored(topic: "coupon.created"))
    }

    @Test func genericEventsInTheNDJSONShape() throws {
        let body = Data(
            #"{"id":"e1","type":"order.placed","source":"pos","at":"2024-03-01T10:00:00Z","order":{"id":"1001","customer":{"id":"c7"},"currency":"EUR","total":"25.00"}}"#
                .utf8)
        let event = try GenericWebhook.event(source: "pos", body: body)
        #expect(event.id == "e1" && event.type == .orderPlaced)
        #expect {
            _ = try GenericWebhook.event(source: "web", body: body)
        } throws: { ($0 as? WebhookPayloadError)?.detail == "the event's source 'pos' is not this endpoint's 'web'" }
        #expect(throws: WebhookPayloadError.self) { _ = try GenericWebhook.event(source: "pos", body: Data("{}".utf8)) }
    }
}
