import Foundation
import Hummingbird
import Logging
import PatronAuth
import PatronCore
import PatronOps

/// A documented parameter of a route.
struct APIParameter {
    enum Location: String { case path, query, header }
    var name: String
    var location: Location
    var description: String
    /// A JSON Schema.
    var schema: [String: Any]
    var required: Bool

    static func path(_ name: String, _ description: String, schema: [String: Any] = ["type": "string"])
        -> APIParameter
    {
        APIParameter(name: name, location: .path, description: description, schema: schema, required: true)
    }

    /// A customer as paths and queries name one: `source:id`, `patron:N` or `N`.
    static let customerPattern = "^([1-9][0-9]{0,17}|patron:[1-9][0-9]{0,17}|[^:/]+:[^/]+)$"

    /// `{id}` of a customer.
    static var customerID: APIParameter {
        .path(
            "id", "`source:id` (the source's id), or `patron:N` / `N` (the store's id).",
            schema: ["type": "string", "pattern": customerPattern])
    }

    /// `{id}` of an order, cart, ticket or audit entry: the store's number.
    static func recordID(_ what: String) -> APIParameter {
        .path(
            "id", "The store's number of the \(what).", schema: ["type": "integer", "minimum": 1, "maximum": Int64.max])
    }

    static func query(_ name: String, _ description: String, schema: [String: Any] = ["type": "string"])
        -> APIParameter
    {
        APIParameter(name: name, location: .query, description: description, schema: schema, required: false)
    }

    static func header(_ name: String, _ description: String, required: Bool = false) -> APIParameter {
        APIParameter(
            name: name, location: .header, description: description, schema: ["type": "string"], required: required)
    }

    /// `limit` (1–1000, default 100) and `cursor` (the `next_cursor` of the previous page).
    static var page: [APIParameter] {
        [
            .query(
                "limit", "At most this many items (1–1000, default 100).",
                schema: ["type": "integer", "minimum": 1, "maximum": 1000]),
            .query(
                "cursor", "The `next_cursor` of the previous page.", schema: ["type": "string", "pattern": "^[0-9]+$"]),
        ]
    }
}

/// One route: how it is documented in OpenAPI and what answers it. Every route of the API is
/// one of these, so the document served at `/openapi.json` lists exactly the routes served.
struct APIRoute {
    var method: HTTPRequest.Method
    /// In OpenAPI form (`/v1/customers/{id}`), which is also Hummingbird's.
    var path: String
    var operationID: String
    var summary: String
    /// `nil`: no key needed.
    var scope: APIScope?
    var parameters: [APIParameter] = []
    /// An OpenAPI request body object.
    var requestBody: [String: Any]?
    /// Success responses: status → OpenAPI response object. Error responses are added from the
    /// route's scope and parameters.
    var responses: [Int: [String: Any]]
    /// Error statuses the route answers beyond those its scope, parameters and body imply.
    var extraErrors: [Int: String] = [:]
    var handler: @Sendable (Request, APICall) async throws -> Response

    /// A JSON response object referring to a component schema.
    static func json(_ description: String, _ schema: String) -> [String: Any] {
        [
            "description": description,
            "content": ["application/json": ["schema": ["$ref": "#/components/schemas/\(schema)"]]],
        ]
    }
}

/// What a handler gets: the path parameters, the query, and the caller's key.
struct APICall: Sendable {
    var parameters: Parameters
    var query: [String: String]
    /// The name of the API key, when the route needs one.
    var key: String?
    /// That key's stored scopes (`write`, `track`, `origin:…`).
    var scopes: [String] = []

    /// A path parameter, percent-decoded (`shop%3A42` is `shop:42`).
    func path(_ name: String) -> String {
        let raw = parameters.get(name) ?? ""
        guard raw.utf8.contains(UInt8(ascii: "%")) else { return raw }
        return raw.removingPercentEncoding ?? raw
    }

    /// An integer query parameter within `range`; a 400 naming it otherwise.
    func integer(_ name: String, default value: Int, in range: ClosedRange<Int>) throws(Problem) -> Int {
        guard let text = query[name] else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw Problem(
                .badRequest,
                "query parameter '\(name)': expected an integer from \(range.lowerBound) to \(range.upperBound), found '\(text)'"
            )
        }
        return number
    }

    /// The page size and the id to continue after.
    func page() throws(Problem) -> (limit: Int, after: Int64) {
        let limit = try integer("limit", default: 100, in: 1...1000)
        guard let cursor = query["cursor"] else { return (limit, 0) }
        guard let after = Int64(cursor), after >= 0, cursor.allSatisfy(\.isASCII) else {
            throw Problem(.badRequest, "query parameter 'cursor': not a cursor this API gave out ('\(cursor)')")
        }
        return (limit, after)
    }
}

extension PatronError {
    /// The status the API (and the dashboard) answers this error with: what the caller sent is
    /// wrong (400), names nothing (404), contradicts the store (409), may not be done (403), or
    /// the store failed (500, its message not shown).
    var httpStatus: HTTPResponse.Status {
        switch code {
        case .notFound: .notFound
        case .conflict: .conflict
        case .forbidden: .forbidden
        case .insufficientData: .unprocessableContent
        case .readOnlyStore, .storeUnavailable: .serviceUnavailable
        case .storeFailure: .internalServerError
        default: .badRequest
        }
    }
}

/// Registers routes on a Hummingbird router and answers them: checks the key and its rate,
/// maps errors to problem+json, logs failures.
struct APIRouteRunner: Sendable {
    let guardian: APIGuard
    let logger: Logger
    /// Where handlers run when the store's calls wait on a server (``APIServerSettings/storeWaitsOnServer``).
    var executor: BlockingExecutor?

    static let methods: [HTTPRequest.Method] = [
        .get, .post, .put, .patch, .delete, .options, .trace, HTTPRequest.Method("QUERY")!,
    ]

    func add(_ routes: [APIRoute], to router: Router<some RequestContext>) {
        // A known path asked with a method it does not have: 405 with Allow.
        var allowed: [String: [HTTPRequest.Method]] = [:]
        for route in routes { allowed[route.path, default: []].append(route.method) }
        for (path, methods) in allowed {
            let allow = methods.map(\.rawValue).joined(separator: ", ")
            for method in Self.methods where !methods.contains(method) {
                router.on(RouterPath(path), method: method) { request, _ -> Response in
                    APIResponse.problem(
                        Problem(
                            .methodNotAllowed, "\(request.method.rawValue) is not allowed here (allowed: \(allow))",
                            headers: [.allow: allow]))
                }
            }
        }
        for route in routes {
            let scope = route.scope
            let handler = route.handler
            let logger = logger
            let guardian = guardian
            if let executor {
                router.on(RouterPath(route.path), method: route.method) { request, context -> Response in
                    let parameters = context.parameters
                    return await withTaskExecutorPreference(executor) {
                        await Self.answer(
                            request, parameters: parameters, scope: scope, guardian: guardian, logger: logger,
                            handler: handler)
                    }
                }
            } else {
                router.on(RouterPath(route.path), method: route.method) { request, context -> Response in
                    await Self.answer(
                        request, parameters: context.parameters, scope: scope, guardian: guardian, logger: logger,
                        handler: handler)
                }
            }
        }
    }

    static func answer(
        _ request: Request, parameters: Parameters, scope: APIScope?, guardian: APIGuard, logger: Logger,
        handler: @Sendable (Request, APICall) async throws -> Response
    ) async -> Response {
        do {
            var query: [String: String] = [:]
            if let text = request.uri.query, !text.isEmpty {
                for (name, value) in request.uri.queryParameters where query[String(name)] == nil {
                    query[String(name)] = String(value)
                }
            }
            var key: StoredAPIKey?
            if let scope { key = try await guardian.authorizedKey(request, scope) }
            return try await handler(
                request, APICall(parameters: parameters, query: query, key: key?.name, scopes: key?.scopes ?? []))
        } catch let problem as Problem {
            return APIResponse.problem(problem)
        } catch let problem as FlowFileProblem {
            return problem.response
        } catch let error as SegmentError {
            return APIResponse.problem(Problem(.badRequest, "segment: \(error.description)"))
        } catch let error as PatronError where error.code == .storeUnavailable {
            logger.warning("store unavailable", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return APIResponse.problem(
                Problem(
                    .serviceUnavailable, "the store cannot be reached now; nothing was changed, try again shortly",
                    headers: [.retryAfter: "5"]))
        } catch let error as PatronError {
            let status = error.httpStatus
            if status == .internalServerError {
                logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
                return APIResponse.problem(Problem(status, "the store could not answer"))
            }
            return APIResponse.problem(Problem(status, error.description))
        } catch {
            logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return APIResponse.problem(Problem(.internalServerError, "the store could not answer"))
        }
    }
}
