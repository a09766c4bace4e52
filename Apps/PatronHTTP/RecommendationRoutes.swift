import Foundation
import Hummingbird
import PatronCore

/// `GET /v1/customers/{id}/recommendations`: the customer's list from the stored model (rebuilt
/// by the scheduler's nightly job or `patron recommend rebuild`), one ``RecommendationDesk`` call.
/// The model and the catalogue are kept in memory (``RecommendationModelCache``): a request reads
/// only the customer's orders.
struct RecommendationRoutes<S: PatronStore> {
    let api: APIContext<S>
    let cache = RecommendationModelCache()

    var routes: [APIRoute] {
        [
            APIRoute(
                method: .get, path: "/v1/customers/{id}/recommendations", operationID: "customerRecommendations",
                summary: "Up to n SKUs for the customer, never one they bought, each with why (the stored model).",
                scope: .read,
                parameters: [
                    .customerID,
                    .query(
                        "n", "How many (1–100, default 10).", schema: ["type": "integer", "minimum": 1, "maximum": 100]),
                ],
                responses: [200: APIRoute.json("The suggestions, best first.", "Recommendations")],
                extraErrors: [422: "No recommendation model is stored yet."], handler: recommendations)
        ]
    }

    func recommendations(_ request: Request, _ call: APICall) async throws -> Response {
        // The desk answers 404 for an unknown customer itself: a `patron:N` id needs no read here.
        let id = try api.customerID(call.path("id"), verified: false)
        let n = try call.integer("n", default: 10, in: 1...100)
        let (model, catalogue) = try cache.current(api.store)
        guard let model else {
            _ = try api.customerID(call.path("id"))  // an unknown customer is a 404 first
            throw RecommendationDesk.noModel
        }
        let list = try RecommendationDesk.forCustomer(
            api.store, id, n: n, at: api.now(), from: .given(model), catalogue: catalogue)
        return APIResponse.json(.ok, Recommendation.json(list))
    }
}

extension APISchemas {
    /// The recommendation route's body.
    static var recommendations: [String: [String: Any]] {
        let reason = object(["sku": ["type": "string"], "score": ["type": "number"], "together": ["type": "integer"]])
        return [
            "Recommendations": array(
                object(
                    [
                        "sku": ["type": "string"], "score": ["type": "number"],
                        "source": ["type": "string", "enum": ["also_bought", "popular", "replenish"]],
                        "because": array(reason), "interval_days": ["type": "integer", "minimum": 1],
                        // The catalogue's product, when the store has one.
                        "name": ["type": "string"], "url": ["type": "string"], "image_url": ["type": "string"],
                        "price": ["type": "string"], "currency": ["type": "string"],
                    ], required: ["sku", "score", "source", "because"]))
        ]
    }
}
