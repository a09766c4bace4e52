import Foundation
import Hummingbird
import PatronAuth
import PatronCore
import PatronWebhooks

/// `POST /v1/track`: a storefront's product views and identifications, in Segment's call shape
/// (a `batch` of `track` and `identify` calls; a single call also works), with a publishable
/// `track` key (header or `?key=`) restricted to the shop's origins. One ``ViewTracker`` call
/// per request. `OPTIONS /v1/track` answers browsers' CORS preflight.
struct TrackRoutes<S: PatronStore> {
    let api: APIContext<S>
    /// Checks the signed `patron` token of a click from a Patron message.
    let links: SurveyLinkSigner?

    /// Names a view goes by: Segment's spec, Klaviyo's, Shopify's web pixel.
    static var viewEvents: Set<String> { ["product viewed", "viewed product", "product_viewed"] }

    var routes: [APIRoute] {
        [
            APIRoute(
                method: .post, path: "/v1/track", operationID: "track",
                summary:
                    "A storefront's product views and identifications (Segment's track/identify calls; a publishable track key).",
                scope: .track, requestBody: APISchemas.body("TrackBatch"),
                responses: [200: APIRoute.json("What was kept.", "TrackReport")], handler: track),
            APIRoute(
                method: .options, path: "/v1/track", operationID: "trackPreflight",
                summary: "CORS preflight for /v1/track: any origin may ask; the key decides which may send.",
                scope: nil, responses: [204: ["description": "The methods and headers a browser may use."]]
            ) { request, _ in
                var response = Response(status: .noContent)
                Self.allowOrigin(request, &response)
                response.headers[.accessControlAllowMethods] = "POST, OPTIONS"
                response.headers[.accessControlAllowHeaders] = "Authorization, Content-Type"
                response.headers[.accessControlMaxAge] = "86400"
                return response
            },
        ]
    }

    static func allowOrigin(_ request: Request, _ response: inout Response) {
        guard let origin = APIResponse.header(request, "Origin") else { return }
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[.vary] = "Origin"
    }

    func track(_ request: Request, _ call: APICall) async throws -> Response {
        var request = request
        let buffer = try await request.body(upTo: 524_288)
        guard let body = try? JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any] else {
            throw Problem(.badRequest, "body: expected a JSON object ({\"batch\": [calls]} or one call)")
        }
        for (name, isRight) in [
            ("source", { (v: Any) in v is String }), ("consent", { (v: Any) in Self.isBool(v) }),
        ] as [(String, (Any) -> Bool)] {
            if let index = body.index(forKey: name), !isRight(body[index].value) {
                throw Problem(.badRequest, "\(name): expected \(name == "source" ? "a string" : "true or false")")
            }
        }
        let source = (body["source"] as? String).flatMap { $0.isEmpty ? nil : $0 } ?? "web"
        guard !source.contains(":"), !source.hasPrefix("patron."), source.utf8.count <= 100, !source.utf8.contains(0)
        else {
            throw Problem(
                .badRequest, "source: a name without ':' that does not start with 'patron.' (100 bytes at most)")
        }
        let now = api.now()
        let calls: [[String: Any]]
        let prefix: String
        if let batch = body["batch"] {
            guard let list = batch as? [[String: Any]] else {
                throw Problem(.badRequest, "batch: expected an array of calls")
            }
            calls = list
            prefix = "batch"
        } else {
            calls = [body]
            prefix = ""
        }
        guard calls.count <= ViewTracker.batchLimit else {
            throw Problem(.badRequest, "batch: at most \(ViewTracker.batchLimit) calls, found \(calls.count)")
        }
        // A publishable key (in every page's source) may not say who a visitor is: only a
        // signed link token may; the shop's server says it with a write key.
        let trusted = APIScope.write.granted(by: call.scopes)
        var parsed: [TrackCall] = []
        var ignored = 0
        for (index, object) in calls.enumerated() {
            let at = prefix.isEmpty ? "" : "\(prefix)[\(index)]."
            if let call = try parse(
                object, field: at, batchConsent: Self.bool(body["consent"]), now: now, trusted: trusted)
            {
                parsed.append(call)
            } else {
                ignored += 1
            }
        }
        let report = try ViewTracker.track(api.store, parsed, source: source)
        var response = APIResponse.json(
            .ok,
            object: [
                "kept": report.kept, "without_consent": report.withoutConsent, "duplicates": report.duplicates,
                "identified": report.identified, "stitched": report.stitched, "forgotten": report.forgotten,
                "ignored": ignored,
            ])
        Self.allowOrigin(request, &response)
        return response
    }

    /// One call; `nil` for a call that is not a view or an identification (a page view, another
    /// event). Malformed: a 400 naming the field.
    func parse(
        _ call: [String: Any], field: String, batchConsent: Bool?, now: Int64, trusted: Bool
    ) throws(Problem) -> TrackCall? {
        /// A string field; inside properties and traits (`numbers`) a number is taken as text
        /// (a numeric product_id).
        func text(_ name: String, in object: [String: Any]?, numbers: Bool = false) throws(Problem) -> String? {
            // A JSON null is present (and not a string): Linux's Foundation gives it as a nil `Any`.
            guard let object, let index = object.index(forKey: name) else { return nil }
            let value = object[index].value
            let found: String
            if let string = value as? String {
                found = string
            } else if numbers, let number = value as? NSNumber, !Self.isBool(value) {
                found = number.stringValue
            } else {
                throw Problem(.badRequest, "\(field)\(name): expected a string")
            }
            guard found.utf8.count <= 512, !found.utf8.contains(0) else {
                throw Problem(.badRequest, "\(field)\(name): longer than 512 bytes or holds U+0000")
            }
            return found.isEmpty ? nil : found
        }
        guard let type = call["type"] as? String else {
            throw Problem(.badRequest, "\(field)type: missing (track or identify)")
        }
        for name in ["properties", "traits", "context"] {
            if let index = call.index(forKey: name), !(call[index].value is [String: Any]) {
                throw Problem(.badRequest, "\(field)\(name): expected an object")
            }
        }
        // Whatever the call's type, its fields have their types.
        for name in ["event", "anonymousId", "userId", "messageId", "timestamp"] { _ = try text(name, in: call) }
        let visitor = try text("anonymousId", in: call)
        let user = try text("userId", in: call)
        guard visitor == nil || visitor!.utf8.count <= 200 else {
            throw Problem(.badRequest, "\(field)anonymousId: longer than 200 bytes")
        }
        let messageID = try text("messageId", in: call)
        var at = now
        if let stamp = try text("timestamp", in: call) {
            guard let parsed = ShopifyWebhook.triggeredAt(stamp) else {
                throw Problem(.badRequest, "\(field)timestamp: '\(stamp)' is not an ISO 8601 time")
            }
            // A browser's clock may be off: never in the future.
            at = min(parsed, now)
        }
        let context = call["context"] as? [String: Any]
        switch type {
        case "track":
            guard let event = try text("event", in: call) else { throw Problem(.badRequest, "\(field)event: missing") }
            guard Self.viewEvents.contains(event.lowercased()) else { return nil }
            let properties = call["properties"] as? [String: Any]
            let given = try text("sku", in: properties, numbers: true)
            let productID = try text("product_id", in: properties, numbers: true)
            guard let sku = given ?? productID else {
                throw Problem(.badRequest, "\(field)properties.sku: missing (and no product_id)")
            }
            guard sku.utf8.count <= 200, !sku.utf8.contains(0) else {
                throw Problem(.badRequest, "\(field)properties.sku: longer than 200 bytes or holds U+0000")
            }
            guard visitor != nil || user != nil else {
                throw Problem(.badRequest, "\(field)anonymousId: missing (and no userId)")
            }
            return .view(
                TrackedView(
                    visitorID: visitor,
                    customer: user.map { CustomerIdentity(refs: [ExternalRef(source: "", id: $0)]) },
                    sku: sku, at: at, messageID: messageID,
                    consent: Self.consent(context) ?? batchConsent ?? false))
        case "identify":
            guard let visitor else { throw Problem(.badRequest, "\(field)anonymousId: missing") }
            let traits = call["traits"] as? [String: Any]
            let contextToken = try text("patron", in: context)
            let traitToken = try text("patron", in: traits)
            if let token = contextToken ?? traitToken {
                guard let customer = links?.verifyVisitor(token, now: now) else {
                    throw Problem(.badRequest, "\(field)context.patron: not a link token this shop signed (or expired)")
                }
                return .identify(
                    TrackedIdentity(visitorID: visitor, customer: .id(customer), at: at, messageID: messageID))
            }
            guard trusted else {
                throw Problem(
                    .forbidden,
                    "\(field)identify: a track key identifies a visitor only by the signed patron token of a Patron "
                        + "link; the shop's server sends userId, email or phone with a write key")
            }
            let identity = CustomerIdentity(
                refs: user.map { [ExternalRef(source: "", id: $0)] } ?? [], email: try text("email", in: traits),
                phone: try text("phone", in: traits, numbers: true))
            guard !identity.isEmpty else {
                throw Problem(.badRequest, "\(field)traits: name the customer (userId, traits.email or traits.phone)")
            }
            return .identify(
                TrackedIdentity(visitorID: visitor, customer: .identity(identity), at: at, messageID: messageID))
        case "page", "screen", "group", "alias":
            return nil
        default:
            throw Problem(.badRequest, "\(field)type: '\(type)' is not a call type (track, identify, page)")
        }
    }

    /// Whether a JSON value is `true` or `false` (Foundation decodes them as `NSNumber`s).
    static func isBool(_ value: Any) -> Bool {
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) == "c"
    }

    /// A JSON `true` or `false`; `nil` for anything else (a 1 is not a yes).
    static func bool(_ value: Any?) -> Bool? {
        guard let value, isBool(value) else { return nil }
        return (value as? NSNumber)?.boolValue
    }

    /// The call's consent to tracking: `context.consent.tracking`, or a category of Segment's
    /// consent preferences for analytics or marketing; `nil` when it says nothing.
    static func consent(_ context: [String: Any]?) -> Bool? {
        guard let consent = context?["consent"] as? [String: Any] else { return nil }
        if let tracking = bool(consent["tracking"]) { return tracking }
        guard let preferences = consent["categoryPreferences"] as? [String: Any] else { return nil }
        var said: Bool?
        for (name, value) in preferences {
            guard ["analytics", "marketing", "advertising"].contains(name.lowercased()), let allowed = bool(value)
            else { continue }
            said = (said ?? false) || allowed
        }
        return said
    }
}

extension APISchemas {
    /// The track route's bodies.
    static var track: [String: [String: Any]] {
        let call: [String: Any] = [
            "type": "object",
            "properties": [
                "type": ["type": "string", "enum": ["track", "identify", "page", "screen", "group", "alias"]],
                "event": ["type": "string"], "anonymousId": ["type": "string", "maxLength": 200],
                "userId": ["type": "string"], "messageId": ["type": "string"],
                "timestamp": ["type": "string", "format": "date-time"],
                "properties": ["type": "object"], "traits": ["type": "object"], "context": ["type": "object"],
            ],
            "required": ["type"],
        ]
        let count: [String: Any] = ["type": "integer", "minimum": 0]
        return [
            "TrackBatch": [
                "type": "object",
                "properties": [
                    "batch": ["type": "array", "items": call, "maxItems": ViewTracker.batchLimit],
                    "source": ["type": "string"], "consent": ["type": "boolean"],
                ],
            ],
            "TrackReport": object([
                "kept": count, "without_consent": count, "duplicates": count, "identified": count, "stitched": count,
                "forgotten": count, "ignored": count,
            ]),
        ]
    }
}
