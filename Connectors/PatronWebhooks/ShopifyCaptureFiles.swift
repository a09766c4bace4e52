import Foundation
import PatronCore

/// Shopify webhook deliveries kept as files — a capture of each request as
/// `{"headers": {…}, "body": {…}}`, as a webhook relay records them — as a ``SourceConnector``:
/// the receiver's mapping (``ShopifyWebhook``), for replaying a relay's log into a store and
/// for the source conformance kit. The delivery id is `X-Shopify-Event-Id`, else
/// `X-Shopify-Webhook-Id`; the time `X-Shopify-Triggered-At`, else 0. Topics Patron does not
/// act on and privacy requests yield nothing here (the receiver handles those).
public struct ShopifyCaptureFiles: SourceConnector {
    public let source = ShopifyWebhook.source
    public let paths: [String]

    public init(paths: [String]) { self.paths = paths }

    public func events() -> AsyncThrowingStream<IngestEvent, any Error> {
        let paths = paths
        return AsyncThrowingStream { continuation in
            do {
                for path in paths {
                    for event in try Self.events(at: path) { continuation.yield(event) }
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
    }

    static func events(at path: String) throws -> [IngestEvent] {
        let location = InputLocation(file: path)
        guard let data = FileManager.default.contents(atPath: path),
            let capture = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { throw PatronError(.invalidValue, "not a capture ({\"headers\": …, \"body\": …})", at: location) }
        let headers = Dictionary(
            ((capture["headers"] as? [String: Any]) ?? [:]).compactMap { key, value in
                (value as? String).map { (key.lowercased(), $0) }
            }, uniquingKeysWith: { first, _ in first })
        guard let topic = headers["x-shopify-topic"], let body = capture["body"],
            let delivery = headers["x-shopify-event-id"] ?? headers["x-shopify-webhook-id"],
            let bytes = try? JSONSerialization.data(withJSONObject: body)
        else {
            throw PatronError(
                .invalidValue, "the capture has no X-Shopify-Topic, delivery id or body", at: location)
        }
        let at = headers["x-shopify-triggered-at"].flatMap(Self.instant) ?? 0
        do {
            guard
                case .events(let events) = try ShopifyWebhook.outcome(
                    topic: topic, body: bytes, deliveryID: "shopify:\(delivery)", at: at)
            else { return [] }
            return events.map { event in
                var located = event
                located.origin = location
                return located
            }
        } catch {
            throw PatronError(.invalidValue, error.description, at: location)
        }
    }

    /// RFC 3339, with Shopify's nanoseconds dropped.
    static func instant(_ text: String) -> Int64? {
        if let seconds = Timestamp.parse(text) { return seconds }
        guard let dot = text.firstIndex(of: "."),
            let end = text[dot...].firstIndex(where: { $0 == "Z" || $0 == "+" || $0 == "-" })
        else { return nil }
        return Timestamp.parse(String(text[..<dot] + text[end...]))
    }
}
