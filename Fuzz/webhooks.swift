import Foundation
import PatronCore
import PatronWebhooks

/// The webhook payload decoders (Shopify, WooCommerce, Stripe): the input's first line names
/// the connector and the topic (`shopify orders/create`), the rest is the body. Any body is
/// refused with a `WebhookPayloadError`, ignored, or mapped to events that the NDJSON codec can
/// write; none crashes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let newline = bytes.firstIndex(of: 10) ?? size
    let head = String(decoding: bytes[..<newline], as: UTF8.self).split(separator: " ").map(String.init)
    let body = Data(bytes[Swift.min(newline + 1, size)...])
    let (connector, topic) = (head.first ?? "", head.count > 1 ? head[1] : "")
    let outcome: WebhookOutcome?
    switch connector {
    case "shopify":
        outcome = try? ShopifyWebhook.outcome(
            topic: topic, body: body, deliveryID: "fuzz", at: 1_700_000_000, shopDomain: "shop.example")
    case "woocommerce":
        outcome = try? WooCommerceWebhook.outcome(topic: topic, body: body, deliveryID: "fuzz", at: 1_700_000_000)
    case "stripe":
        outcome = try? StripeWebhook.outcome(body: body)
    default:
        _ = ShopifyWebhook.triggeredAt(String(decoding: body, as: UTF8.self))
        outcome = nil
    }
    if case .events(let events)? = outcome {
        for event in events {
            precondition(!event.id.isEmpty, "an event without an id from \(connector) \(topic)")
            _ = NDJSONCodec.encode(event)
        }
    }
    return 0
}
