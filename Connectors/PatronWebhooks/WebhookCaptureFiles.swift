import Foundation
import PatronCore

/// Webhook deliveries kept as files — a capture of each request as `{"headers": {…}, "body":
/// {…}}`, as a webhook relay records them — as a ``SourceConnector`` through a receiver's own
/// mapping: for replaying a relay's log into a store, and for the source conformance kit.
/// Topics Patron does not act on (and privacy requests, which the receivers handle) yield
/// nothing. Errors name the capture file.
public struct WebhookCaptureFiles: SourceConnector {
    /// What one capture becomes: its headers (lower-cased names) and body bytes in, events out.
    public typealias Mapping = @Sendable (_ headers: [String: String], _ body: Data) throws -> [IngestEvent]

    public let source: String
    public let paths: [String]
    let mapping: Mapping

    public init(source: String, paths: [String], mapping: @escaping Mapping) {
        self.source = source
        self.paths = paths
        self.mapping = mapping
    }

    /// Shopify's captures through ``ShopifyWebhook``: the delivery id is `X-Shopify-Event-Id`,
    /// else `X-Shopify-Webhook-Id`; the time `X-Shopify-Triggered-At`, else 0.
    public static func shopify(paths: [String]) -> WebhookCaptureFiles {
        WebhookCaptureFiles(source: ShopifyWebhook.source, paths: paths) { headers, body in
            guard let topic = headers["x-shopify-topic"],
                let delivery = headers["x-shopify-event-id"] ?? headers["x-shopify-webhook-id"]
            else { throw CaptureError("the capture has no X-Shopify-Topic or delivery id") }
            let at = headers["x-shopify-triggered-at"].flatMap(ShopifyWebhook.triggeredAt) ?? 0
            guard
                case .events(let events) = try ShopifyWebhook.outcome(
                    topic: topic, body: body, deliveryID: "shopify:\(delivery)", at: at)
            else { return [] }
            return events
        }
    }

    /// WooCommerce's captures through ``WooCommerceWebhook``: the delivery id is
    /// `X-WC-Webhook-Delivery-ID`; WooCommerce sends no time, so the resource's
    /// `date_modified_gmt` stands for it (else 0).
    public static func wooCommerce(paths: [String]) -> WebhookCaptureFiles {
        WebhookCaptureFiles(source: WooCommerceWebhook.source, paths: paths) { headers, body in
            guard let topic = headers["x-wc-webhook-topic"], let delivery = headers["x-wc-webhook-delivery-id"] else {
                throw CaptureError("the capture has no X-WC-Webhook-Topic or X-WC-Webhook-Delivery-ID")
            }
            let modified = (try? JSONSerialization.jsonObject(with: body) as? [String: Any])?["date_modified_gmt"]
            let at = (modified as? String).flatMap { Timestamp.parse($0 + "Z") } ?? 0
            guard
                case .events(let events) = try WooCommerceWebhook.outcome(
                    topic: topic, body: body, deliveryID: "woocommerce:\(delivery)", at: at)
            else { return [] }
            return events
        }
    }

    public func events() -> AsyncThrowingStream<IngestEvent, any Error> {
        let (paths, mapping) = (paths, mapping)
        return AsyncThrowingStream { continuation in
            do {
                for path in paths {
                    for event in try Self.events(at: path, mapping: mapping) { continuation.yield(event) }
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
    }

    static func events(at path: String, mapping: Mapping) throws -> [IngestEvent] {
        let location = InputLocation(file: path)
        guard let data = FileManager.default.contents(atPath: path),
            let capture = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let body = capture["body"], let bytes = try? JSONSerialization.data(withJSONObject: body)
        else { throw PatronError(.invalidValue, "not a capture ({\"headers\": …, \"body\": …})", at: location) }
        let headers = Dictionary(
            ((capture["headers"] as? [String: Any]) ?? [:]).compactMap { key, value in
                (value as? String).map { (key.lowercased(), $0) }
            }, uniquingKeysWith: { first, _ in first })
        do {
            return try mapping(headers, bytes).map { event in
                var located = event
                located.origin = location
                return located
            }
        } catch let error as PatronError {
            throw error.located(location)
        } catch {
            throw PatronError(.invalidValue, "\(error)", at: location)
        }
    }

    struct CaptureError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
