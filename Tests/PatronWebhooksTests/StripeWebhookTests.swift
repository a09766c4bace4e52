import Foundation
import PatronCore
import PatronTestKit
import PatronWebhooks
import Testing

/// Stripe's events, from the four real deliveries in ../shared/fixtures/stripe/hookdeck (their
/// bodies re-serialised by the capture, so their signatures cannot be checked here; Stripe's
/// scheme is checked with secrets of our own).
@Suite struct StripeWebhookTests {
    init() { TestChannels.register() }

    /// A captured delivery's `Stripe-Signature` and body, with `edit` applied to the event.
    static func delivery(_ name: String, edit: (inout [String: Any]) -> Void = { _ in }) throws -> (
        signature: String, body: Data
    )? {
        guard let path = Shared.path("fixtures/stripe/hookdeck/\(name).json") else { return nil }
        let object =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        var event = object["body"] as! [String: Any]
        edit(&event)
        let headers = object["headers"] as! [String: String]
        return (headers["stripe-signature"]!, try JSONSerialization.data(withJSONObject: event))
    }

    /// Sets `data.object[key]`.
    static func set(_ key: String, _ value: Any?) -> (inout [String: Any]) -> Void {
        { event in
            var data = event["data"] as! [String: Any]
            var object = data["object"] as! [String: Any]
            object[key] = value ?? NSNull()
            data["object"] = object
            event["data"] = data
        }
    }

    static func events(_ body: Data) throws -> [IngestEvent] {
        guard case .events(let events) = try StripeWebhook.outcome(body: body) else {
            Issue.record("not events")
            return []
        }
        return events
    }

    @Test func aCustomerIsTheStripeCustomer() throws {
        guard let (_, body) = try Self.delivery("customer.created") else { return }
        let events = try Self.events(body)
        #expect(events.map(\.id) == ["stripe:evt_1MhUT6E0b6fckueSqWR0Bec4:customer"])
        #expect(events.first?.source == "stripe" && events.first?.occurredAt == 1_677_833_998)
        guard case .customerUpserted(let upsert) = events.first?.kind else {
            Issue.record("not an upsert: \(events)")
            return
        }
        #expect(upsert.identity.refs == [ExternalRef(source: "", id: "cus_NSPHp4fOlXGw8P")])
        #expect(upsert.identity.email == "hook@me.com" && upsert.identity.phone == nil)
        #expect(upsert.firstName == "Martin" && upsert.lastName == nil && upsert.country == "CM")
        #expect(upsert.createdAt == 1_677_833_998)
        guard let (_, updated) = try Self.delivery("customer.updated") else { return }
        #expect(try Self.events(updated).map(\.id) == ["stripe:evt_1MhUT6E0b6fckueSfmuGgXWq:customer"])
    }

    @Test func aFreeTrialIsNoOrderButAPaidPurchaseIsOneOrderWhicheverEventsTellOfIt() throws {
        // The captures are a subscription's free trial: checkout and invoice both of 0.
        guard let (_, trialCheckout) = try Self.delivery("checkout.session.completed"),
            let (_, trialInvoice) = try Self.delivery("invoice.paid")
        else { return }
        for body in [trialCheckout, trialInvoice] {
            let events = try Self.events(body)
            #expect(events.count == 1, "\(events)")
            guard case .customerUpserted = events.first?.kind else {
                Issue.record("expected only the customer: \(events)")
                continue
            }
        }
        // The same purchase, paid: the session made the invoice, so both are the invoice's order.
        guard let (_, checkout) = try Self.delivery("checkout.session.completed", edit: Self.set("amount_total", 7700)),
            let (_, invoice) = try Self.delivery("invoice.paid", edit: Self.set("amount_paid", 7700))
        else { return }
        let store = InMemoryStore()
        let report = try Ingestor(store: store).ingest(try Self.events(checkout) + Self.events(invoice))
        #expect(report.appliedCount == 4)
        let orders = store.allOrders()
        #expect(orders.map(\.ref.id) == ["in_1MhUT5E0b6fckueSfPlY05Fw"], "\(orders)")
        #expect(orders.first?.totalMinor == 7700 && orders.first?.currency == .usd)
        #expect(store.allCustomers().count == 1)
        // The invoice's order line: its price, description and quantity.
        guard case .orderPlaced(let placed) = try Self.events(invoice).last?.kind else {
            Issue.record("no order")
            return
        }
        #expect(
            placed.lines == [
                OrderLine(
                    sku: "price_1M3wjkE0b6fckueSKPgfRMSG", name: "Trial period for Meetin Grande", quantity: 11,
                    unitPriceMinor: 0)
            ])
        // A refund of the invoice's charge.
        let refund = Data(
            #"{"id":"evt_refund","type":"charge.refunded","created":1677900000,"data":{"object":{"id":"ch_1","object":"charge","currency":"usd","amount_refunded":2000,"invoice":"in_1MhUT5E0b6fckueSfPlY05Fw","payment_intent":"pi_1"}}}"#
                .utf8)
        try Ingestor(store: store).ingest(try Self.events(refund))
        #expect(store.allOrders().first?.refundedMinor == 2000)
    }

    @Test func otherTypesAndUnpaidSessionsAreIgnoredAndBadPayloadsNamed() throws {
        let other = Data(#"{"id":"evt_x","type":"payout.paid","created":1,"data":{"object":{}}}"#.utf8)
        #expect(try StripeWebhook.outcome(body: other) == .ignored(topic: "payout.paid"))
        guard
            let (_, unpaid) = try Self.delivery(
                "checkout.session.completed", edit: Self.set("payment_status", "unpaid"))
        else { return }
        #expect(try StripeWebhook.outcome(body: unpaid) == .ignored(topic: "checkout.session.completed (unpaid)"))
        let noID = Data(#"{"id":"evt_y","type":"customer.created","created":1,"data":{"object":{"email":"a@x"}}}"#.utf8)
        #expect(throws: WebhookPayloadError.self) { try StripeWebhook.outcome(body: noID) }
        do {
            _ = try StripeWebhook.outcome(body: noID)
        } catch {
            #expect(error.description.contains("data.object.id"), "\(error)")
        }
        let badCurrency = Data(
            #"{"id":"evt_z","type":"charge.refunded","created":1,"data":{"object":{"id":"ch","currency":"xyz","amount_refunded":1,"invoice":"in_1"}}}"#
                .utf8)
        #expect(throws: WebhookPayloadError.self) { try StripeWebhook.outcome(body: badCurrency) }
        #expect(throws: WebhookPayloadError.self) { try StripeWebhook.outcome(body: Data("not json".utf8)) }
    }

    @Test func stripeSignaturesAsStripeChecksThem() throws {
        guard let (captured, body) = try Self.delivery("customer.created") else { return }
        // The captured header parses (t, v1, and a v0 that is ignored); our secret is not theirs.
        do {
            try WebhookSignature.verifyTimestamped(
                body: body, header: captured, secrets: ["whsec_ours"], now: 1_677_834_000)
            Issue.record("a signature of someone else's secret was accepted")
        } catch {
            #expect(error.reason == .mismatch, "\(error)")
        }
        // Signed with a secret of ours: any v1 may match, secrets rotate, stale is refused.
        let now: Int64 = 1_700_000_000
        let old = WebhookSignature.timestampedHeader(body: body, secret: "whsec_old", timestamp: now)
        let new = WebhookSignature.timestampedHeader(body: body, secret: "whsec_new", timestamp: now)
        let both = old + "," + new.split(separator: ",")[1] + ",v0=c628ab28"
        try WebhookSignature.verifyTimestamped(body: body, header: both, secrets: ["whsec_new"], now: now + 299)
        try WebhookSignature.verifyTimestamped(body: body, header: old, secrets: ["whsec_new", "whsec_old"], now: now)
        #expect(throws: WebhookSignatureError.self) {
            try WebhookSignature.verifyTimestamped(body: body, header: new, secrets: ["whsec_new"], now: now + 301)
        }
        var tampered = body
        tampered[tampered.count - 2] ^= 1
        #expect(throws: WebhookSignatureError.self) {
            try WebhookSignature.verifyTimestamped(body: tampered, header: new, secrets: ["whsec_new"], now: now)
        }
    }

    /// The same mapping as a source, over event files: the source conformance kit's contract.
    @Test func stripeEventFilesKeepTheSourceContract() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("stripe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var paths: [String] = []
        for (name, edit) in [
            ("customer.created", Self.set("id", "cus_NSPHp4fOlXGw8P")),
            ("customer.updated", Self.set("id", "cus_NSPHp4fOlXGw8P")),
            ("checkout.session.completed", Self.set("amount_total", 7700)),
            ("invoice.paid", Self.set("amount_paid", 7700)),
        ] {
            guard let (_, body) = try Self.delivery(name, edit: edit) else { return }
            let path = folder.appendingPathComponent("\(name).json").path
            try body.write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        let report = try await SourceConnectorConformance.check(StripeEventFiles(paths: paths))
        #expect(report.events == 6, "\(report)")
        let broken = folder.appendingPathComponent("broken.json").path
        try Data(#"{"id":"evt","type":"invoice.paid","created":1,"data":{"object":{}}}"#.utf8)
            .write(to: URL(fileURLWithPath: broken))
        let error = try await SourceConnectorConformance.checkRejects(StripeEventFiles(paths: [paths[0], broken]))
        #expect(error.location?.file == broken && error.message.contains("data.object.id"), "\(error)")
    }
}
