import Foundation
import PatronCore

/// Stripe's events as ingest events. A delivery is one event object (`{"id": "evt_…", "type":
/// …, "created": …, "data": {"object": …}}`), signed with `Stripe-Signature` (Stripe's scheme,
/// ``WebhookSignature/verifyTimestamped(body:header:secrets:now:tolerance:)``); its id is the
/// delivery id, so a redelivery is applied once.
///
/// - `customer.created`, `customer.updated`: the customer (ref `cus_…`, email, phone, name,
///   country, creation time).
/// - `checkout.session.completed` (paid, or no payment required) and `invoice.paid`: an order.
///   One purchase is one order whichever events tell of it: a session that made an invoice is
///   the invoice's order, else its payment intent's, else its own; an invoice is its own order.
///   Amounts are Stripe's, already in minor units. A purchase of 0 (a free trial) is no order:
///   only the customer is taken.
/// - `charge.refunded`: the charge's order (its invoice, else its payment intent) has refunded
///   `amount_refunded` in all.
/// - Any other type is ignored (answered 200, recorded).
public enum StripeWebhook {
    /// The event source of Stripe's records.
    public static let source = "stripe"

    /// The types mapped to events; any other is ignored.
    public static let types: Set<String> = [
        "customer.created", "customer.updated", "checkout.session.completed", "invoice.paid", "charge.refunded",
    ]

    /// Maps one delivery: `body` is the raw event, already verified.
    public static func outcome(body: Data) throws(WebhookPayloadError) -> WebhookOutcome {
        let envelope = try WebhookPayloadError.decode(Envelope.self, from: body, topic: "stripe event")
        guard types.contains(envelope.type) else { return .ignored(topic: envelope.type) }
        let delivery = WebhookDelivery(
            source: source, topic: envelope.type, body: body, id: "stripe:\(envelope.id)", at: envelope.created)
        func object<T: Decodable>(_ type: T.Type) throws(WebhookPayloadError) -> T {
            try delivery.decode(Event<T>.self).data.object
        }
        func event(_ suffix: String, _ kind: IngestEvent.Kind) -> IngestEvent { delivery.event(suffix, kind) }
        switch envelope.type {
        case "customer.created", "customer.updated":
            let customer = try object(Customer.self)
            let identity = Self.identity(customer.id, email: customer.email, phone: customer.phone)
            return .events([
                event(
                    "customer",
                    Self.upsert(
                        identity, name: customer.name, country: customer.address?.country, created: customer.created))
            ])
        case "checkout.session.completed":
            let session = try object(CheckoutSession.self)
            guard ["paid", "no_payment_required"].contains(session.payment_status) else {
                return .ignored(topic: "\(envelope.type) (\(session.payment_status))")
            }
            let details = session.customer_details
            let identity = Self.identity(
                session.customer, email: details?.email ?? session.customer_email, phone: details?.phone)
            var events = [
                event("customer", Self.upsert(identity, name: details?.name, country: details?.address?.country))
            ]
            if session.amount_total > 0 {
                let order = OrderData(
                    ref: session.invoice ?? session.payment_intent ?? session.id, customer: identity,
                    placedAt: session.created, currency: try Self.currency(session.currency, envelope.type),
                    totalMinor: session.amount_total, lines: [])
                events.append(event("order", .orderPlaced(order)))
            }
            return .events(try Self.checked(events, envelope.type))
        case "invoice.paid":
            let invoice = try object(Invoice.self)
            let identity = Self.identity(invoice.customer, email: invoice.customer_email, phone: invoice.customer_phone)
            var events = [
                event(
                    "customer",
                    Self.upsert(identity, name: invoice.customer_name, country: invoice.customer_address?.country))
            ]
            if invoice.amount_paid > 0 {
                let lines = (invoice.lines?.data ?? []).map { line in
                    let quantity = max(1, line.quantity ?? 1)
                    return OrderLine(
                        sku: line.price?.id ?? line.id, name: line.description, quantity: quantity,
                        unitPriceMinor: line.amount / Int64(quantity))
                }
                let order = OrderData(
                    ref: invoice.id, customer: identity,
                    placedAt: invoice.status_transitions?.paid_at ?? invoice.created,
                    currency: try Self.currency(invoice.currency, envelope.type), totalMinor: invoice.amount_paid,
                    lines: lines)
                events.append(event("order", .orderPlaced(order)))
            }
            return .events(try Self.checked(events, envelope.type))
        case "charge.refunded":
            let charge = try object(Charge.self)
            guard let order = charge.invoice ?? charge.payment_intent else {
                throw WebhookPayloadError(
                    topic: envelope.type, detail: "the charge names neither an invoice nor a payment intent")
            }
            return .events([
                event(
                    "refund",
                    .orderRefunded(
                        RefundData(
                            orderRef: order, amountMinor: charge.amount_refunded,
                            currency: try Self.currency(charge.currency, envelope.type))))
            ])
        default:
            return .ignored(topic: envelope.type)
        }
    }

    /// A customer with neither a Stripe id nor an email nor a phone cannot be anyone.
    static func checked(_ events: [IngestEvent], _ type: String) throws(WebhookPayloadError) -> [IngestEvent] {
        guard case .customerUpserted(let upsert) = events.first?.kind, !upsert.identity.isEmpty else {
            throw WebhookPayloadError(topic: type, detail: "the customer has no id, email or phone")
        }
        return events
    }

    static func currency(_ code: String, _ type: String) throws(WebhookPayloadError) -> CurrencyCode {
        guard let currency = CurrencyCode(code) else {
            throw WebhookPayloadError(topic: type, detail: "field 'currency': unknown currency '\(code)'")
        }
        return currency
    }

    /// A Stripe customer (`cus_…`, when the object names one) with its email and phone.
    static func identity(_ id: String?, email: String?, phone: String?) -> CustomerIdentity {
        CustomerIdentity(refs: id.map { [ExternalRef(source: "", id: $0)] } ?? [], email: email, phone: phone)
    }

    /// The customer as an event: Stripe's one `name` split, the country, the creation time.
    static func upsert(_ identity: CustomerIdentity, name: String?, country: String?, created: Int64? = nil)
        -> IngestEvent.Kind
    {
        let name = split(name)
        return .customerUpserted(
            CustomerUpsert(
                identity: identity, firstName: name.first, lastName: name.last, country: country, createdAt: created))
    }

    /// Stripe keeps one `name`: the first word is taken as the first name.
    static func split(_ name: String?) -> (first: String?, last: String?) {
        guard let name = name?.trimmingCharacters(in: .whitespaces), !name.isEmpty else { return (nil, nil) }
        guard let space = name.firstIndex(of: " ") else { return (name, nil) }
        return (String(name[..<space]), String(name[name.index(after: space)...]).trimmingCharacters(in: .whitespaces))
    }

    // MARK: Stripe's objects, as far as Patron reads them

    struct Envelope: Decodable {
        var id: String
        var type: String
        var created: Int64
    }

    struct Event<Object: Decodable>: Decodable {
        struct Payload: Decodable { var object: Object }
        var data: Payload
    }

    struct Address: Decodable {
        var country: String?
    }

    struct Customer: Decodable {
        var id: String
        var email: String?
        var phone: String?
        var name: String?
        var address: Address?
        var created: Int64?
    }

    struct CustomerDetails: Decodable {
        var email: String?
        var phone: String?
        var name: String?
        var address: Address?
    }

    struct CheckoutSession: Decodable {
        var id: String
        var created: Int64
        var currency: String
        var amount_total: Int64
        var payment_status: String
        var customer: String?
        var customer_email: String?
        var customer_details: CustomerDetails?
        var invoice: String?
        var payment_intent: String?
    }

    struct Price: Decodable {
        var id: String
    }

    struct InvoiceLine: Decodable {
        var id: String
        var amount: Int64
        var description: String?
        var quantity: Int?
        var price: Price?
    }

    struct Lines: Decodable {
        var data: [InvoiceLine]
    }

    struct StatusTransitions: Decodable {
        var paid_at: Int64?
    }

    struct Invoice: Decodable {
        var id: String
        var created: Int64
        var currency: String
        var amount_paid: Int64
        var customer: String?
        var customer_email: String?
        var customer_phone: String?
        var customer_name: String?
        var customer_address: Address?
        var lines: Lines?
        var status_transitions: StatusTransitions?
    }

    struct Charge: Decodable {
        var id: String
        var currency: String
        var amount_refunded: Int64
        var invoice: String?
        var payment_intent: String?
    }
}

/// Stripe events kept as files (one event object each, as `stripe events list` or a webhook
/// capture gives them) as a ``SourceConnector``: the same mapping as the webhook receiver, for
/// backfills and for the source conformance kit. Ignored types yield nothing; a payload Patron
/// cannot read is a ``PatronError`` naming the file.
public struct StripeEventFiles: SourceConnector {
    public let source = StripeWebhook.source
    public let paths: [String]

    public init(paths: [String]) { self.paths = paths }

    public func events() -> AsyncThrowingStream<IngestEvent, any Error> {
        let paths = paths
        return AsyncThrowingStream { continuation in
            do {
                for path in paths {
                    let location = InputLocation(file: path)
                    guard let body = FileManager.default.contents(atPath: path) else {
                        throw PatronError(.io, "cannot read the event file", at: location)
                    }
                    let outcome: WebhookOutcome
                    do {
                        outcome = try StripeWebhook.outcome(body: body)
                    } catch {
                        throw PatronError(.invalidValue, "\(error)", at: location)
                    }
                    if case .events(let events) = outcome { for event in events { continuation.yield(event) } }
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
    }
}
