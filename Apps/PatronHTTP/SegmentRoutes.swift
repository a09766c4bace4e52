import Foundation
import Hummingbird
import PatronCore

/// `/v1/segments`: saved segments, their members a page at a time, their export streamed as CSV
/// or NDJSON; `/v1/segment-count` counts any expression.
struct SegmentRoutes<S: PatronStore> {
    let api: APIContext<S>
    /// Members rendered per read transaction while streaming an export.
    static var exportChunk: Int { 5_000 }

    var routes: [APIRoute] {
        let name = APIParameter.path(
            "name", "The saved segment's name.",
            schema: ["type": "string", "pattern": "^[A-Za-z][A-Za-z0-9._-]*$"])
        return [
            APIRoute(
                method: .get, path: "/v1/segments", operationID: "listSegments", summary: "The saved segments.",
                scope: .read, responses: [200: APIRoute.json("The saved segments by name.", "SegmentList")],
                handler: list),
            APIRoute(
                method: .get, path: "/v1/segments/{name}", operationID: "getSegment",
                summary: "A saved segment and how many customers are in it now.", scope: .read, parameters: [name],
                responses: [200: APIRoute.json("The segment.", "Segment")], handler: get),
            APIRoute(
                method: .get, path: "/v1/segments/{name}/members", operationID: "segmentMembers",
                summary: "The segment's members now, a page at a time.", scope: .read,
                parameters: [name] + APIParameter.page,
                responses: [200: APIRoute.json("A page of customers.", "CustomerPage")], handler: members),
            APIRoute(
                method: .get, path: "/v1/segments/{name}/export", operationID: "exportSegment",
                summary: "Every member now, streamed as CSV (customer_id first) or NDJSON.", scope: .read,
                parameters: [
                    name,
                    .query(
                        "format", "csv (default) or ndjson.", schema: ["type": "string", "enum": ["csv", "ndjson"]]),
                ],
                responses: [
                    200: [
                        "description": "The members.",
                        "content": [
                            "text/csv": ["schema": ["type": "string"]],
                            "application/x-ndjson": ["schema": ["type": "string"]],
                        ],
                    ]
                ], handler: export),
            APIRoute(
                method: .get, path: "/v1/segment-count", operationID: "countSegment",
                summary: "How many customers match a segment expression now.", scope: .read,
                parameters: [
                    APIParameter(
                        name: "segment", location: .query, description: "A segment expression.",
                        schema: ["type": "string", "minLength": 1], required: true)
                ], responses: [200: APIRoute.json("The count.", "SegmentCount")], handler: count),
        ]
    }

    func saved(_ name: String) throws -> (SavedSegment, SegmentExpression) {
        guard let segment = try api.store.savedSegment(named: name) else {
            throw Problem(.notFound, "no saved segment '\(name)'")
        }
        return (segment, try api.store.parseSegment(segment.expression, currencyDigits: try api.digits()))
    }

    static func object(_ segment: SavedSegment) -> [String: Any] {
        ["name": segment.name, "expression": segment.expression, "saved_at": Timestamp.format(segment.savedAt)]
    }

    func list(_ request: Request, _ call: APICall) async throws -> Response {
        APIResponse.json(.ok, object: ["items": try api.store.savedSegments().map(Self.object)])
    }

    func get(_ request: Request, _ call: APICall) async throws -> Response {
        let (segment, expression) = try saved(call.path("name"))
        var object = Self.object(segment)
        object["count"] = try await api.store.segmentCount(expression, now: api.now())
        return APIResponse.json(.ok, object: object)
    }

    func members(_ request: Request, _ call: APICall) async throws -> Response {
        let (_, expression) = try saved(call.path("name"))
        let (limit, after) = try call.page()
        let digits = try api.digits()
        var items: [String] = []
        var last: Int64 = 0
        try await api.store.forEachSegmentMember(
            expression, fields: CustomerJSON.fields, now: api.now(), after: CustomerID(after), limit: limit
        ) { row in
            last = row.id.rawValue
            items.append(
                CustomerJSON.withID(row.id, SegmentExport.json(row, fields: CustomerJSON.fields, digits: digits)))
        }
        let next = items.count == limit ? "\"\(last)\"" : "null"
        return APIResponse.json(.ok, #"{"items":[\#(items.joined(separator: ","))],"next_cursor":\#(next)}"#)
    }

    func count(_ request: Request, _ call: APICall) async throws -> Response {
        guard let text = call.query["segment"] else {
            throw Problem(.badRequest, "query parameter 'segment' is required")
        }
        let expression = try api.store.parseSegment(text, currencyDigits: try api.digits())
        return await APIResponse.json(
            .ok, object: ["segment": text, "count": try api.store.segmentCount(expression, now: api.now())])
    }

    /// Streams the members in chunks, each read in its own short transaction so a long export
    /// never holds the store; every member is read at one `now`.
    func export(_ request: Request, _ call: APICall) async throws -> Response {
        let (segment, expression) = try saved(call.path("name"))
        let format = call.query["format"] ?? "csv"
        guard format == "csv" || format == "ndjson" else {
            throw Problem(.badRequest, "query parameter 'format': expected csv or ndjson, found '\(format)'")
        }
        let digits = try api.digits()
        let now = api.now()
        let fields = SegmentExport.defaultFields.compactMap(SegmentCatalogue.field(named:))
        let store = api.store
        let logger = api.logger
        let body = ResponseBody { writer in
            if format == "csv" { try await writer.write(ByteBuffer(string: SegmentExport.csvHeader(fields) + "\n")) }
            var after = CustomerID(0)
            while true {
                var csv = CSVBuffer(capacity: 1 << 16)
                var ndjson: [UInt8] = []
                var count = 0
                do {
                    try await store.forEachSegmentMember(
                        expression, fields: fields, now: now, after: after, limit: Self.exportChunk
                    ) { row in
                        count += 1
                        after = row.id
                        if format == "csv" {
                            SegmentExport.appendCSV(row, fields: fields, digits: digits, guardFormulas: true, to: &csv)
                        } else {
                            ndjson += Array((SegmentExport.json(row, fields: fields, digits: digits) + "\n").utf8)
                        }
                    }
                } catch {
                    logger.error("export failed", metadata: ["segment": "\(segment.name)", "error": "\(error)"])
                    throw error
                }
                if count > 0 { try await writer.write(ByteBuffer(bytes: format == "csv" ? csv.bytes : ndjson)) }
                if count < Self.exportChunk { break }
            }
            try await writer.finish(nil)
        }
        let type = format == "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson"
        return Response(
            status: .ok,
            headers: [
                .contentType: type,
                .contentDisposition: "attachment; filename=\"\(segment.name).\(format == "csv" ? "csv" : "ndjson")\"",
            ], body: body)
    }
}
