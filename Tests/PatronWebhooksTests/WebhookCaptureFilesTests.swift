import Foundation
import PatronCore
import PatronTestKit
import PatronWebhooks
import Testing

/// The receivers' mappings as sources over captured deliveries: the source conformance kit's
/// contract (stable and unique ids, valid events, a replay applies nothing new), and a broken
/// capture named by its file.
@Suite struct WebhookCaptureFilesTests {
    init() { TestChannels.register() }

    static func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("captures-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Shopify's real 2024-10 captures.
    @Test func shopifysCapturedDeliveriesKeepTheSourceContract() async throws {
        guard let folder = Shared.path("fixtures/shopify/webhooks/hookdeck-2024-10") else { return }
        let paths = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".json") }
            .sorted()
            .map { folder + "/" + $0 }
        #expect(paths.count >= 15)
        let report = try await SourceConnectorConformance.check(WebhookCaptureFiles.shopify(paths: paths))
        #expect(report.events > 10, "\(report)")
        let broken = FileManager.default.temporaryDirectory.appendingPathComponent("capture-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: broken) }
        try Data(#"{"headers":{"x-shopify-topic":"orders/create","x-shopify-webhook-id":"w1"},"body":{"id":1}}"#.utf8)
            .write(to: broken)
        let error = try await SourceConnectorConformance.checkRejects(
            WebhookCaptureFiles.shopify(paths: [paths[0], broken.path]))
        #expect(error.location?.file == broken.path, "\(error)")
    }

    /// WooCommerce: its real captures (two product deliveries, which fill the catalogue, and
    /// coupons, which Patron does not act on) and the REST API v3's documented order, order
    /// update and customer, wrapped in the headers a real delivery carries.
    @Test func wooCommerceCapturesKeepTheSourceContract() async throws {
        guard let real = Shared.path("fixtures/woocommerce/webhooks/hookdeck"),
            let docs = Shared.path("fixtures/woocommerce/rest-docs-v3")
        else { return }
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var paths = try FileManager.default.contentsOfDirectory(atPath: real)
            .filter { $0.hasSuffix(".json") && $0 != "index.json" }.sorted().map { real + "/" + $0 }
        #expect(paths.count >= 5)
        let captured = try await WebhookCaptureFiles.wooCommerce(paths: paths).collect()
        #expect(captured.map(\.type) == [.productUpdated, .productUpdated], "\(captured)")
        for (index, (resource, topic)) in [
            ("customer", "customer.created"), ("order", "order.created"), ("order_updated", "order.updated"),
        ].enumerated() {
            let body = try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: "\(docs)/\(resource).json")))
            let capture: [String: Any] = [
                "headers": [
                    "X-WC-Webhook-Topic": topic, "X-WC-Webhook-Delivery-ID": "2d3f0c5e9a8b4c1d8e7f6a5b4c3d2e1\(index)",
                ],
                "body": body,
            ]
            let path = folder.appendingPathComponent("\(topic).json").path
            try JSONSerialization.data(withJSONObject: capture).write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        let source = WebhookCaptureFiles.wooCommerce(paths: paths)
        let report = try await SourceConnectorConformance.check(source)
        #expect(report.events == 5, "\(report)")
        #expect(report.ingest.applied[.orderPlaced] == 1 && report.ingest.applied[.orderUpdated] == 1)
        let events = try await source.collect().filter { $0.type != .productUpdated }
        // WooCommerce sends no time: the resource's date_modified_gmt stands for it.
        #expect(events.map(\.occurredAt) == [1_490_123_370, 1_490_210_888, 1_490_211_035])
        #expect(
            events.allSatisfy {
                $0.id.hasPrefix("woocommerce:2d3f0c5e") && $0.origin?.file?.hasPrefix(folder.path) == true
            })

        let broken = folder.appendingPathComponent("broken.json").path
        try Data(
            #"{"headers":{"x-wc-webhook-topic":"order.created","x-wc-webhook-delivery-id":"d1"},"body":{"id":5}}"#.utf8
        )
        .write(to: URL(fileURLWithPath: broken))
        let error = try await SourceConnectorConformance.checkRejects(WebhookCaptureFiles.wooCommerce(paths: [broken]))
        #expect(error.location?.file == broken && error.message.contains("order.created"), "\(error)")
    }
}
