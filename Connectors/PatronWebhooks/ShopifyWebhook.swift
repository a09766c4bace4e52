import Foundation
import PatronCore

/// What a webhook delivery comes to: the events to apply, or why it applies nothing.
public enum WebhookOutcome: Hashable, Sendable {
    /// Events to apply in one transaction (their ids are the delivery's id plus a suffix, so a
    /// redelivery is applied once).
    case events([IngestEvent])
    /// A topic Patron does not act on (answered 200 and recorded as ignored).
    case ignored(topic: String)
    /// A data request (Shopify `customers/data_request`): the person's data is to be gathered
    /// for the shop; `request` is the shop's request id.
    case dataRequest(CustomerIdentity, request: String, shop: String)
    /// A shop's redaction (Shopify `shop/redact`, 48 hours after the app is uninstalled): every
    /// customer the shop sent is to be erased.
    case shopRedact(shop: String)
}

/// A payload of the right JSON but the wrong shape: the receiver answers 400 with this text.
public struct WebhookPayloadError: Error, Hashable, Sendable, CustomStringConvertible {
    public var topic: String
    public var detail: String
    public var description: String { "\(topic): \(detail)" }
}

/// One delivery being mapped: its payload decoded with errors naming the field, and its events
/// given ids derived from the delivery id (so a redelivery is a duplicate).
struct WebhookDelivery {
    var source: String
    var topic: String
    var body: Data
    var id: String
    var at: Int64

    func decode<T: Decodable>(_ type: T.Type) throws(WebhookPayloadError) -> T {
        try WebhookPayloadError.decode(T.self, from: body, topic: topic)
    }

    func event(_ suffix: String, _ kind: IngestEvent.Kind) -> IngestEvent {
        IngestEvent(id: "\(id):\(suffix)", source: source, occurredAt: at, kind: kind)
    }
}

extension WebhookPayloadError {
    /// Decodes a payload, turning a decoding failure into an error that names the field.
    static func decode<T: Decodable>(_ type: T.Type, from body: Data, topic: String) throws(WebhookPayloadError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: body)
        } catch let DecodingError.keyNotFound(key, context) {
            throw WebhookPayloadError(topic: topic, detail: "missing field '\(ShopifyWebhook.path(context, key))'")
        } catch let DecodingError.typeMismatch(_, context) {
            throw WebhookPayloadError(
                topic: topic, detail: "field '\(ShopifyWebhook.path(context))' has the wrong type")
        } catch let DecodingError.valueNotFound(_, context) {
            throw WebhookPayloadError(topic: topic, detail: "field '\(ShopifyWebhook.path(context))' is null")
        } catch {
            throw WebhookPayloadError(topic: topic, detail: "not valid JSON")
        }
    }
}

/// Shopify's webhook topics as ingest events. Ids are decoded as 64-bit integers, never through
/// `Double` (Shopify's ids pass 2^53). Amounts are decimal strings in the shop's currency.
public enum ShopifyWebhook {
    /// `X-Shopify-Triggered-At` (`2024-08-07T22:57:57.290670248Z`: RFC 3339 with nanoseconds,
    /// which are dropped) as epoch seconds.
    public static func triggeredAt(_ text: String) -> Int64? {
        if let seconds = Timestamp.parse(text) { return seconds }
        guard let dot = text.firstIndex(of: "."),
            let end = text[dot...].firstIndex(where: { $0 == "Z" || $0 == "+" || $0 == "-" })
        else { return nil }
        return Timestamp.parse(String(text[..<dot] + text[end...]))
    }

    /// The event source of Shopify's records (the CSV import of Shopify exports uses it too).
    public static let source = "shopify"

    /// Maps one delivery. `deliveryID` is `X-Shopify-Event-Id`, else `X-Shopify-Webhook-Id`;
    /// `at` is `X-Shopify-Triggered-At` (or the receipt time) as epoch seconds; `shopDomain`
    /// (`X-Shopify-Shop-Domain`) makes product page URLs.
    public static func outcome(
        topic: String, body: Data, deliveryID: String, at: Int64, shopDomain: String? = nil
    ) throws(WebhookPayloadError) -> WebhookOutcome {
        let delivery = WebhookDelivery(source: source, topic: topic, body: body, id: deliveryID, at: at)
        func decode<T: Decodable>(_ type: T.Type) throws(WebhookPayloadError) -> T { try delivery.decode(T.self) }
        func event(_ suffix: String, _ kind: IngestEvent.Kind) -> IngestEvent { delivery.event(suffix, kind) }
        switch topic {
        case "orders/create", "orders/updated", "orders/paid", "orders/cancelled":
            let order = try decode(Order.self)
            let data = try order.data(topic: topic)
            var events = [event("order", topic == "orders/create" ? .orderPlaced(data) : .orderUpdated(data))]
            if order.cancelled_at != nil { events.append(event("cancel", .orderCancelled(orderRef: data.ref))) }
            return .events(events)
        case "customers/create", "customers/update":
            let customer = try decode(Customer.self)
            let identity = customer.identity
            var events = [
                event(
                    "customer",
                    .customerUpserted(
                        CustomerUpsert(
                            identity: identity, firstName: customer.first_name, lastName: customer.last_name,
                            country: customer.default_address?.country_code,
                            tags: customer.tags.map {
                                $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                                    .filter { !$0.isEmpty }
                            },
                            createdAt: customer.created_at.flatMap(Timestamp.parse))))
            ]
            events += customer.consentEvents(identity, event)
            return .events(events)
        case "customers/marketing_consent_update", "customers_marketing_consent/update",
            "customers_email_marketing_consent/update":
            let customer = try decode(Customer.self)
            return .events(customer.consentEvents(customer.identity, event))
        case "customers/delete", "customers/redact":
            let customer = try decode(RedactedCustomer.self)
            guard let id = customer.customer?.id ?? customer.id else {
                throw WebhookPayloadError(topic: topic, detail: "missing field 'customer.id'")
            }
            let identity = CustomerIdentity(
                refs: [ExternalRef(source: "", id: String(id))], email: customer.customer?.email,
                phone: customer.customer?.phone)
            return .events([event("erase", .customerErased(identity))])
        case "customers/data_request":
            let request = try decode(DataRequest.self)
            guard let id = request.customer?.id else {
                throw WebhookPayloadError(topic: topic, detail: "missing field 'customer.id'")
            }
            return .dataRequest(
                CustomerIdentity(
                    refs: [ExternalRef(source: source, id: String(id))], email: request.customer?.email,
                    phone: request.customer?.phone),
                request: request.data_request?.id.map(String.init) ?? deliveryID, shop: request.shop_domain ?? "")
        case "shop/redact":
            let request = try decode(DataRequest.self)
            guard let shop = request.shop_domain ?? request.shop_id.map(String.init) else {
                throw WebhookPayloadError(topic: topic, detail: "missing field 'shop_domain'")
            }
            return .shopRedact(shop: shop)
        case "checkouts/create", "checkouts/update":
            let checkout = try decode(Checkout.self)
            guard let cart = try checkout.cart(topic: topic) else { return .ignored(topic: topic + " (no customer)") }
            return .events([event("cart", .cartUpdated(cart))])
        case "refunds/create":
            let refund = try decode(Refund.self)
            let amount = try refund.amount(topic: topic)
            guard amount.minor > 0 else { return .ignored(topic: topic + " (nothing refunded)") }
            return .events([
                event(
                    "refund",
                    .orderRefunded(
                        RefundData(
                            orderRef: String(refund.order_id), amountMinor: amount.minor, currency: amount.currency)))
            ])
        case "products/create", "products/update":
            let product = try decode(Product.self)
            return .events([event("product", .productUpdated(try product.data(topic: topic, shopDomain: shopDomain)))])
        case "products/delete":
            return .events([event("product", .productDeleted(productRef: String(try decode(DeletedProduct.self).id)))])
        default:
            return .ignored(topic: topic)
        }
    }

    static func path(_ context: DecodingError.Context, _ key: CodingKey? = nil) -> String {
        (context.codingPath + (key.map { [$0] } ?? [])).map { $0.intValue.map(String.init) ?? $0.stringValue }
            .joined(separator: ".")
    }

    static func amount(_ text: String, _ currency: CurrencyCode, topic: String, field: String)
        throws(WebhookPayloadError)
        -> Int64
    {
        do {
            return try Money.parseMinorUnits(text, digits: currency.minorUnitDigits)
        } catch {
            throw WebhookPayloadError(topic: topic, detail: "field '\(field)': '\(text)' is not an amount")
        }
    }

    static func currency(_ code: String, topic: String) throws(WebhookPayloadError) -> CurrencyCode {
        guard let currency = CurrencyCode(code) else {
            throw WebhookPayloadError(topic: topic, detail: "field 'currency': '\(code)' is not an ISO 4217 currency")
        }
        return currency
    }

    // MARK: Payload shapes (the fields Patron reads)

    struct Address: Decodable {
        var country_code: String?
    }

    struct Consent: Decodable {
        var state: String?
    }

    struct Customer: Decodable {
        var id: Int64
        var email: String?
        var phone: String?
        var first_name: String?
        var last_name: String?
        var tags: String?
        var created_at: String?
        var default_address: Address?
        var email_marketing_consent: Consent?
        var sms_marketing_consent: Consent?

        enum Keys: String, CodingKey {
            case id, customer_id, email, email_address, phone, first_name, last_name, tags, created_at
            case default_address, email_marketing_consent, sms_marketing_consent
        }

        /// `customers_email_marketing_consent/update` names the customer `customer_id` and the
        /// address `email_address` (seen on real deliveries); the other topics say `id`, `email`.
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            if let id = try c.decodeIfPresent(Int64.self, forKey: .id) {
                self.id = id
            } else {
                self.id = try c.decode(Int64.self, forKey: .customer_id)
            }
            email =
                try c.decodeIfPresent(String.self, forKey: .email)
                ?? c.decodeIfPresent(String.self, forKey: .email_address)
            phone = try c.decodeIfPresent(String.self, forKey: .phone)
            first_name = try c.decodeIfPresent(String.self, forKey: .first_name)
            last_name = try c.decodeIfPresent(String.self, forKey: .last_name)
            tags = try c.decodeIfPresent(String.self, forKey: .tags)
            created_at = try c.decodeIfPresent(String.self, forKey: .created_at)
            default_address = try c.decodeIfPresent(Address.self, forKey: .default_address)
            email_marketing_consent = try c.decodeIfPresent(Consent.self, forKey: .email_marketing_consent)
            sms_marketing_consent = try c.decodeIfPresent(Consent.self, forKey: .sms_marketing_consent)
        }

        var identity: CustomerIdentity {
            CustomerIdentity(refs: [ExternalRef(source: "", id: String(id))], email: email, phone: phone)
        }

        func consentEvents(_ identity: CustomerIdentity, _ event: (String, IngestEvent.Kind) -> IngestEvent)
            -> [IngestEvent]
        {
            var events: [IngestEvent] = []
            for (channel, consent) in [
                (ConsentChannel.email, email_marketing_consent), (ConsentChannel("sms"), sms_marketing_consent),
            ] {
                guard let state = consent?.state?.lowercased() else { continue }
                let status: ConsentStatus? =
                    state == "subscribed" ? .granted : ["unsubscribed", "redacted"].contains(state) ? .revoked : nil
                guard let status else { continue }
                events.append(
                    event(
                        "consent-\(channel.rawValue)",
                        .consentChanged(ConsentChange(customer: identity, channel: channel, status: status))))
            }
            return events
        }
    }

    struct RedactedCustomer: Decodable {
        struct Inner: Decodable {
            var id: Int64
            var email: String?
            var phone: String?
        }
        var id: Int64?
        var customer: Inner?
    }

    /// `customers/data_request` and `shop/redact`.
    struct DataRequest: Decodable {
        struct Request: Decodable { var id: Int64? }
        var shop_id: Int64?
        var shop_domain: String?
        var customer: RedactedCustomer.Inner?
        var data_request: Request?
    }

    struct LineItem: Decodable {
        var sku: String?
        var title: String?
        var name: String?
        var quantity: Int
        var price: String
        var product_id: Int64?

        /// Order lines: the SKU, else the product id; the unit price as an exact decimal.
        static func lines(_ items: [LineItem], _ currency: CurrencyCode, topic: String) throws(WebhookPayloadError)
            -> [OrderLine]
        {
            var lines: [OrderLine] = []
            for (index, item) in items.enumerated() {
                let price = try ShopifyWebhook.amount(
                    item.price, currency, topic: topic, field: "line_items.\(index).price")
                lines.append(
                    OrderLine(
                        sku: item.sku.flatMap { $0.isEmpty ? nil : $0 } ?? item.product_id.map(String.init) ?? "",
                        name: item.name ?? item.title, quantity: item.quantity, unitPriceMinor: price))
            }
            return lines
        }
    }

    struct Order: Decodable {
        var id: Int64
        var email: String?
        var phone: String?
        var created_at: String
        var currency: String
        var total_price: String
        var cancelled_at: String?
        var cart_token: String?
        var customer: Customer?
        var line_items: [LineItem]
        /// Discount codes used at checkout: one that is a Patron referral code is the order's.
        var discount_codes: [Code]?

        struct Code: Decodable { var code: String? }

        func data(topic: String) throws(WebhookPayloadError) -> OrderData {
            let currency = try ShopifyWebhook.currency(currency, topic: topic)
            guard let placedAt = Timestamp.parse(created_at) else {
                throw WebhookPayloadError(topic: topic, detail: "field 'created_at': '\(created_at)' is not a date")
            }
            let identity = CustomerIdentity(
                refs: customer.map { [ExternalRef(source: "", id: String($0.id))] } ?? [],
                email: email ?? customer?.email, phone: phone ?? customer?.phone)
            guard !identity.refs.isEmpty || identity.email != nil || identity.phone != nil else {
                throw WebhookPayloadError(
                    topic: topic, detail: "the order names no customer (no customer, email or phone)")
            }
            let lines = try LineItem.lines(line_items, currency, topic: topic)
            return OrderData(
                ref: String(id), customer: identity, placedAt: placedAt, currency: currency,
                totalMinor: try ShopifyWebhook.amount(total_price, currency, topic: topic, field: "total_price"),
                lines: lines, cartRef: cart_token,
                referralCode: discount_codes?.lazy.compactMap(\.code).first {
                    ReferralCode.customer(fromCode: $0) != nil
                })
        }
    }

    struct Checkout: Decodable {
        var token: String?
        var cart_token: String?
        var email: String?
        var phone: String?
        var currency: String
        var total_price: String
        var completed_at: String?
        var customer: Customer?
        var line_items: [LineItem]

        func cart(topic: String) throws(WebhookPayloadError) -> CartData? {
            let identity = CustomerIdentity(
                refs: customer.map { [ExternalRef(source: "", id: String($0.id))] } ?? [],
                email: email ?? customer?.email, phone: phone ?? customer?.phone)
            guard !identity.refs.isEmpty || identity.email != nil || identity.phone != nil else { return nil }
            guard let ref = cart_token ?? token else {
                throw WebhookPayloadError(topic: topic, detail: "missing field 'cart_token' (or 'token')")
            }
            let currency = try ShopifyWebhook.currency(currency, topic: topic)
            let lines = try LineItem.lines(line_items, currency, topic: topic)
            return CartData(
                ref: ref, customer: identity, currency: currency,
                valueMinor: try ShopifyWebhook.amount(total_price, currency, topic: topic, field: "total_price"),
                lines: lines, status: completed_at == nil ? .open : .converted)
        }
    }

    struct Refund: Decodable {
        struct Transaction: Decodable {
            var kind: String?
            var status: String?
            var amount: String
            var currency: String?
        }
        var order_id: Int64
        var transactions: [Transaction]

        func amount(topic: String) throws(WebhookPayloadError) -> (minor: Int64, currency: CurrencyCode) {
            var total: Int64 = 0
            var currency: CurrencyCode?
            for (index, transaction) in transactions.enumerated()
            where transaction.kind == "refund" && (transaction.status ?? "success") == "success" {
                let code = try ShopifyWebhook.currency(transaction.currency ?? "", topic: topic)
                currency = code
                total += try ShopifyWebhook.amount(
                    transaction.amount, code, topic: topic, field: "transactions.\(index).amount")
            }
            return (total, currency ?? .usd)
        }
    }
}
