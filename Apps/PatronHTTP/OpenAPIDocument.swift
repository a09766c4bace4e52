import Foundation

/// The OpenAPI 3.1 document of the API, built from the same route table the server answers
/// from, so it lists exactly the routes served with the parameters they check.
enum OpenAPIDocument {
    static func json(_ routes: [APIRoute]) -> String {
        var paths: [String: [String: Any]] = [:]
        for route in routes {
            var operation: [String: Any] = [
                "operationId": route.operationID, "summary": route.summary,
                "responses": responses(route),
            ]
            if !route.parameters.isEmpty {
                operation["parameters"] = route.parameters.map { parameter -> [String: Any] in
                    [
                        "name": parameter.name, "in": parameter.location.rawValue,
                        "description": parameter.description, "required": parameter.required,
                        "schema": parameter.schema,
                    ]
                }
            }
            if let body = route.requestBody { operation["requestBody"] = body }
            operation["security"] = route.scope.map { [["apiKey": [$0.rawValue]]] } ?? []
            if let scope = route.scope {
                operation["description"] = "Needs an API key with the `\(scope.rawValue)` scope (or a wider one)."
            }
            paths[route.path, default: [:]][route.method.rawValue.lowercased()] = operation
        }
        let document: [String: Any] = [
            "openapi": "3.1.0",
            "info": [
                "title": "Patron API", "version": "1",
                "description":
                    "Customers, orders, carts, tickets, segments, RFM and metrics of a Patron store, and the signed "
                    + "webhook receivers. Errors are application/problem+json (RFC 9457).",
            ],
            "paths": paths,
            "components": [
                "schemas": APISchemas.components,
                "securitySchemes": [
                    "apiKey": [
                        "type": "http", "scheme": "bearer",
                        "description": "An API key from `patron apikey create NAME --scope read|write|admin`.",
                    ]
                ],
            ],
        ]
        let data = try! JSONSerialization.data(
            withJSONObject: document, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    static func problem(_ description: String) -> [String: Any] {
        ["description": description, "content": ["application/problem+json": ["schema": APISchemas.ref("Problem")]]]
    }

    /// The route's success responses, and the errors it can answer.
    static func responses(_ route: APIRoute) -> [String: Any] {
        var responses: [String: Any] = [:]
        for (status, response) in route.responses { responses[String(status)] = response }
        var errors: [Int: String] = [:]
        if !route.parameters.isEmpty || route.requestBody != nil { errors[400] = "A parameter or the body is wrong." }
        if route.scope != nil {
            errors[401] = "No API key, or an unknown or revoked one."
            errors[403] = "The key lacks the scope."
            errors[429] = "The key is over its rate (see Retry-After)."
            errors[400] = errors[400] ?? "A parameter is wrong."
        }
        if route.parameters.contains(where: { $0.location == .path || $0.name == "customer" }) {
            errors[404] = "No such record."
        }
        if route.requestBody != nil {
            errors[409] = "The body contradicts the store."
            errors[413] = "The body is too large."
            errors[422] = "The body cannot be applied."
        }
        for (status, description) in route.extraErrors { errors[status] = description }
        for (status, description) in errors where responses[String(status)] == nil {
            responses[String(status)] = problem(description)
        }
        return responses
    }
}
