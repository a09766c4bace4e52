import Foundation
import Hummingbird
import PatronCore
import PatronFlows

/// `/v1/flows`: the campaign flows — list, one with its stats, upload a flow file (validated with
/// positioned errors), activate, pause.
struct FlowRoutes<S: PatronStore> {
    let api: APIContext<S>
    static var maxBody: Int { 1 << 20 }

    var routes: [APIRoute] {
        let id = APIParameter.path(
            "id", "The flow's id.", schema: ["type": "string", "pattern": "^[a-z0-9-]{1,64}$"])
        let yaml: [String: Any] = [
            "required": true,
            "content": [
                "application/yaml": ["schema": ["type": "string"]], "text/plain": ["schema": ["type": "string"]],
            ],
        ]
        let invalid = [422: "The flow file has errors (each with line and column in `errors`); nothing is stored."]
        return [
            APIRoute(
                method: .get, path: "/v1/flows", operationID: "listFlows", summary: "The stored campaign flows.",
                scope: .read, responses: [200: APIRoute.json("The flows.", "FlowList")], handler: list),
            APIRoute(
                method: .get, path: "/v1/flows/{id}", operationID: "getFlow",
                summary: "One flow: its file, status and stats (messages, decisions by reason, conversions, lift).",
                scope: .read, parameters: [id], responses: [200: APIRoute.json("The flow.", "FlowDetail")],
                handler: get),
            APIRoute(
                method: .put, path: "/v1/flows/{id}", operationID: "putFlow",
                summary: "Store a flow file (YAML). It is validated first; a new flow starts paused (draft).",
                scope: .admin, parameters: [id], requestBody: yaml,
                responses: [200: APIRoute.json("The stored flow.", "Flow")], extraErrors: invalid, handler: put),
            APIRoute(
                method: .post, path: "/v1/flows/{id}/activate", operationID: "activateFlow",
                summary: "Activate a stored flow: firings count from now.", scope: .admin, parameters: [id],
                responses: [200: APIRoute.json("The flow.", "Flow")], extraErrors: invalid, handler: activate),
            APIRoute(
                method: .post, path: "/v1/flows/{id}/pause", operationID: "pauseFlow",
                summary: "Pause a flow: no new entries; runs wait until it is activated again.", scope: .admin,
                parameters: [id], responses: [200: APIRoute.json("The flow.", "Flow")], handler: pause),
        ]
    }

    static func object(_ flow: StoredFlow) -> [String: Any] {
        [
            "id": flow.id, "name": flow.name, "status": flow.status.rawValue,
            "activated_at": flow.activatedAt.map(Timestamp.format) as Any,
            "updated_at": Timestamp.format(flow.updatedAt),
        ]
    }

    func stored(_ id: String) async throws -> StoredFlow {
        guard let flow = try await api.store.flows().first(where: { $0.id == id }) else {
            throw Problem(.notFound, "no flow '\(id)'")
        }
        return flow
    }

    /// Parses a flow file against the store's currency and saved segments; 422 with every error.
    func parse(_ text: String, file: String) throws -> Flow {
        let digits = try api.digits()
        let store = api.store
        switch Result(catching: { () throws(FlowFileErrors) -> Flow in
            try FlowFile.parse(
                text, file: file, currencyDigits: digits,
                savedSegment: { try store.savedSegment(named: $0)?.expression })
        }) {
        case .success(let flow): return flow
        case .failure(let errors):
            throw FlowFileProblem(errors: errors)
        }
    }

    func list(_ request: Request, _ call: APICall) async throws -> Response {
        await APIResponse.json(.ok, object: ["items": try api.store.flows().map(Self.object)])
    }

    func get(_ request: Request, _ call: APICall) async throws -> Response {
        let flow = try await stored(call.path("id"))
        let attribution = (try? parse(flow.source, file: flow.id))?.attributionSeconds ?? Flow.defaultAttributionSeconds
        let stats = try await api.store.flowStats(flow.id, attributionSeconds: attribution)
        var object = Self.object(flow)
        object["source"] = flow.source
        object["stats"] = [
            "messages": Dictionary(uniqueKeysWithValues: stats.messages.map { ($0.key.rawValue, $0.value) }),
            "decisions": stats.decisions, "treated": stats.treated, "holdout": stats.holdout,
            "treated_converted": stats.treatedConverted, "holdout_converted": stats.holdoutConverted,
            "attributed_orders": stats.attributedOrders,
            "attributed_revenue": Money.decimalString(stats.attributedRevenueMinor, digits: try api.digits()),
            "lift": stats.lift as Any,
        ]
        return APIResponse.json(.ok, object: object)
    }

    func put(_ request: Request, _ call: APICall) async throws -> Response {
        let id = call.path("id")
        var request = request
        let buffer = try await request.body(upTo: Self.maxBody)
        let text = String(decoding: buffer.readableBytesView, as: UTF8.self)
        let flow = try parse(text, file: "\(id).yaml")
        guard flow.id == id else {
            throw Problem(.unprocessableContent, "the file's id is '\(flow.id)', the path's '\(id)'")
        }
        try await api.store.saveFlow(id: id, name: flow.name, source: text, path: nil, at: api.now())
        api.logger.notice("flow stored", metadata: ["flow": "\(id)"])
        return await APIResponse.json(.ok, object: Self.object(try stored(id)))
    }

    func activate(_ request: Request, _ call: APICall) async throws -> Response {
        let flow = try await stored(call.path("id"))
        _ = try parse(flow.source, file: flow.path ?? flow.id)
        _ = try await api.store.setFlowStatus(flow.id, .active, at: api.now())
        api.logger.notice("flow activated", metadata: ["flow": "\(flow.id)"])
        return await APIResponse.json(.ok, object: Self.object(try stored(flow.id)))
    }

    func pause(_ request: Request, _ call: APICall) async throws -> Response {
        let flow = try await stored(call.path("id"))
        _ = try await api.store.setFlowStatus(flow.id, .paused, at: api.now())
        api.logger.notice("flow paused", metadata: ["flow": "\(flow.id)"])
        return await APIResponse.json(.ok, object: Self.object(try stored(flow.id)))
    }
}

/// A flow file with errors, as a 422 problem whose `errors` list every position.
struct FlowFileProblem: Error {
    let errors: FlowFileErrors

    var response: Response {
        let object: [String: Any] = [
            "type": "about:blank", "title": "Unprocessable Content", "status": 422,
            "detail": errors.description,
            "errors": errors.errors.map { ["line": $0.line, "column": $0.column, "message": $0.message] },
        ]
        var response = APIResponse.json(.unprocessableContent, object: object)
        response.headers[.contentType] = "application/problem+json"
        return response
    }
}
