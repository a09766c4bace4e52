import Foundation
import Hummingbird
import Logging
import PatronCore

/// `/v1/customers`: list (cursor pages, `?segment=EXPR`), get, create, update, erase, the data
/// request's export and the timeline. A customer is named in paths as `source:id` (the shop's
/// id) or `patron:N` (the store's id, also accepted as plain `N`).
struct CustomerRoutes<S: PatronStore> {
    let api: APIContext<S>

    var routes: [APIRoute] {
        let id = APIParameter.customerID
        return [
            APIRoute(
                method: .get, path: "/v1/customers", operationID: "listCustomers",
                summary: "Customers in id order, a page at a time, optionally only a segment's members.",
                scope: .read,
                parameters: APIParameter.page + [
                    .query(
                        "segment", "A segment expression (see docs/segments.md), e.g. `orders.count >= 2`.",
                        schema: ["type": "string", "minLength": 1])
                ],
                responses: [200: APIRoute.json("A page of customers.", "CustomerPage")], handler: list),
            APIRoute(
                method: .post, path: "/v1/customers", operationID: "createCustomer",
                summary: "Create or update a customer from a source's profile (applied once per Idempotency-Key).",
                scope: .write, requestBody: APISchemas.body("CustomerInput"),
                responses: [201: APIRoute.json("The customer as stored.", "Customer")], handler: create),
            APIRoute(
                method: .get, path: "/v1/customers/{id}", operationID: "getCustomer", summary: "One customer.",
                scope: .read, parameters: [id], responses: [200: APIRoute.json("The customer.", "Customer")],
                handler: get),
            APIRoute(
                method: .patch, path: "/v1/customers/{id}", operationID: "updateCustomer",
                summary: "Update a customer's profile; fields left out keep their value.", scope: .write,
                parameters: [id], requestBody: APISchemas.body("CustomerInput"),
                responses: [200: APIRoute.json("The customer as stored.", "Customer")], handler: update),
            APIRoute(
                method: .delete, path: "/v1/customers/{id}", operationID: "eraseCustomer",
                summary:
                    "Erase the person's personal data everywhere; anonymous order figures stay. Recorded in the audit log.",
                scope: .admin, parameters: [id], responses: [200: APIRoute.json("What was erased.", "Erased")],
                handler: erase),
            APIRoute(
                method: .get, path: "/v1/customers/{id}/export", operationID: "exportCustomer",
                summary:
                    "Everything held about the person, as one document (a data request). Recorded in the audit log.",
                scope: .admin, parameters: [id],
                responses: [200: APIRoute.json("The person's data.", "CustomerDataExport")], handler: export),
            APIRoute(
                method: .get, path: "/v1/customers/{id}/timeline", operationID: "customerTimeline",
                summary: "Orders, carts, tickets, consent and segment moves in one time-ordered list.", scope: .read,
                parameters: [id], responses: [200: APIRoute.json("The timeline, oldest first.", "Timeline")],
                handler: timeline),
        ]
    }

    // MARK: Handlers

    func list(_ request: Request, _ call: APICall) async throws -> Response {
        let (limit, after) = try call.page()
        let now = api.now()
        let expression = try call.query["segment"].map { text in
            try api.store.parseSegment(text, currencyDigits: try api.digits())
        }
        let digits = try api.digits()
        var items: [String] = []
        var last: Int64 = 0
        try await api.store.forEachSegmentMember(
            expression, fields: CustomerJSON.fields, now: now, after: CustomerID(after), limit: limit
        ) { row in
            last = row.id.rawValue
            items.append(
                CustomerJSON.withID(row.id, SegmentExport.json(row, fields: CustomerJSON.fields, digits: digits)))
        }
        let next = items.count == limit ? String(last) : nil
        return APIResponse.json(
            .ok, #"{"items":[\#(items.joined(separator: ","))],"next_cursor":\#(next.map { "\"\($0)\"" } ?? "null")}"#)
    }

    func get(_ request: Request, _ call: APICall) async throws -> Response {
        let text = call.path("id")
        // No transaction around the reads (one statement for a `patron:N`, two for a ref): a
        // customer merged away between the two is answered 404, as a moment later.
        return APIResponse.json(
            .ok,
            try api.store.quickRead { t in
                try customerJSON(try api.customerID(text, in: t, verify: false), in: t)
            })
    }

    func create(_ request: Request, _ call: APICall) async throws -> Response {
        var request = request
        let input = try await CustomerInput.decode(request.body())
        guard let source = input.source, let ref = input.id else {
            throw Problem(.badRequest, "body: 'source' and 'id' are required to create a customer")
        }
        let key = APIResponse.header(request, "Idempotency-Key") ?? UUID().uuidString
        try apply(input, source: source, identity: ["id": ref], eventID: "api:\(call.key ?? ""):\(key)")
        let id = try api.store.read { try $0.customerID(ref: ExternalRef(source: source, id: ref)) }
        guard let id else { throw Problem(.internalServerError, "the customer was not stored") }
        var response = APIResponse.json(.created, try customerJSON(id))
        response.headers[.location] = "/v1/customers/\(source):\(ref)"
        return response
    }

    func update(_ request: Request, _ call: APICall) async throws -> Response {
        var request = request
        let id = try api.customerID(call.path("id"))
        let input = try await CustomerInput.decode(request.body())
        guard let customer = try api.store.read({ try $0.customer(id) }), customer.erasedAt == nil else {
            throw Problem(.notFound, "no customer \(call.path("id")) (or the person was erased)")
        }
        // The update names the customer by a ref it already has, so it cannot create another one.
        let refs = try api.store.read { try $0.refs(of: id) }
        guard let ref = customer.primaryRef ?? refs.first else {
            throw Problem(.conflict, "the customer has no source id to update it by")
        }
        let key = APIResponse.header(request, "Idempotency-Key") ?? UUID().uuidString
        try apply(input, source: ref.source, identity: ["id": ref.id], eventID: "api:\(call.key ?? ""):\(key)")
        return APIResponse.json(.ok, try customerJSON(id))
    }

    /// Applies a profile (and its consent statements) as events, in one transaction.
    func apply(_ input: CustomerInput, source: String, identity: [String: Any], eventID: String) throws {
        let at = api.now()
        var customer = input.profile
        for (name, value) in identity { customer[name] = value }
        var events: [[String: Any]] = [
            [
                "id": eventID, "type": "customer.upserted", "source": source, "at": Timestamp.format(at),
                "customer": customer,
            ]
        ]
        for (channel, status) in input.consent.sorted(by: { $0.key < $1.key }) {
            events.append([
                "id": "\(eventID):consent:\(channel)", "type": "consent.changed", "source": source,
                "at": Timestamp.format(at), "consent": ["channel": channel, "status": status, "customer": identity],
            ])
        }
        var decoded: [IngestEvent] = []
        for event in events {
            let line = String(decoding: try JSONSerialization.data(withJSONObject: event), as: UTF8.self)
            do {
                decoded.append(try NDJSONCodec.decode(line: line, at: InputLocation(file: "body")))
            } catch {
                throw Problem(.badRequest, error.description.replacingOccurrences(of: "customer.", with: ""))
            }
        }
        try Ingestor(store: api.store).ingest(decoded)
    }

    func erase(_ request: Request, _ call: APICall) async throws -> Response {
        let id = try api.customerID(call.path("id"))
        let at = api.now()
        let outcome = try api.privacy.erase(id, actor: "api key \(call.key ?? "")", at: at)
        guard case .done(let erased, _) = outcome else {
            throw Problem(.internalServerError, "the erasure was not done")
        }
        api.logger.notice("customer erased", metadata: ["customer": "\(id.reportKey)", "actor": "\(call.key ?? "")"])
        return APIResponse.json(.ok, object: ["erased": erased, "customer": id.reportKey])
    }

    func export(_ request: Request, _ call: APICall) async throws -> Response {
        let id = try api.customerID(call.path("id"))
        let document = try api.privacy.export(id, actor: "api key \(call.key ?? "")", action: "export", at: api.now())
        api.logger.notice("customer data exported", metadata: ["customer": "\(id.reportKey)"])
        return APIResponse.json(.ok, document)
    }

    func timeline(_ request: Request, _ call: APICall) async throws -> Response {
        let id = try api.customerID(call.path("id"))
        let transitions = try await api.store.segmentMoves(of: id)
        let entries = try api.store.read { t -> [TimelineEntry]? in
            guard let customer = try t.customer(id) else { return nil }
            return CustomerTimeline.build(
                customer: customer, orders: try t.orders(of: id), carts: try t.carts(of: id),
                tickets: try t.tickets(of: id), transitions: transitions, messages: try t.messages(of: id),
                consent: try t.consentHistory(of: id), loyalty: try t.loyaltyEntries(of: id),
                tierChanges: try t.tierChanges(of: id), feedback: try t.feedbackResponses(of: id))
        }
        guard let entries else { throw Problem(.notFound, "no customer \(call.path("id"))") }
        return APIResponse.json(
            .ok, #"{"customer":\#(APIResponse.quoted(id.reportKey)),"entries":\#(CustomerTimeline.json(entries))}"#)
    }

    // MARK: Rendering

    func customerJSON(_ id: CustomerID) throws -> String {
        try api.store.quickRead { t in try customerJSON(id, in: t) }
    }

    func customerJSON(_ id: CustomerID, in t: S.Transaction) throws -> String {
        guard let sheet = try t.customerSheet(id) else { throw Problem(.notFound, "no customer \(id.reportKey)") }
        let (customer, refs) = (sheet.customer, sheet.refs)
        let digits = CurrencyCode.minorUnitDigits(of: sheet.currency)
        let now = api.now()
        let values = CustomerJSON.fields.map { SegmentEvaluator.value(of: $0, for: customer, now: now) }
        let json = SegmentExport.json(
            key: customer.primaryRef?.id ?? id.reportKey, values: values, fields: CustomerJSON.fields, digits: digits)
        var text = #"{"id":\#(id.rawValue),"#
        text += json.dropFirst().dropLast()
        text += #","refs":["#
        var first = true
        for ref in refs where !ref.source.hasPrefix("patron.") {
            if !first { text += "," }
            first = false
            text += APIResponse.quoted(ref.description)
        }
        text += "]}"
        return text
    }
}

/// How the API writes a customer: the fields it carries, its id first.
enum CustomerJSON {
    /// The customer fields every customer object carries (the catalogue's, less those read from
    /// RFM snapshots and predictions, which have their own resources).
    static let fields = SegmentCatalogue.fields.filter {
        !SegmentCatalogue.readsSnapshot($0) && !SegmentCatalogue.readsPredictions($0)
            && !SegmentCatalogue.readsLoyalty($0)
    }

    /// `{"id":N,` spliced before the export's `customer_id`.
    static func withID(_ id: CustomerID, _ json: String) -> String {
        #"{"id":\#(id.rawValue),"# + json.dropFirst()
    }
}
