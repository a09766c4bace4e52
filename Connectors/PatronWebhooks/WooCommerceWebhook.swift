import Foundation
import PatronCore

/// WooCommerce's webhook topics as ingest events. The payload of an order or customer topic is
/// the REST API's resource (v3); a `*.deleted` topic carries only `{"id": N}`.
public enum WooCommerceWebhook {
    public static let source = "woocommerce"

    /// Maps one delivery; `deliveryID` is `X-WC-Webhook-Delivery-ID`, `at` the receipt time.
    public static func outcome(topic: String, body: Data, deliveryID: String, at: Int64) throws(WebhookPayloadError)
        -> WebhookOutcome
    {
        let delivery = WebhookDelivery(source: source, topic: topic, body: body, id: deliveryID, at: at)
        func decode<T: Decodable>(_ type: T.Type) throws(WebhookPayloadError) -> T { try delivery.decode(T.self) }
        func event(_ suffix: String, _ kind: IngestEvent.Kind) -> IngestEvent { delivery.event(suffix, kind) }
        switch topic {
        case "order.created", "order.updated", "order.restored":
            let order = try decode(Order.self)
            let data = try order.data(topic: topic)
            var events = [event("order", topic == "order.created" ? .orderPlaced(data) : .orderUpdated(data))]
            if ["cancelled", "failed"].contains(order.status) {
                events.append(event("cancel", .orderCancelled(orderRef: data.ref)))
            }
            return .events(events)
        case "customer.created", "customer.updated":
            let customer = try decode(Customer.self)
            guard customer.email?.isEmpty == false || customer.billing?.phone?.isEmpty == false else {
                throw WebhookPayloadError(topic: topic, detail: "the customer has neither email nor phone")
            }
            return .events([
                event(
                    "customer",
                    .customerUpserted(
                        CustomerUpsert(
                            identity: customer.identity, firstName: customer.first_name, lastName: customer.last_name,
                            country: customer.billing?.country,
                            createdAt: customer.date_created_gmt.flatMap { Timestamp.parse($0 + "Z") })))
            ])
        case "customer.deleted":
            let deleted = try decode(Deleted.self)
            return .events([
                event(
                    "erase", .customerErased(CustomerIdentity(refs: [ExternalRef(source: "", id: String(deleted.id))])))
            ])
        case "product.created", "product.updated", "product.restored":
            var product = try decode(Product.self).data()
            // A deletion's body has no time: it is stamped when received. A restore is stamped
            // the same way, so that it is compared with the deletion on one clock.
            if topic == "product.restored" { product.updatedAt = nil }
            return .events([event("product", .productUpdated(product))])
        case "product.deleted":
            return .events([event("product", .productDeleted(productRef: String(try decode(Deleted.self).id)))])
        default:
            return .ignored(topic: topic)
        }
    }

    struct Billing: Decodable {
        var email: String?
        var phone: String?
        var country: String?
    }

    struct Customer: Decodable {
        var id: Int64
        var email: String?
        var first_name: String?
        var last_name: String?
        var date_created_gmt: String?
        var billing: Billing?

        var identity: CustomerIdentity {
            CustomerIdentity(
                refs: [ExternalRef(source: "", id: String(id))], email: email ?? billing?.email, phone: billing?.phone)
        }
    }

    struct Deleted: Decodable {
        var id: Int64
    }

    struct LineItem: Decodable {
        var name: String?
        var sku: String?
        var product_id: Int64?
        var quantity: Int
        var subtotal: String?
    }

    struct Order: Decodable {
        var id: Int64
        var status: String
        var currency: String
        var total: String
        var date_created_gmt: String
        var customer_id: Int64
        var billing: Billing?
        var line_items: [LineItem]
        /// Coupons used at checkout: one that is a Patron referral code is the order's.
        var coupon_lines: [ShopifyWebhook.Order.Code]?

        func data(topic: String) throws(WebhookPayloadError) -> OrderData {
            let currency = try ShopifyWebhook.currency(currency, topic: topic)
            // WooCommerce's *_gmt times are UTC without an offset.
            guard let placedAt = Timestamp.parse(date_created_gmt + "Z") else {
                throw WebhookPayloadError(
                    topic: topic, detail: "field 'date_created_gmt': '\(date_created_gmt)' is not a date")
            }
            let identity = CustomerIdentity(
                refs: customer_id > 0 ? [ExternalRef(source: "", id: String(customer_id))] : [],
                email: billing?.email.flatMap { $0.isEmpty ? nil : $0 },
                phone: billing?.phone.flatMap { $0.isEmpty ? nil : $0 })
            guard !identity.refs.isEmpty || identity.email != nil || identity.phone != nil else {
                throw WebhookPayloadError(
                    topic: topic, detail: "the order names no customer (no customer_id, email or phone)")
            }
            var lines: [OrderLine] = []
            for (index, item) in line_items.enumerated() where item.quantity > 0 {
                // The line's subtotal is an exact decimal string (its price is a float: not read).
                let subtotal = try ShopifyWebhook.amount(
                    item.subtotal ?? "0", currency, topic: topic, field: "line_items.\(index).subtotal")
                lines.append(
                    OrderLine(
                        sku: item.sku.flatMap { $0.isEmpty ? nil : $0 } ?? item.product_id.map(String.init) ?? "",
                        name: item.name, quantity: item.quantity, unitPriceMinor: subtotal / Int64(item.quantity)))
            }
            return OrderData(
                ref: String(id), customer: identity, placedAt: placedAt, currency: currency,
                totalMinor: try ShopifyWebhook.amount(total, currency, topic: topic, field: "total"), lines: lines,
                referralCode: coupon_lines?.lazy.compactMap(\.code).first { ReferralCode.customer(fromCode: $0) != nil }
            )
        }
    }
}

/// Events already in Patron's NDJSON shape (docs/ndjson.md), posted one per request to
/// `/webhooks/generic/{source}` with a timestamped signature.
public enum GenericWebhook {
    /// The event in `body`; its `source` must be the endpoint's.
    public static func event(source: String, body: Data) throws(WebhookPayloadError) -> IngestEvent {
        let text = String(decoding: body, as: UTF8.self)
        let event: IngestEvent
        do {
            event = try NDJSONCodec.decode(line: text, at: InputLocation(file: "body"))
        } catch {
            throw WebhookPayloadError(topic: "generic/\(source)", detail: error.description)
        }
        guard event.source == source else {
            throw WebhookPayloadError(
                topic: "generic/\(source)",
                detail: "the event's source '\(event.source)' is not this endpoint's '\(source)'")
        }
        return event
    }
}
