import Foundation
import Hummingbird
import Logging
import PatronCore
import PatronSQLite
import PatronWebhooks

/// The secrets webhook signatures are checked against; several per receiver while one rotates.
public struct WebhookSecrets: Sendable {
    public var shopify: [String]
    public var woocommerce: [String]
    /// Per source of `/webhooks/generic/{source}`.
    public var generic: [String: [String]]

    public init(shopify: [String] = [], woocommerce: [String] = [], generic: [String: [String]] = [:]) {
        self.shopify = shopify
        self.woocommerce = woocommerce
        self.generic = generic
    }
}

/// The webhook receivers. Every one checks the signature over the raw bytes before parsing
/// (401 and nothing stored when it fails), refuses bodies over 1 MiB (413), answers a payload of
/// the wrong shape with 400 and a problem+json body, applies a delivery's events in one
/// transaction before answering 200 (a redelivery is applied once), and answers 200 to topics it
/// does not act on, logging them as ignored.
public struct WebhookRoutes: Sendable {
    public static let maxBody = 1 << 20

    let store: SQLiteStore
    let secrets: WebhookSecrets
    let now: @Sendable () -> Int64
    let logger: Logger

    public init(
        store: SQLiteStore, secrets: WebhookSecrets, logger: Logger = Logger(label: "patron.webhooks"),
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) {
        self.store = store
        self.secrets = secrets
        self.logger = logger
        self.now = now
    }

    /// Adds `POST /webhooks/shopify`, `/webhooks/woocommerce` and `/webhooks/generic/{source}`.
    public func add(to router: Router<some RequestContext>) {
        router.post("/webhooks/shopify") { request, _ in await self.shopify(request) }
        router.post("/webhooks/woocommerce") { request, _ in await self.woocommerce(request) }
        router.post("/webhooks/generic/{source}") { request, context in
            await self.generic(request, source: context.parameters.get("source") ?? "")
        }
    }

    // MARK: Receivers

    func shopify(_ request: Request) async -> Response {
        await receive(request) { body throws(Problem) in
            try verify { () throws(WebhookSignatureError) in
                try WebhookSignature.verifyBase64(
                    body: body, header: Self.header(request, "X-Shopify-Hmac-Sha256"), secrets: secrets.shopify)
            }
            guard let topic = Self.header(request, "X-Shopify-Topic") else {
                throw Problem(.badRequest, "missing X-Shopify-Topic header")
            }
            guard
                let delivery = Self.header(request, "X-Shopify-Event-Id")
                    ?? Self.header(request, "X-Shopify-Webhook-Id")
            else { throw Problem(.badRequest, "missing X-Shopify-Event-Id and X-Shopify-Webhook-Id headers") }
            // The trigger time orders updates: an older one than the stored version is ignored.
            let at = Self.header(request, "X-Shopify-Triggered-At").flatMap(Self.instant) ?? now()
            return try outcome { () throws(WebhookPayloadError) in
                try ShopifyWebhook.outcome(topic: topic, body: body, deliveryID: "shopify:\(delivery)", at: at)
            }
        }
    }

    func woocommerce(_ request: Request) async -> Response {
        await receive(request) { body throws(Problem) in
            // The ping when a webhook is created: form-encoded, unsigned; store nothing.
            if Self.header(request, "X-WC-Webhook-Signature") == nil,
                String(decoding: body.prefix(11), as: UTF8.self) == "webhook_id="
            {
                return .ignored(topic: "ping")
            }
            try verify { () throws(WebhookSignatureError) in
                try WebhookSignature.verifyBase64(
                    body: body, header: Self.header(request, "X-WC-Webhook-Signature"),
                    secrets: secrets.woocommerce)
            }
            guard let topic = Self.header(request, "X-WC-Webhook-Topic") else {
                throw Problem(.badRequest, "missing X-WC-Webhook-Topic header")
            }
            guard let delivery = Self.header(request, "X-WC-Webhook-Delivery-ID") else {
                throw Problem(.badRequest, "missing X-WC-Webhook-Delivery-ID header")
            }
            let at = now()
            return try outcome { () throws(WebhookPayloadError) in
                try WooCommerceWebhook.outcome(topic: topic, body: body, deliveryID: "woocommerce:\(delivery)", at: at)
            }
        }
    }

    func generic(_ request: Request, source: String) async -> Response {
        await receive(request) { body throws(Problem) in
            guard let keys = secrets.generic[source], !keys.isEmpty else {
                throw Problem(.notFound, "no generic source '\(source)' is configured")
            }
            try verify { () throws(WebhookSignatureError) in
                try WebhookSignature.verifyTimestamped(
                    body: body, header: Self.header(request, "Patron-Signature"), secrets: keys, now: now())
            }
            return try outcome { () throws(WebhookPayloadError) in
                .events([try GenericWebhook.event(source: source, body: body)])
            }
        }
    }

    // MARK: The common path

    /// An HTTP error answered as `application/problem+json` (RFC 9457).
    struct Problem: Error {
        var status: HTTPResponse.Status
        var detail: String
        init(_ status: HTTPResponse.Status, _ detail: String) {
            self.status = status
            self.detail = detail
        }
    }

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
    func receive(_ request: Request, _ handle: (Data) throws(Problem) -> WebhookOutcome) async -> Response {
        var request = request
        let body: Data
        do {
            let buffer = try await request.collectBody(upTo: Self.maxBody)
            body = Data(buffer.readableBytesView)
        } catch {
            return Self.problem(Problem(.contentTooLarge, "the body is over \(Self.maxBody) bytes"))
        }
        let outcome: WebhookOutcome
        do {
            outcome = try handle(body)
        } catch {
            logger.notice(
                "webhook refused",
                metadata: [
                    "path": "\(request.uri.path)", "status": "\(error.status.code)", "reason": "\(error.detail)",
                ])
            return Self.problem(error)
        }
        switch outcome {
        case .ignored(let topic):
            logger.info("webhook ignored", metadata: ["path": "\(request.uri.path)", "topic": "\(topic)"])
            return Self.json(.ok, #"{"applied":0,"duplicates":0,"ignored":true}"#)
        case .events(let events):
            do {
                let report = try Ingestor(store: store).ingest(events)
                return Self.json(
                    .ok, #"{"applied":\#(report.appliedCount),"duplicates":\#(report.duplicates),"ignored":false}"#)
            } catch let error as PatronError {
                logger.notice("webhook not applied", metadata: ["path": "\(request.uri.path)", "reason": "\(error)"])
                return Self.problem(
                    Problem(error.code == .conflict ? .conflict : .unprocessableContent, error.description))
            } catch {
                logger.error("webhook failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
                return Self.problem(Problem(.internalServerError, "the store could not apply the delivery"))
            }
        }
    }

    static func problem(_ problem: Problem) -> Response {
        var text =
            #"{"type":"about:blank","title":"\#(problem.status.reasonPhrase)","status":\#(problem.status.code),"detail":"#
        text += Self.quoted(problem.detail) + "}"
        var response = json(problem.status, text)
        response.headers[.contentType] = "application/problem+json"
        return response
    }

    static func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func quoted(_ text: String) -> String {
        let data =
            (try? JSONSerialization.data(withJSONObject: [text], options: .withoutEscapingSlashes))
            ?? Data("[\"\"]".utf8)
        return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
    }

    /// A request header's value (names are case-insensitive).
    static func header(_ request: Request, _ name: String) -> String? {
        let wanted = name.lowercased()
        return request.headers.first { $0.name.canonicalName == wanted }?.value
    }

    /// `2024-08-07T22:57:57.290670248Z` (Shopify's nanoseconds) as epoch seconds.
    static func instant(_ text: String) -> Int64? {
        if let seconds = Timestamp.parse(text) { return seconds }
        guard let dot = text.firstIndex(of: "."),
            let end = text[dot...].firstIndex(where: { $0 == "Z" || $0 == "+" || $0 == "-" })
        else { return nil }
        return Timestamp.parse(String(text[..<dot] + text[end...]))
    }
}
