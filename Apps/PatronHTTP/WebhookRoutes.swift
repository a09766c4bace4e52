import Foundation
import Hummingbird
import Logging
import PatronAuth
import PatronCore
import PatronSMS
import PatronWebhooks

/// The secrets webhook signatures are checked against; several per receiver while one rotates.
public struct WebhookSecrets: Sendable {
    public var shopify: [String]
    public var woocommerce: [String]
    /// Stripe's endpoint secrets (`whsec_…`), for `Stripe-Signature` on `/webhooks/stripe`.
    public var stripe: [String]
    /// Per source of `/webhooks/generic/{source}`.
    public var generic: [String: [String]]
    /// Twilio auth tokens, for `X-Twilio-Signature` on `/webhooks/twilio/inbound`.
    public var twilio: [String]
    /// The public origin Twilio calls (`https://crm.shop.example`), which it signs; without it,
    /// `http://` and the request's Host.
    public var publicOrigin: String?
    /// Checks survey links (`/s/{token}`); without it the answer pages say surveys are not set up.
    public var surveyLinks: SurveyLinkSigner?

    public init(
        shopify: [String] = [], woocommerce: [String] = [], stripe: [String] = [], generic: [String: [String]] = [:],
        twilio: [String] = [], publicOrigin: String? = nil
    ) {
        self.shopify = shopify
        self.woocommerce = woocommerce
        self.stripe = stripe
        self.generic = generic
        self.twilio = twilio
        self.publicOrigin = publicOrigin
    }
}

/// The webhook receivers. Every one checks the signature over the raw bytes before parsing
/// (401 and nothing stored when it fails), refuses bodies over 1 MiB (413), answers a payload of
/// the wrong shape with 400 and a problem+json body, applies a delivery's events in one
/// transaction before answering 200 (a redelivery is applied once), and answers 200 to topics it
/// does not act on, logging them as ignored.
public struct WebhookRoutes<S: PatronStore>: Sendable {
    public static var maxBody: Int { 1 << 20 }

    let store: S
    let secrets: WebhookSecrets
    let now: @Sendable () -> Int64
    let logger: Logger
    /// Concurrent deliveries share a commit.
    let coalescer: IngestCoalescer<S>

    public init(
        store: S, secrets: WebhookSecrets, logger: Logger = Logger(label: "patron.webhooks"),
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) {
        self.store = store
        self.coalescer = IngestCoalescer(store: store)
        self.secrets = secrets
        self.logger = logger
        self.now = now
    }

    /// `POST /webhooks/shopify`, `/webhooks/woocommerce` and `/webhooks/generic/{source}`.
    var routes: [APIRoute] {
        let result = APIRoute.json("Applied, a duplicate, or a topic Patron does not act on.", "WebhookResult")
        let body: [String: Any] = [
            "required": true, "content": ["application/json": ["schema": ["type": "object"]]],
        ]
        let errors = [401: "A missing or wrong signature: nothing is stored."]
        let twilioSignature = [
            APIParameter.header(
                "X-Twilio-Signature", "Base64 HMAC-SHA1 of the URL and the sorted parameters.", required: true)
        ]
        let form: [String: Any] = [
            "required": true, "content": ["application/x-www-form-urlencoded": ["schema": ["type": "object"]]],
        ]
        return [
            APIRoute(
                method: .post, path: "/webhooks/shopify", operationID: "shopifyWebhook",
                summary: "Shopify webhooks (orders, refunds, checkouts, customers, consent, privacy topics).",
                scope: nil,
                parameters: [
                    .header("X-Shopify-Hmac-Sha256", "Base64 HMAC-SHA256 of the raw body.", required: true),
                    .header("X-Shopify-Topic", "The topic.", required: true),
                    .header("X-Shopify-Event-Id", "The event id (deduplication)."),
                    .header("X-Shopify-Webhook-Id", "The delivery id (deduplication when there is no event id)."),
                    .header("X-Shopify-Triggered-At", "When the event happened (orders updates by it)."),
                ], requestBody: body, responses: [200: result], extraErrors: errors
            ) { request, _ in await self.shopify(request) },
            APIRoute(
                method: .post, path: "/webhooks/woocommerce", operationID: "woocommerceWebhook",
                summary: "WooCommerce webhooks (orders, customers; the unsigned creation ping).", scope: nil,
                parameters: [
                    .header("X-WC-Webhook-Signature", "Base64 HMAC-SHA256 of the raw body."),
                    .header("X-WC-Webhook-Topic", "The topic."),
                    .header("X-WC-Webhook-Delivery-ID", "The delivery id (deduplication)."),
                ], requestBody: body, responses: [200: result], extraErrors: errors
            ) { request, _ in await self.woocommerce(request) },
            APIRoute(
                method: .post, path: "/webhooks/stripe", operationID: "stripeWebhook",
                summary:
                    "Stripe events (customers, paid checkout sessions and invoices, refunds); other types are ignored.",
                scope: nil,
                parameters: [
                    .header(
                        "Stripe-Signature", "t=<unix>,v1=<hex HMAC-SHA256 of \"t.body\">[,v1=…] (v0 is ignored)",
                        required: true)
                ], requestBody: body, responses: [200: result], extraErrors: errors
            ) { request, _ in await self.stripe(request) },
            APIRoute(
                method: .post, path: "/webhooks/generic/{source}", operationID: "genericWebhook",
                summary: "One event in Patron's NDJSON shape, signed Stripe-style (Patron-Signature: t=…,v1=…).",
                scope: nil,
                parameters: [
                    .path("source", "A source configured with a secret."),
                    .header("Patron-Signature", "t=<unix>,v1=<hex HMAC-SHA256 of \"t.body\">", required: true),
                ], requestBody: body, responses: [200: result], extraErrors: errors
            ) { request, call in await self.generic(request, source: call.path("source")) },
            APIRoute(
                method: .post, path: "/webhooks/twilio/inbound", operationID: "twilioInbound",
                summary:
                    "Inbound SMS from a Twilio-shaped gateway: STOP/UNSUBSCRIBE… withdraw SMS consent, START gives it, a bare score answers the sender's newest SMS survey.",
                scope: nil,
                parameters: twilioSignature, requestBody: form,
                responses: [200: ["description": "Taken (an empty TwiML answer).", "content": ["text/xml": [:]]]],
                extraErrors: errors
            ) { request, _ in await self.twilioInbound(request) },
            APIRoute(
                method: .post, path: "/webhooks/twilio/status", operationID: "twilioStatus",
                summary:
                    "Delivery receipts (status callbacks) for campaign SMS: the outbox message becomes delivered or failed.",
                scope: nil,
                parameters: twilioSignature, requestBody: form,
                responses: [204: ["description": "Recorded, or about a message Patron did not send."]],
                extraErrors: errors
            ) { request, _ in await self.twilioStatus(request) },
        ]
    }

    // MARK: Receivers

    func shopify(_ request: Request) async -> Response {
        await receive(request) { body throws(Problem) in
            try verify { () throws(WebhookSignatureError) in
                try WebhookSignature.verifyBase64(
                    body: body, header: APIResponse.header(request, "X-Shopify-Hmac-Sha256"), secrets: secrets.shopify)
            }
            guard let topic = APIResponse.header(request, "X-Shopify-Topic") else {
                throw Problem(.badRequest, "missing X-Shopify-Topic header")
            }
            guard
                let delivery = APIResponse.header(request, "X-Shopify-Event-Id")
                    ?? APIResponse.header(request, "X-Shopify-Webhook-Id")
            else { throw Problem(.badRequest, "missing X-Shopify-Event-Id and X-Shopify-Webhook-Id headers") }
            // The trigger time orders updates: an older one than the stored version is ignored.
            let at = APIResponse.header(request, "X-Shopify-Triggered-At").flatMap(ShopifyWebhook.triggeredAt) ?? now()
            let id = "shopify:\(delivery)"
            return (
                try outcome { () throws(WebhookPayloadError) in
                    try ShopifyWebhook.outcome(
                        topic: topic, body: body, deliveryID: id, at: at,
                        shopDomain: APIResponse.header(request, "X-Shopify-Shop-Domain"))
                }, id
            )
        }
    }

    func woocommerce(_ request: Request) async -> Response {
        await receive(request) { body throws(Problem) in
            // The ping when a webhook is created: form-encoded, unsigned; store nothing.
            if APIResponse.header(request, "X-WC-Webhook-Signature") == nil,
                String(decoding: body.prefix(11), as: UTF8.self) == "webhook_id="
            {
                return (.ignored(topic: "ping"), nil)
            }
            try verify { () throws(WebhookSignatureError) in
                try WebhookSignature.verifyBase64(
                    body: body, header: APIResponse.header(request, "X-WC-Webhook-Signature"),
                    secrets: secrets.woocommerce)
            }
            guard let topic = APIResponse.header(request, "X-WC-Webhook-Topic") else {
                throw Problem(.badRequest, "missing X-WC-Webhook-Topic header")
            }
            guard let delivery = APIResponse.header(request, "X-WC-Webhook-Delivery-ID") else {
                throw Problem(.badRequest, "missing X-WC-Webhook-Delivery-ID header")
            }
            let at = now()
            let id = "woocommerce:\(delivery)"
            return (
                try outcome { () throws(WebhookPayloadError) in
                    try WooCommerceWebhook.outcome(topic: topic, body: body, deliveryID: id, at: at)
                }, id
            )
        }
    }

    func stripe(_ request: Request) async -> Response {
        await receive(request) { body throws(Problem) in
            guard !secrets.stripe.isEmpty else {
                throw Problem(
                    .unauthorized,
                    "no Stripe secret is configured (PATRON_STRIPE_SECRETS / stripe.secrets): every delivery is refused"
                )
            }
            try verify { () throws(WebhookSignatureError) in
                try WebhookSignature.verifyTimestamped(
                    body: body, header: APIResponse.header(request, "Stripe-Signature"), secrets: secrets.stripe,
                    now: now())
            }
            let outcome = try outcome { () throws(WebhookPayloadError) in try StripeWebhook.outcome(body: body) }
            let id = try? JSONDecoder().decode(StripeEventID.self, from: body).id
            return (outcome, id.map { "stripe:\($0)" })
        }
    }

    /// The event id of a verified Stripe delivery (an ignored type is recorded by it).
    struct StripeEventID: Decodable { var id: String }

    func generic(_ request: Request, source: String) async -> Response {
        await receive(request) { body throws(Problem) in
            guard let keys = secrets.generic[source], !keys.isEmpty else {
                throw Problem(.notFound, "no generic source '\(source)' is configured")
            }
            try verify { () throws(WebhookSignatureError) in
                try WebhookSignature.verifyTimestamped(
                    body: body, header: APIResponse.header(request, "Patron-Signature"), secrets: keys, now: now())
            }
            let event = try outcome { () throws(WebhookPayloadError) in
                .events([try GenericWebhook.event(source: source, body: body)])
            }
            guard case .events(let events) = event, let first = events.first else { return (event, nil) }
            return (event, "\(source):\(first.id)")
        }
    }

    /// An inbound SMS: verified, then a STOP-like keyword revokes the sender's SMS consent and a
    /// START-like one grants it (each once per message sid), by the phone number.
    func twilioInbound(_ request: Request) async -> Response {
        let inbound: InboundSMS
        switch await twilioRequest(request, InboundSMS.init(fields:)) {
        case .success(let parsed): inbound = parsed
        case .failure(let problem): return APIResponse.problem(problem)
        }
        let twiml = Response(
            status: .ok, headers: [.contentType: "text/xml"],
            body: .init(byteBuffer: ByteBuffer(string: "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>")))
        // STOP and START win over anything else the message might be.
        guard let event = inbound.consentEvent(at: now()) else {
            await surveyReply(inbound)
            return twiml
        }
        do {
            _ = try await coalescer.ingest([event])
            logger.notice(
                "sms consent changed", metadata: ["keyword": "\(inbound.keyword)", "opt_out": "\(inbound.isOptOut)"])
        } catch {
            logger.error("inbound sms not applied", metadata: ["error": "\(error)"])
            return APIResponse.problem(Problem(.unprocessableContent, "the consent change could not be applied"))
        }
        return twiml
    }

    /// A reply that is a bare score answers the sender's newest SMS survey (within its 30 days);
    /// anything else is left alone, never guessed at. A retried webhook answers the same survey
    /// again with the same score: still one response.
    func surveyReply(_ inbound: InboundSMS) async {
        guard SurveyReply.score(in: inbound.body) != nil, let phone = ContactNormalizer.phone(inbound.from) else {
            return
        }
        do {
            guard let customer = try store.read({ try $0.customerID(phone: phone) }) else { return }
            if let response = try await FeedbackDesk.answerReply(
                store, customer: customer, channel: .sms, text: inbound.body, at: now())
            {
                logger.notice(
                    "survey answered by sms",
                    metadata: [
                        "key": "\(response.key)", "kind": "\(response.kind.rawValue)", "score": "\(response.score)",
                    ])
            }
        } catch {
            logger.error("survey reply not recorded", metadata: ["error": "\(error)"])
        }
    }

    /// A Twilio request read with `parse` once its `X-Twilio-Signature` matches one of the auth
    /// tokens over the public URL; a body `parse` refuses is a 400.
    func twilioRequest<T>(_ request: Request, _ parse: (FormFields) throws -> T) async -> Result<T, Problem> {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.body(upTo: Self.maxBody)
        } catch {
            return .failure(error)
        }
        // HTTP/1.1's Host header is the request's authority in swift-http-types.
        let host = request.head.authority ?? APIResponse.header(request, "Host") ?? "localhost"
        let origin = secrets.publicOrigin ?? "http://" + host
        let url = origin + request.uri.description
        guard let fields = try? FormEncoding.decode(bytes: Array(buffer.readableBytesView)) else {
            return .failure(Problem(.badRequest, "the body is not form-encoded"))
        }
        let signature = APIResponse.header(request, "X-Twilio-Signature")
        guard
            secrets.twilio.contains(where: { token in
                (try? TwilioSignature.verify(signature: signature, url: url, parameters: fields, authToken: token))
                    != nil
            })
        else { return .failure(Problem(.unauthorized, "X-Twilio-Signature does not match (URL \(url))")) }
        do {
            return .success(try parse(fields))
        } catch {
            return .failure(Problem(.badRequest, "\(error)"))
        }
    }

    /// A status callback: verified, then the outbox message with that sid records the status
    /// (delivered, or failed with the error code for undelivered/failed).
    func twilioStatus(_ request: Request) async -> Response {
        let callback: TwilioStatusCallback
        switch await twilioRequest(request, TwilioStatusCallback.init(fields:)) {
        case .success(let parsed): callback = parsed
        case .failure(let problem): return APIResponse.problem(problem)
        }
        guard let (status, error) = callback.delivery else { return Response(status: .noContent) }
        do {
            let known = try await store.recordDelivery(
                providerID: callback.messageSid, status: status, error: error, at: now())
            logger.info(
                "delivery receipt",
                metadata: ["sid": "\(callback.messageSid)", "status": "\(status.rawValue)", "known": "\(known)"])
        } catch {
            logger.error("delivery receipt not recorded", metadata: ["error": "\(error)"])
            return APIResponse.problem(Problem(.serviceUnavailable, "the receipt could not be recorded"))
        }
        return Response(status: .noContent)
    }

    // MARK: The common path

    func verify(_ check: () throws(WebhookSignatureError) -> Void) throws(Problem) {
        do {
            try check()
        } catch {
            throw Problem(.unauthorized, error.description)
        }
    }

    func outcome(_ map: () throws(WebhookPayloadError) -> WebhookOutcome) throws(Problem) -> WebhookOutcome {
        do {
            return try map()
        } catch {
            throw Problem(.badRequest, error.description)
        }
    }

    /// Reads the body (at most 1 MiB), runs `handle`, applies the events, and answers.
    func receive(_ request: Request, _ handle: (Data) throws(Problem) -> (WebhookOutcome, String?)) async -> Response {
        var request = request
        let body: Data
        do {
            body = Data(try await request.body(upTo: Self.maxBody).readableBytesView)
        } catch {
            return APIResponse.problem(error)
        }
        let outcome: WebhookOutcome
        let deliveryID: String?
        do {
            (outcome, deliveryID) = try handle(body)
        } catch {
            logger.notice(
                "webhook refused",
                metadata: [
                    "path": "\(request.uri.path)", "status": "\(error.status.code)", "reason": "\(error.detail)",
                ])
            return APIResponse.problem(error)
        }
        do {
            return try await apply(outcome, deliveryID: deliveryID, path: request.uri.path)
        } catch let error as PatronError where error.code == .storeUnavailable {
            logger.warning(
                "webhook not applied: store unavailable",
                metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return APIResponse.problem(
                Problem(
                    .serviceUnavailable, "the store cannot be reached now; nothing was stored, deliver again later",
                    headers: [.retryAfter: "5"]))
        } catch let error as PatronError {
            logger.notice("webhook not applied", metadata: ["path": "\(request.uri.path)", "reason": "\(error)"])
            return APIResponse.problem(
                Problem(error.code == .conflict ? .conflict : .unprocessableContent, error.description))
        } catch {
            logger.error("webhook failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return APIResponse.problem(Problem(.internalServerError, "the store could not apply the delivery"))
        }
    }

    static func result(applied: Int, duplicates: Int, ignored: Bool) -> Response {
        APIResponse.json(.ok, #"{"applied":\#(applied),"duplicates":\#(duplicates),"ignored":\#(ignored)}"#)
    }

    /// Applies a verified delivery: events in one transaction (erasures recorded in the audit
    /// log), privacy requests, or an ignored topic recorded for ops.
    func apply(_ outcome: WebhookOutcome, deliveryID: String?, path: String) async throws -> Response {
        let at = now()
        let privacy = PrivacyRequests(store: store)
        switch outcome {
        case .ignored(let topic):
            logger.info("webhook ignored", metadata: ["path": "\(path)", "topic": "\(topic)"])
            if let deliveryID { try await store.recordIgnoredDelivery(deliveryID, topic: topic, at: at) }
            return Self.result(applied: 0, duplicates: 0, ignored: true)
        case .events(let events):
            let report = try await coalescer.ingest(events)
            for event in events where report.appliedCount > 0 {
                if case .customerErased(let who) = event.kind {
                    try store.recordAudit(
                        action: "erase", subject: who.refs.first.map { "\(event.source):\($0.id)" } ?? "unknown",
                        actor: "webhook \(path)", detail: "erasure applied", at: at)
                }
            }
            return Self.result(applied: report.appliedCount, duplicates: report.duplicates, ignored: false)
        case .dataRequest(let who, let request, let shop):
            // The delivery's mark commits with the document and its audit entry, or not at all.
            let outcome = try privacy.dataRequest(
                who, actor: "shopify \(shop) request \(request)", at: at, deliveryID: deliveryID)
            guard outcome != .duplicate else { return Self.result(applied: 0, duplicates: 1, ignored: false) }
            logger.notice("data request answered", metadata: ["shop": "\(shop)", "request": "\(request)"])
            return Self.result(applied: 1, duplicates: 0, ignored: false)
        case .shopRedact(let shop):
            let outcome = try privacy.redactShop(
                shop, source: ShopifyWebhook.source, actor: "webhook \(path)", at: at, deliveryID: deliveryID)
            guard case .done(let erased, _) = outcome else {
                return Self.result(applied: 0, duplicates: 1, ignored: false)
            }
            logger.notice("shop redacted", metadata: ["shop": "\(shop)", "erased": "\(erased)"])
            return Self.result(applied: erased, duplicates: 0, ignored: false)
        }
    }

}
