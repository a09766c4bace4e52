import Foundation
import Hummingbird
import PatronCore

/// `/v1/customers/{id}/loyalty`: a customer's points (balance, pending, lifetime, expiring, tier)
/// and ledger; a redemption (idempotent by `Idempotency-Key`, 409 when the balance is short) and
/// a manual adjustment (admin). Each is one ``LoyaltyDesk`` call.
struct LoyaltyRoutes<S: PatronStore> {
    let api: APIContext<S>

    var routes: [APIRoute] {
        let id = APIParameter.customerID
        let key = APIParameter.header(
            "Idempotency-Key", "The same key with the same points returns the first redemption; with others, 409.",
            required: true)
        return [
            APIRoute(
                method: .get, path: "/v1/customers/{id}/loyalty", operationID: "loyaltyBalance",
                summary: "The customer's points: spendable, pending, earned, expiring within 30 days, the tier.",
                scope: .read, parameters: [id], responses: [200: APIRoute.json("The points.", "LoyaltyBalance")],
                handler: balance),
            APIRoute(
                method: .get, path: "/v1/customers/{id}/loyalty/ledger", operationID: "loyaltyLedger",
                summary: "The points and every ledger entry, oldest first, with the awards each one drew from.",
                scope: .read, parameters: [id],
                responses: [200: APIRoute.json("The points and entries.", "LoyaltyLedger")], handler: ledger),
            APIRoute(
                method: .post, path: "/v1/customers/{id}/loyalty/redemptions", operationID: "redeemPoints",
                summary: "Spend points (drawn from the awards that expire first). Applied once per Idempotency-Key.",
                scope: .write, parameters: [id, key], requestBody: APISchemas.body("LoyaltyRedemption"),
                responses: [201: APIRoute.json("The redemption and the balance after it.", "LoyaltyChange")],
                extraErrors: [409: "The balance is short, or the key was used for other points; nothing is written."],
                handler: redeem),
            APIRoute(
                method: .post, path: "/v1/customers/{id}/loyalty/adjustments", operationID: "adjustPoints",
                summary: "A manual change with a reason, recorded with the API key's name. Once per Idempotency-Key.",
                scope: .admin,
                parameters: [
                    id, .header("Idempotency-Key", "Makes the adjustment idempotent; reused with other points: 409."),
                ],
                requestBody: APISchemas.body("LoyaltyAdjustment"),
                responses: [201: APIRoute.json("The adjustment and the balance after it.", "LoyaltyChange")],
                extraErrors: [409: "A removal above the balance, or the key was used for other points."],
                handler: adjust),
        ]
    }

    // MARK: Handlers

    func balance(_ request: Request, _ call: APICall) async throws -> Response {
        let id = try api.customerID(call.path("id"))
        return APIResponse.json(.ok, try LoyaltyReport.json(try statement(id), entries: false))
    }

    func ledger(_ request: Request, _ call: APICall) async throws -> Response {
        let id = try api.customerID(call.path("id"))
        return APIResponse.json(.ok, try LoyaltyReport.json(try statement(id), entries: true))
    }

    func redeem(_ request: Request, _ call: APICall) async throws -> Response {
        var request = request
        let id = try api.customerID(call.path("id"))
        guard let key = APIResponse.header(request, "Idempotency-Key"), !key.isEmpty else {
            throw Problem(.badRequest, "header 'Idempotency-Key' is required to redeem points")
        }
        let body = try LoyaltyRequest(try await request.body(upTo: 16_384))
        let points = try body.points(signed: false)
        let reason = try body.reason(required: false) ?? "redemption"
        let entry = try LoyaltyDesk.redeem(
            api.store, customer: id, points: points, key: key, reason: reason, actor: "api key \(call.key ?? "")",
            at: api.now())
        return try changed(entry, of: id)
    }

    func adjust(_ request: Request, _ call: APICall) async throws -> Response {
        var request = request
        let id = try api.customerID(call.path("id"))
        let body = try LoyaltyRequest(try await request.body(upTo: 16_384))
        let points = try body.points(signed: true)
        let reason = try body.reason(required: true) ?? ""
        let entry = try LoyaltyDesk.adjust(
            api.store, customer: id, points: points, reason: reason, actor: "api key \(call.key ?? "")",
            key: APIResponse.header(request, "Idempotency-Key"), expiresAt: try body.expiresAt(), at: api.now())
        return try changed(entry, of: id)
    }

    private func statement(_ id: CustomerID) throws -> LoyaltyStatement {
        try LoyaltyDesk.statement(api.store, customer: id, at: api.now())
    }

    private func changed(_ entry: LoyaltyEntry, of id: CustomerID) throws -> Response {
        let balance = try statement(id).balance
        return APIResponse.json(.created, object: ["entry": LoyaltyReport.entryObject(entry), "balance": balance])
    }
}

extension APISchemas {
    /// The loyalty routes' bodies.
    static var loyalty: [String: [String: Any]] {
        typealias J = APISchemas
        let time: [String: Any] = ["type": "string", "format": "date-time"]
        let figures: [String: [String: Any]] = [
            "customer_id": ["type": "integer"], "balance": ["type": "integer"], "pending": ["type": "integer"],
            "lifetime_earned": ["type": "integer"], "expiring_points": ["type": "integer"],
            "expiring_first": J.nullable("string"), "tier": J.nullable("string"), "next_tier": J.nullable("string"),
            "to_next_tier": J.nullable("integer"), "referral_code": ["type": "string"],
        ]
        let entry = J.object([
            "key": ["type": "string"],
            "kind": ["type": "string", "enum": LoyaltyEntry.Kind.allCases.map(\.rawValue)],
            "points": ["type": "integer"], "at": time, "available_at": time, "expires_at": J.nullable("string"),
            "reason": ["type": "string"], "actor": J.nullable("string"), "order_ref": J.nullable("string"),
            "unrecovered": ["type": "integer"],
            "allocations": J.array(J.object(["award": ["type": "string"], "points": ["type": "integer"]])),
        ])
        var ledger = figures
        ledger["entries"] = J.array(J.ref("LoyaltyEntry"))
        let points: [String: Any] = ["type": "integer", "minimum": 1, "maximum": LoyaltyRequest.mostPoints]
        return [
            "LoyaltyBalance": J.object(figures), "LoyaltyLedger": J.object(ledger), "LoyaltyEntry": entry,
            "LoyaltyChange": J.object(["entry": J.ref("LoyaltyEntry"), "balance": ["type": "integer"]]),
            "LoyaltyRedemption": J.object(
                ["points": points, "reason": ["type": "string", "minLength": 1]], required: ["points"]),
            "LoyaltyAdjustment": J.object(
                [
                    "points": [
                        "type": "integer", "minimum": -LoyaltyRequest.mostPoints, "maximum": LoyaltyRequest.mostPoints,
                        "not": ["const": 0],
                    ],
                    "reason": ["type": "string", "minLength": 1, "pattern": "\\S"], "expires_at": time,
                ], required: ["points", "reason"]),
        ]
    }
}

/// The body of a redemption or an adjustment: `points`, `reason`, `expires_at`.
struct LoyaltyRequest {
    static let mostPoints: Int64 = 1_000_000_000
    private struct Fields: Decodable {
        var points: Int64?
        var reason: String?
        var expires_at: String?
    }
    private let fields: Fields

    init(_ buffer: ByteBuffer) throws(Problem) {
        let data = Data(buffer: buffer)
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Problem(
                .badRequest, "body: expected a JSON object such as {\"points\": 100, \"reason\": \"voucher\"}")
        }
        if let unknown = object.keys.sorted().first(where: { !["points", "reason", "expires_at"].contains($0) }) {
            throw Problem(.badRequest, "body: unknown field '\(unknown)' (points, reason, expires_at)")
        }
        do {
            fields = try JSONDecoder().decode(Fields.self, from: data)
        } catch DecodingError.typeMismatch(_, let context), DecodingError.dataCorrupted(let context) {
            let field = context.codingPath.first?.stringValue ?? "body"
            throw Problem(
                .badRequest,
                field == "points"
                    ? "body: 'points' must be a whole number, found \(object["points"].map { "\($0)" } ?? "nothing")"
                    : "body: '\(field)' must be a string")
        } catch {
            throw Problem(.badRequest, "body: \(error)")
        }
    }

    /// A whole number of points, above 0 (or not 0 when `signed`), at most 10^9 either way.
    func points(signed: Bool) throws(Problem) -> Int64 {
        guard let points = fields.points, signed ? points != 0 : points > 0, points.magnitude <= Self.mostPoints
        else {
            throw Problem(
                .badRequest,
                "body: 'points' must be a whole number \(signed ? "other than 0" : "above 0") (at most \(Self.mostPoints)), "
                    + "found \(fields.points.map(String.init) ?? "nothing")")
        }
        return points
    }

    func reason(required: Bool) throws(Problem) -> String? {
        guard let text = fields.reason else {
            if required { throw Problem(.badRequest, "body: 'reason' is required") }
            return nil
        }
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw Problem(.badRequest, "body: 'reason' must not be empty")
        }
        return text
    }

    func expiresAt() throws(Problem) -> Int64? {
        guard let text = fields.expires_at else { return nil }
        guard let at = Timestamp.parse(text) else {
            throw Problem(.badRequest, "body: 'expires_at' must be a date-time such as 2027-06-01T00:00:00Z")
        }
        return at
    }
}
