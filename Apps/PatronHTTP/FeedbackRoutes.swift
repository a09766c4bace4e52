import Foundation
import Hummingbird
import PatronCore

/// `/v1/feedback/nps|csat|reviews` (the reports, as `patron feedback … --format json`) and
/// `/v1/customers/{id}/feedback` (a customer's answers; recording one with a write key). Each is
/// one ``FeedbackDesk`` call.
struct FeedbackRoutes<S: PatronStore> {
    let api: APIContext<S>

    var routes: [APIRoute] {
        let day: [String: Any] = ["type": "string", "format": "date"]
        let period: [APIParameter] = [
            .query("from", "First day answered (YYYY-MM-DD, UTC; default: the first answer).", schema: day),
            .query("to", "Last day answered, included (YYYY-MM-DD, UTC; default: today).", schema: day),
            .query(
                "by", "A row per month, flow or SKU (default: none).",
                schema: ["type": "string", "enum": FeedbackGrouping.allCases.map(\.rawValue)]),
        ]
        let reports: [(SurveyKind, String, String)] = [
            (.nps, "nps", "Net Promoter Score: % promoters (9–10) less % detractors (0–6)."),
            (.csat, "csat", "Customer satisfaction: the % of answers that are 4 or 5."),
            (.review, "reviews", "Product reviews: how many, the average stars, how many are verified by an order."),
        ]
        return reports.map { kind, name, summary in
            APIRoute(
                method: .get, path: "/v1/feedback/\(name)", operationID: "feedback\(name.capitalized)",
                summary: summary, scope: .read, parameters: period,
                responses: [
                    200: APIRoute.json("The report: the total, and the groups when grouped.", "FeedbackReport")
                ],
                handler: { try await report(kind, $0, $1) })
        } + [
            APIRoute(
                method: .get, path: "/v1/feedback/reviews/export", operationID: "exportReviews",
                summary: "Product reviews for a storefront, per SKU: count, average stars and each review (no emails).",
                scope: .read,
                parameters: [
                    .query("format", "json (default) or csv.", schema: ["type": "string", "enum": ["json", "csv"]]),
                    .query("sku", "Only this SKU's reviews."),
                    .query("verified", "true: only reviews tied to an order of the SKU.", schema: ["type": "boolean"]),
                    .query(
                        "min_stars", "Only reviews with at least this many stars.",
                        schema: ["type": "integer", "minimum": 1, "maximum": 5]),
                    .query(
                        "pending", "true: pending reviews too, for a shop that does not moderate (hidden ones never).",
                        schema: ["type": "boolean"]),
                ],
                responses: [
                    200: [
                        "description": "The reviews by SKU.",
                        "content": [
                            "application/json": ["schema": ["type": "array", "items": ["type": "object"]]],
                            "text/csv": ["schema": ["type": "string"]],
                        ],
                    ]
                ], handler: exportReviews),
            APIRoute(
                method: .get, path: "/v1/feedback/reviews/moderation", operationID: "reviewsForModeration",
                summary: "Reviews as moderators see them (key, customer, stars, words, moderation), oldest first.",
                scope: .read,
                parameters: [
                    .query(
                        "status", "Only reviews so moderated (default: pending).",
                        schema: ["type": "string", "enum": ReviewModeration.allCases.map(\.rawValue) + ["any"]]),
                    .query("sku", "Only this SKU's reviews."),
                    .query(
                        "limit", "At most this many (1–1000, default 100).",
                        schema: ["type": "integer", "minimum": 1, "maximum": 1000]),
                ],
                responses: [200: APIRoute.json("The reviews.", "FeedbackResponses")], handler: moderationQueue),
            APIRoute(
                method: .post, path: "/v1/feedback/reviews/moderation", operationID: "moderateReviews",
                summary:
                    "Approve, hide or send back to pending the named reviews (all or none), or the pending ones within a range of stars.",
                scope: .write, requestBody: APISchemas.body("ReviewModeration"),
                responses: [200: APIRoute.json("The keys of the reviews it changed.", "ReviewModerated")],
                extraErrors: [404: "A named review is not there; nothing changed."], handler: moderate),
            APIRoute(
                method: .get, path: "/v1/customers/{id}/feedback", operationID: "customerFeedback",
                summary: "The customer's survey answers, oldest first.", scope: .read, parameters: [.customerID],
                responses: [200: APIRoute.json("The answers.", "FeedbackResponses")], handler: responses),
            APIRoute(
                method: .post, path: "/v1/customers/{id}/feedback", operationID: "recordFeedback",
                summary: "Record an answer; again under the same key replaces it (201 new, 200 replaced).",
                scope: .write, parameters: [.customerID], requestBody: APISchemas.body("FeedbackAnswer"),
                responses: [
                    201: APIRoute.json("The answer, recorded.", "FeedbackResponse"),
                    200: APIRoute.json("The answer, replacing the one before under its key.", "FeedbackResponse"),
                ], extraErrors: [409: "The key was answered by another customer, or as another kind."],
                handler: record),
        ]
    }

    func exportReviews(_ request: Request, _ call: APICall) async throws -> Response {
        let format = call.query["format"] ?? "json"
        guard ["json", "csv"].contains(format) else {
            throw Problem(.badRequest, "query parameter 'format': expected json or csv, found '\(format)'")
        }
        let verified: Bool
        switch call.query["verified"] {
        case nil, "false": verified = false
        case "true": verified = true
        case let other?:
            throw Problem(.badRequest, "query parameter 'verified': expected true or false, found '\(other)'")
        }
        let minimum = try call.integer("min_stars", default: 1, in: 1...5)
        let pending: Bool
        switch call.query["pending"] {
        case nil, "false": pending = false
        case "true": pending = true
        case let other?:
            throw Problem(.badRequest, "query parameter 'pending': expected true or false, found '\(other)'")
        }
        let products = try ProductReviews.export(
            api.store, sku: call.query["sku"], verifiedOnly: verified, minScore: minimum, includePending: pending)
        if format == "csv" {
            return Response(
                status: .ok, headers: [.contentType: "text/csv; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: ProductReviews.csv(products))))
        }
        return await APIResponse.json(.ok, object: products.map(\.jsonObject))
    }

    func moderationQueue(_ request: Request, _ call: APICall) async throws -> Response {
        let status = call.query["status"] ?? "pending"
        guard status == "any" || ReviewModeration(rawValue: status) != nil else {
            throw Problem(
                .badRequest, "query parameter 'status': expected pending, approved, hidden or any, found '\(status)'")
        }
        let limit = try call.integer("limit", default: 100, in: 1...1000)
        let reviews = try FeedbackDesk.reviews(
            api.store, moderation: ReviewModeration(rawValue: status), sku: call.query["sku"], limit: limit)
        return APIResponse.json(.ok, try FeedbackResponse.json(reviews))
    }

    func moderate(_ request: Request, _ call: APICall) async throws -> Response {
        var request = request
        let body = try ModerationRequest(try await request.body(upTo: 1_048_576))
        let changed = try FeedbackDesk.moderate(api.store, body.selection, to: body.moderation)
        return APIResponse.json(.ok, object: ["changed": changed])
    }

    func report(_ kind: SurveyKind, _ request: Request, _ call: APICall) async throws -> Response {
        func day(_ name: String) throws(Problem) -> Day? {
            guard let text = call.query[name] else { return nil }
            guard let day = Day(iso: text) else {
                throw Problem(.badRequest, "query parameter '\(name)': expected a date YYYY-MM-DD, found '\(text)'")
            }
            return day
        }
        let grouping = try call.query["by"].map { text throws(Problem) in
            guard let grouping = FeedbackGrouping(rawValue: text) else {
                throw Problem(.badRequest, "query parameter 'by': expected none, month, flow or sku, found '\(text)'")
            }
            return grouping
        }
        let from = try day("from")?.epochSeconds ?? Int64.min
        let to = try day("to").map { ($0 + 1).epochSeconds } ?? Int64.max
        guard from < to else { throw Problem(.badRequest, "query parameter 'from' is after 'to'") }
        let report = try FeedbackDesk.report(api.store, kind: kind, from: from, to: to, by: grouping ?? .none)
        return APIResponse.json(.ok, object: report.jsonObject())
    }

    func responses(_ request: Request, _ call: APICall) async throws -> Response {
        let id = try api.customerID(call.path("id"))
        return APIResponse.json(.ok, try FeedbackResponse.json(try FeedbackDesk.responses(api.store, of: id)))
    }

    func record(_ request: Request, _ call: APICall) async throws -> Response {
        var request = request
        let id = try api.customerID(call.path("id"))
        let body = try FeedbackRequest(try await request.body(upTo: 65_536))
        let key =
            body.key
            ?? (body.kind == .review ? body.sku.map { FeedbackResponse.reviewKey(customer: id, sku: $0) } : nil)
        let (response, replaced) = try FeedbackDesk.record(
            api.store,
            FeedbackResponse(
                key: key ?? "api:\(UUID().uuidString.lowercased())", customerID: id, kind: body.kind,
                score: body.score, text: body.text, sku: body.sku, channel: "api"),
            at: api.now())
        return APIResponse.json(replaced ? .ok : .created, object: response.jsonObject)
    }
}

extension APISchemas {
    /// The feedback routes' bodies.
    static var feedback: [String: [String: Any]] {
        typealias J = APISchemas
        let time: [String: Any] = ["type": "string", "format": "date-time"]
        let summary = J.object(
            [
                "group": ["type": "string"], "responses": ["type": "integer"], "average": J.nullable("number"),
                "promoters": ["type": "integer"], "passives": ["type": "integer"], "detractors": ["type": "integer"],
                "nps": J.nullable("integer"), "satisfied": ["type": "integer"], "csat": J.nullable("number"),
                "verified": ["type": "integer"], "with_text": ["type": "integer"],
            ], required: ["responses", "average"])
        let response = J.object([
            "key": ["type": "string"], "kind": ["type": "string", "enum": SurveyKind.allCases.map(\.rawValue)],
            "score": ["type": "integer"], "text": J.nullable("string"), "sku": J.nullable("string"),
            "order": J.nullable("string"), "flow": J.nullable("string"), "message_id": J.nullable("integer"),
            "channel": ["type": "string"], "answered_at": time, "updated_at": time,
            "moderation": ["type": "string", "enum": ReviewModeration.allCases.map(\.rawValue)],
        ])
        return [
            "FeedbackReport": J.object(
                [
                    "kind": ["type": "string"], "by": ["type": "string"], "total": summary,
                    "groups": J.array(summary),
                ], required: ["kind", "total"]),
            "FeedbackResponse": response, "FeedbackResponses": J.array(J.ref("FeedbackResponse")),
            "ReviewModeration": J.object(
                [
                    "status": ["type": "string", "enum": ReviewModeration.allCases.map(\.rawValue)],
                    "keys": J.array(["type": "string", "minLength": 1]).merging(["minItems": 1, "maxItems": 10_000]) {
                        $1
                    },
                    "pending": J.object([
                        "min_stars": ["type": "integer", "minimum": 1, "maximum": 5],
                        "max_stars": ["type": "integer", "minimum": 1, "maximum": 5],
                        "sku": ["type": "string", "minLength": 1],
                    ]),
                ], required: ["status"]),
            "ReviewModerated": J.object(["changed": J.array(["type": "string"])], required: ["changed"]),
            "FeedbackAnswer": J.object(
                [
                    "kind": ["type": "string", "enum": SurveyKind.allCases.map(\.rawValue)],
                    "score": ["type": "integer", "minimum": 0, "maximum": 10],
                    "text": J.nullable("string", ["maxLength": FeedbackDesk.mostTextCharacters]),
                    "sku": J.nullable("string", ["minLength": 1]), "key": J.nullable("string", ["minLength": 1]),
                ], required: ["kind", "score"]),
        ]
    }
}

/// The body of a moderation: `status`, and either `keys` (the reviews, all or none) or `pending`
/// (`{"min_stars", "max_stars", "sku"}`, all optional: the pending reviews within them).
struct ModerationRequest {
    var moderation: ReviewModeration
    var selection: ReviewSelection

    init(_ buffer: ByteBuffer) throws(Problem) {
        let example = #"{"status": "approved", "keys": ["review:42:MUG-1"]}"#
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any] else {
            throw Problem(.badRequest, "body: expected a JSON object such as \(example)")
        }
        if let unknown = object.keys.sorted().first(where: { !["status", "keys", "pending"].contains($0) }) {
            throw Problem(.badRequest, "body: unknown field '\(unknown)' (status, keys, pending)")
        }
        guard let name = object["status"] as? String, let moderation = ReviewModeration(rawValue: name) else {
            throw Problem(.badRequest, "body: 'status' must be pending, approved or hidden")
        }
        self.moderation = moderation
        switch (object["keys"], object["pending"]) {
        case (let keys?, nil):
            guard let keys = keys as? [String], !keys.isEmpty, keys.count <= 10_000, keys.allSatisfy({ !$0.isEmpty })
            else { throw Problem(.badRequest, "body: 'keys' must be 1 to 10,000 review keys") }
            selection = .keys(keys)
        case (nil, let rule?):
            guard let rule = rule as? [String: Any] else {
                throw Problem(.badRequest, "body: 'pending' must be an object (min_stars, max_stars, sku)")
            }
            if let unknown = rule.keys.sorted().first(where: { !["min_stars", "max_stars", "sku"].contains($0) }) {
                throw Problem(.badRequest, "body: unknown field 'pending.\(unknown)' (min_stars, max_stars, sku)")
            }
            // Decoded as integers: 4.5, "4" and true are refused.
            struct Rule: Decodable {
                var min_stars: Int?
                var max_stars: Int?
                var sku: String?
            }
            struct Body: Decodable { var pending: Rule }
            guard let typed = try? JSONDecoder().decode(Body.self, from: Data(buffer: buffer)).pending else {
                throw Problem(
                    .badRequest, "body: 'pending.min_stars' and 'max_stars' must be whole numbers, 'sku' a string")
            }
            func stars(_ field: String, _ value: Int?, _ absent: Int) throws(Problem) -> Int {
                guard let value else { return absent }
                guard (1...5).contains(value) else {
                    throw Problem(.badRequest, "body: 'pending.\(field)' must be from 1 to 5, found \(value)")
                }
                return value
            }
            let (low, high) = (
                try stars("min_stars", typed.min_stars, 1), try stars("max_stars", typed.max_stars, 5)
            )
            guard low <= high else { throw Problem(.badRequest, "body: 'pending.min_stars' is above 'max_stars'") }
            guard typed.sku?.isEmpty != true else {
                throw Problem(.badRequest, "body: 'pending.sku' must be a non-empty string")
            }
            selection = .pending(stars: low...high, sku: typed.sku)
        default:
            throw Problem(.badRequest, "body: give either 'keys' or 'pending', such as \(example)")
        }
    }
}

/// The body of an answer: `kind`, `score`, and optionally `text`, `sku`, `key`.
struct FeedbackRequest {
    var kind: SurveyKind
    var score: Int
    var text: String?
    var sku: String?
    var key: String?

    init(_ buffer: ByteBuffer) throws(Problem) {
        let example = #"{"kind": "nps", "score": 9, "text": "fast delivery"}"#
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any] else {
            throw Problem(.badRequest, "body: expected a JSON object such as \(example)")
        }
        let fields = ["kind", "score", "text", "sku", "key"]
        if let unknown = object.keys.sorted().first(where: { !fields.contains($0) }) {
            throw Problem(.badRequest, "body: unknown field '\(unknown)' (\(fields.joined(separator: ", ")))")
        }
        guard let name = object["kind"] as? String, let kind = SurveyKind(rawValue: name) else {
            throw Problem(.badRequest, "body: 'kind' must be nps, csat or review")
        }
        // Decoded as an integer: 9.5, "9" and true are refused (NSNumber would take 0 and 1 for Bool).
        struct Score: Decodable { var score: Int }
        guard object["score"] != nil,
            let score = try? JSONDecoder().decode(Score.self, from: Data(buffer: buffer)).score
        else {
            throw Problem(
                .badRequest,
                "body: 'score' must be a whole number (\(kind.scores.lowerBound) to \(kind.scores.upperBound))")
        }
        func text(_ name: String) throws(Problem) -> String? {
            switch object[name] {
            case nil, is NSNull: return nil
            case let value as String: return value
            default: throw Problem(.badRequest, "body: '\(name)' must be a string")
            }
        }
        self.kind = kind
        self.score = score
        self.text = try text("text")
        self.sku = try text("sku")
        self.key = try text("key")
        if key?.isEmpty == true { throw Problem(.badRequest, "body: 'key' must not be empty") }
        if sku?.isEmpty == true { throw Problem(.badRequest, "body: 'sku' must not be empty") }
    }
}
