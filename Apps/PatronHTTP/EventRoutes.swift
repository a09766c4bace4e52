import Foundation
import Hummingbird
import PatronCore

/// `POST /v1/events`: Patron's NDJSON events (docs/ndjson.md), applied in one transaction; an
/// error names the line and field and applies nothing. `/v1/audit`: the privacy audit log.
struct EventRoutes<S: PatronStore> {
    let api: APIContext<S>
    static var maxBody: Int { 16 << 20 }

    var routes: [APIRoute] {
        [
            APIRoute(
                method: .post, path: "/v1/events", operationID: "ingestEvents",
                summary: "Apply NDJSON events in one transaction (each event id once; at most 16 MiB).",
                scope: .write,
                requestBody: [
                    "required": true,
                    "content": [
                        "application/x-ndjson": ["schema": ["type": "string", "pattern": "\\S"]],
                        "text/plain": ["schema": ["type": "string", "pattern": "\\S"]],
                    ],
                ], responses: [200: APIRoute.json("What was applied.", "IngestResult")], handler: ingest),
            APIRoute(
                method: .get, path: "/v1/audit", operationID: "auditLog",
                summary: "The privacy audit log, newest first: erasures, exports, data requests.", scope: .admin,
                parameters: [
                    .query(
                        "limit", "At most this many entries (1–1000, default 100).",
                        schema: ["type": "integer", "minimum": 1, "maximum": 1000])
                ], responses: [200: APIRoute.json("The entries.", "AuditList")], handler: audit),
            APIRoute(
                method: .get, path: "/v1/audit/{id}", operationID: "auditEntry",
                summary: "One audit entry, with the document a data request produced.", scope: .admin,
                parameters: [.recordID("audit entry")],
                responses: [200: APIRoute.json("The entry.", "AuditEntry")], handler: auditEntry),
        ]
    }

    func ingest(_ request: Request, _ call: APICall) async throws -> Response {
        var request = request
        let buffer = try await request.body(upTo: Self.maxBody)
        guard let text = String(validating: buffer.readableBytesView, as: UTF8.self) else {
            let place = UTF8Validation.firstInvalidPlace(in: buffer.readableBytesView)
            throw Problem(
                .badRequest,
                "body:\(place?.line ?? 1): not UTF-8 at byte \(place?.byte ?? 1) of the line (NDJSON is UTF-8 text)")
        }
        var events: [IngestEvent] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.hasSuffix("\r") ? line.dropLast() : line
            if trimmed.allSatisfy(\.isWhitespace) { continue }
            events.append(try NDJSONCodec.decode(line: trimmed, at: InputLocation(file: "body", line: index + 1)))
        }
        guard !events.isEmpty else { throw Problem(.badRequest, "body: no event (one JSON object per line)") }
        let started = DispatchTime.now().uptimeNanoseconds
        let report: IngestReport
        do {
            report = try Ingestor(store: api.store).ingest(events)
        } catch {
            IngestMetrics.failed()
            throw error
        }
        IngestMetrics.record([report], since: started)
        return APIResponse.json(
            .ok, object: ["events": events.count, "applied": report.appliedCount, "duplicates": report.duplicates])
    }

    static func object(_ entry: AuditEntry) -> [String: Any] {
        var object: [String: Any] = [
            "id": entry.id, "at": Timestamp.format(entry.at), "action": entry.action, "subject": entry.subject,
            "actor": entry.actor, "detail": entry.detail,
        ]
        if let document = entry.document,
            let parsed = try? JSONSerialization.jsonObject(with: Data(document.utf8))
        {
            object["document"] = parsed
        }
        return object
    }

    func audit(_ request: Request, _ call: APICall) async throws -> Response {
        let limit = try call.integer("limit", default: 100, in: 1...1000)
        return APIResponse.json(
            .ok, object: ["items": try await api.store.auditLog(limit: limit, documents: false).map(Self.object)])
    }

    func auditEntry(_ request: Request, _ call: APICall) async throws -> Response {
        guard
            let entry = try await api.store.auditEntry(id: try APIContext<S>.number(call.path("id"), "an audit entry"))
        else {
            throw Problem(.notFound, "no audit entry \(call.path("id"))")
        }
        return APIResponse.json(.ok, object: Self.object(entry))
    }
}
