import Foundation
import Hummingbird
import PatronCore

/// `/v1/customers/{id}/loyalty/tier-override`: the tier a customer was given by hand (read), and
/// setting or ending it (admin) with a reason, recorded with the API key's name. Each is one
/// ``LoyaltyDesk`` call; the next tier run applies it.
struct TierOverrideRoutes<S: PatronStore> {
    let api: APIContext<S>

    var routes: [APIRoute] {
        let path = "/v1/customers/{id}/loyalty/tier-override"
        return [
            APIRoute(
                method: .get, path: path, operationID: "tierOverride",
                summary: "The customer's last tier override: in force, ended or to come.",
                scope: .read, parameters: [.customerID],
                responses: [200: APIRoute.json("The override.", "TierOverride")],
                extraErrors: [404: "No such customer, or none was ever set."], handler: show),
            APIRoute(
                method: .put, path: path, operationID: "setTierOverride",
                summary: "Give the customer a tier by hand until a time (or until ended); tier null ends it now.",
                scope: .admin, parameters: [.customerID], requestBody: APISchemas.body("TierOverrideRequest"),
                responses: [200: APIRoute.json("The override as stored.", "TierOverride")],
                extraErrors: [404: "No such customer, or (ending) no override in force."], handler: set),
        ]
    }

    func show(_ request: Request, _ call: APICall) async throws -> Response {
        let id = try api.customerID(call.path("id"))
        guard let override = try LoyaltyDesk.tierOverride(api.store, customer: id) else {
            throw Problem(.notFound, "customer \(id.rawValue) has no tier override")
        }
        return APIResponse.json(.ok, object: Self.object(override, of: id, now: api.now()))
    }

    func set(_ request: Request, _ call: APICall) async throws -> Response {
        var request = request
        let id = try api.customerID(call.path("id"))
        let body = try TierOverrideRequest(try await request.body(upTo: 16_384))
        let override = try LoyaltyDesk.setTierOverride(
            api.store, customer: id, tier: body.tier, until: body.until, reason: body.reason,
            actor: "api key \(call.key ?? "")", at: api.now())
        return APIResponse.json(.ok, object: Self.object(override, of: id, now: api.now()))
    }

    static func object(_ override: TierOverride, of id: CustomerID, now: Int64) -> [String: Any] {
        [
            "customer_id": id.rawValue, "tier": override.tier, "from": Timestamp.format(override.from),
            "until": override.until.map(Timestamp.format) as Any, "actor": override.actor, "reason": override.reason,
            "in_force": override.isActive(at: now),
        ]
    }
}

extension APISchemas {
    /// The tier override routes' bodies.
    static var tierOverride: [String: [String: Any]] {
        typealias J = APISchemas
        let time: [String: Any] = ["type": "string", "format": "date-time"]
        return [
            "TierOverride": J.object([
                "customer_id": ["type": "integer"], "tier": ["type": "string"], "from": time,
                "until": J.nullable("string", ["format": "date-time"]), "actor": ["type": "string"],
                "reason": ["type": "string"], "in_force": ["type": "boolean"],
            ]),
            "TierOverrideRequest": J.object(
                [
                    "tier": J.nullable("string", ["minLength": 1]), "until": time,
                    "reason": ["type": "string", "minLength": 1, "pattern": "\\S"],
                ], required: ["tier", "reason"]),
        ]
    }
}

/// The body of a tier override: `tier` (a tier of the active rules, or null to end the override
/// in force), `until` (RFC 3339, optional) and `reason` (required).
struct TierOverrideRequest {
    var tier: String?
    var until: Int64?
    var reason: String

    init(_ buffer: ByteBuffer) throws(Problem) {
        let example = #"{"tier": "Gold", "until": "2027-01-01T00:00:00Z", "reason": "press"}"#
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any] else {
            throw Problem(.badRequest, "body: expected a JSON object such as \(example)")
        }
        if let unknown = object.keys.sorted().first(where: { !["tier", "until", "reason"].contains($0) }) {
            throw Problem(.badRequest, "body: unknown field '\(unknown)' (tier, until, reason)")
        }
        switch object["tier"] {
        case let text as String where !text.isEmpty: tier = text
        case is NSNull: tier = nil
        case nil: throw Problem(.badRequest, "body: 'tier' is required (a tier's name, or null to end the override)")
        default: throw Problem(.badRequest, "body: 'tier' must be a tier's name or null")
        }
        switch object["until"] {
        case nil, is NSNull: until = nil
        case let text as String:
            guard let at = Timestamp.parse(text) else {
                throw Problem(.badRequest, "body: 'until' must be a date-time such as 2027-01-01T00:00:00Z")
            }
            until = at
        default: throw Problem(.badRequest, "body: 'until' must be a date-time such as 2027-01-01T00:00:00Z")
        }
        guard let text = object["reason"] as? String, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        else { throw Problem(.badRequest, "body: 'reason' is required and must not be empty") }
        reason = text
    }
}
