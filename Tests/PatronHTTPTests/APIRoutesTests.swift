import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PatronAuth
import PatronCore
import PatronHTTP
import PatronSQLite
import Testing

/// The REST API over a small shop: pages and cursors, segments, the timeline, writes, events,
/// analytics, scopes and the rate limit, and the OpenAPI document that lists it all.
@Suite struct APIRoutesTests {
    init() { TestChannels.register() }

    static let now = Day(iso: "2024-06-01")!.epochSeconds

    struct Keys {
        var read = APIKeys.generate()
        var write = APIKeys.generate()
        var admin = APIKeys.generate()
    }

    /// Five customers (c1…c5); c1 and c2 ordered twice, c3 has an open cart and a ticket.
    static func shop() throws -> (SQLiteStore, Keys) {
        let store = try SQLiteStore()
        var events: [IngestEvent] = []
        for n in 1...5 {
            let at = Day(iso: "2024-0\(n)-01")!.epochSeconds
            let who = CustomerIdentity(refs: [ExternalRef(source: "", id: "c\(n)")], email: "c\(n)@example.com")
            events.append(
                IngestEvent(
                    id: "o\(n)", source: "shop", occurredAt: at,
                    kind: .orderPlaced(
                        OrderData(
                            ref: "o\(n)", customer: who, placedAt: at, currency: .eur, totalMinor: Int64(1000 * n),
                            lines: [OrderLine(sku: "TEA", quantity: 1, unitPriceMinor: Int64(1000 * n))]))))
            if n <= 2 {
                events.append(
                    IngestEvent(
                        id: "o\(n)b", source: "shop", occurredAt: at + 86_400,
                        kind: .orderPlaced(
                            OrderData(
                                ref: "o\(n)b", customer: who, placedAt: at + 86_400, currency: .eur, totalMinor: 500))))
            }
        }
        let c3 = CustomerIdentity(refs: [ExternalRef(source: "", id: "c3")])
        events.append(
            IngestEvent(
                id: "k1", source: "shop", occurredAt: now - 3_600,
                kind: .cartUpdated(
                    CartData(
                        ref: "k1", customer: c3, currency: .eur, valueMinor: 4200,
                        lines: [OrderLine(sku: "POT", quantity: 1, unitPriceMinor: 4200)], status: .open))))
        events.append(
            IngestEvent(
                id: "t1", source: "mail", occurredAt: now - 7_200,
                kind: .ticketUpdated(
                    TicketData(
                        ref: "T-1", customer: CustomerIdentity(email: "c3@example.com"), subject: "Where is my order?",
                        status: .open))))
        try Ingestor(store: store).ingest(events)
        let keys = Keys()
        try store.createAPIKey(name: "reader", hash: APIKeys.hash(keys.read), scopes: ["read"], at: now)
        try store.createAPIKey(name: "writer", hash: APIKeys.hash(keys.write), scopes: ["write"], at: now)
        try store.createAPIKey(name: "admin", hash: APIKeys.hash(keys.admin), scopes: ["admin"], at: now)
        return (store, keys)
    }

    static func app(
        _ store: SQLiteStore, settings: APIServerSettings = .init(requestsPerSecond: 0),
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) -> some ApplicationProtocol {
        let router = Router()
        PatronAPIServer.addRoutes(
            to: router, store: store, secrets: WebhookSecrets(), settings: settings, now: { now }, clock: clock)
        return Application(router: router)
    }

    static func bearer(_ key: String) -> HTTPFields { [.authorization: "Bearer \(key)"] }

    static func json(_ buffer: ByteBuffer) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any])
    }

    @Test func customersComeInCursorPagesAndBySegment() async throws {
        let (store, keys) = try Self.shop()
        try await Self.app(store).test(.router) { client in
            var seen: [String] = []
            var cursor: String? = nil
            repeat {
                let uri = "/v1/customers?limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")
                try await client.execute(uri: uri, method: .get, headers: Self.bearer(keys.read)) {
                    #expect($0.status == .ok)
                    let page = try Self.json($0.body)
                    let items = try #require(page["items"] as? [[String: Any]])
                    #expect(items.count <= 2)
                    seen += items.compactMap { $0["customer_id"] as? String }
                    cursor = page["next_cursor"] as? String
                }
            } while cursor != nil
            #expect(seen == ["c1", "c2", "c3", "c4", "c5"])

            let segment = "orders.count >= 2".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            try await client.execute(
                uri: "/v1/customers?segment=\(segment)", method: .get, headers: Self.bearer(keys.read)
            ) {
                let items = try #require(try Self.json($0.body)["items"] as? [[String: Any]])
                #expect(items.compactMap { $0["customer_id"] as? String } == ["c1", "c2"])
                #expect(items.first?["orders.total"] as? String == "15.00")
                #expect(items.first?["id"] as? Int == 1)
            }
            let broken = "ordrs.count >= 2".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            try await client.execute(
                uri: "/v1/customers?segment=\(broken)", method: .get, headers: Self.bearer(keys.read)
            ) {
                #expect($0.status == .badRequest)
                #expect($0.headers[.contentType] == "application/problem+json")
                #expect(String(buffer: $0.body).contains("did you mean 'orders.count'"))
            }
            for bad in ["limit=0", "limit=1001", "limit=x", "cursor=-1", "cursor=abc"] {
                try await client.execute(uri: "/v1/customers?\(bad)", method: .get, headers: Self.bearer(keys.read)) {
                    #expect($0.status == .badRequest, "\(bad)")
                }
            }
            try await client.execute(uri: "/v1/customers/patron:3", method: .get, headers: Self.bearer(keys.read)) {
                let customer = try Self.json($0.body)
                #expect(customer["customer_id"] as? String == "c3")
                #expect(customer["refs"] as? [String] == ["shop:c3"])
                #expect(customer["cart.open_value"] as? String == "42.00")
            }
            try await client.execute(uri: "/v1/customers/nonsense", method: .get, headers: Self.bearer(keys.read)) {
                #expect($0.status == .badRequest)
            }
        }
    }

    @Test func theTimelineIsThe360View() async throws {
        let (store, keys) = try Self.shop()
        try await Self.app(store).test(.router) { client in
            try await client.execute(
                uri: "/v1/customers/shop:c3/timeline", method: .get, headers: Self.bearer(keys.read)
            ) {
                #expect($0.status == .ok)
                let entries = try #require(try Self.json($0.body)["entries"] as? [[String: Any]])
                let kinds = entries.compactMap { $0["kind"] as? String }
                #expect(kinds == ["customer.created", "order.placed", "ticket.opened", "cart.open"])
                let times = entries.compactMap { $0["at"] as? String }
                #expect(times == times.sorted())
                #expect(entries[2]["summary"] as? String == "ticket T-1 opened: Where is my order?")
                #expect(entries[3]["amount"] as? String == "42.00")
            }
        }
    }

    @Test func ordersCartsAndTicketsPageAndFilter() async throws {
        let (store, keys) = try Self.shop()
        try await Self.app(store).test(.router) { client in
            try await client.execute(uri: "/v1/orders?customer=shop:c1", method: .get, headers: Self.bearer(keys.read))
            {
                let items = try #require(try Self.json($0.body)["items"] as? [[String: Any]])
                #expect(items.compactMap { $0["ref"] as? String } == ["shop:o1", "shop:o1b"])
                #expect(items.first?["total"] as? String == "10.00")
                #expect((items.first?["lines"] as? [[String: Any]])?.first?["sku"] as? String == "TEA")
            }
            try await client.execute(uri: "/v1/orders/2", method: .get, headers: Self.bearer(keys.read)) {
                let answer = try Self.json($0.body)
                #expect(answer["ref"] as? String == "shop:o1b")
            }
            try await client.execute(uri: "/v1/orders/999", method: .get, headers: Self.bearer(keys.read)) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: "/v1/carts?status=open", method: .get, headers: Self.bearer(keys.read)) {
                let items = try #require(try Self.json($0.body)["items"] as? [[String: Any]])
                #expect(items.count == 1 && items.first?["customer"] as? String == "patron:3")
            }
            try await client.execute(uri: "/v1/carts?status=converted", method: .get, headers: Self.bearer(keys.read)) {
                let answer = try Self.json($0.body)
                #expect((answer["items"] as? [Any])?.isEmpty == true)
            }
            try await client.execute(uri: "/v1/carts?status=lost", method: .get, headers: Self.bearer(keys.read)) {
                #expect($0.status == .badRequest)
            }
            try await client.execute(uri: "/v1/tickets/1", method: .get, headers: Self.bearer(keys.read)) {
                let answer = try Self.json($0.body)
                #expect(answer["subject"] as? String == "Where is my order?")
            }
        }
    }

    @Test func savedSegmentsCountListAndExport() async throws {
        let (store, keys) = try Self.shop()
        try store.saveSegment(name: "repeat", expression: "orders.count >= 2", currencyDigits: 2, at: Self.now)
        try await Self.app(store).test(.router) { client in
            try await client.execute(uri: "/v1/segments", method: .get, headers: Self.bearer(keys.read)) {
                let items = try #require(try Self.json($0.body)["items"] as? [[String: Any]])
                #expect(items.first?["name"] as? String == "repeat")
            }
            try await client.execute(uri: "/v1/segments/repeat", method: .get, headers: Self.bearer(keys.read)) {
                let answer = try Self.json($0.body)
                #expect(answer["count"] as? Int == 2)
            }
            try await client.execute(
                uri: "/v1/segments/repeat/members?limit=1", method: .get, headers: Self.bearer(keys.read)
            ) {
                let page = try Self.json($0.body)
                #expect((page["items"] as? [[String: Any]])?.first?["customer_id"] as? String == "c1")
                #expect(page["next_cursor"] as? String == "1")
            }
            try await client.execute(uri: "/v1/segments/repeat/export", method: .get, headers: Self.bearer(keys.read)) {
                #expect($0.status == .ok)
                #expect($0.headers[.contentType] == "text/csv; charset=utf-8")
                let lines = String(buffer: $0.body).split(separator: "\n")
                #expect(lines.first == "customer_id,email,country,orders.count,orders.total,orders.last_at")
                #expect(lines.dropFirst().map { $0.split(separator: ",").first } == ["c1", "c2"])
            }
            try await client.execute(
                uri: "/v1/segments/repeat/export?format=ndjson", method: .get, headers: Self.bearer(keys.read)
            ) {
                let lines = String(buffer: $0.body).split(separator: "\n")
                #expect(lines.count == 2 && lines[1].contains(#""customer_id":"c2""#))
            }
            let expression = "cart.open_value > 10".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            try await client.execute(
                uri: "/v1/segment-count?segment=\(expression)", method: .get, headers: Self.bearer(keys.read)
            ) {
                let answer = try Self.json($0.body)
                #expect(answer["count"] as? Int == 1)
            }
            try await client.execute(uri: "/v1/segments/nope", method: .get, headers: Self.bearer(keys.read)) {
                #expect($0.status == .notFound)
            }
        }
    }

    @Test func writesNeedTheWriteScopeAndApplyOnce() async throws {
        let (store, keys) = try Self.shop()
        let body = ByteBuffer(
            string:
                #"{"source":"shop","id":"c9","email":"Nine@Example.com","first_name":"Nina","consent":{"sms":"granted"}}"#
        )
        try await Self.app(store).test(.router) { client in
            try await client.execute(uri: "/v1/customers", method: .post, headers: Self.bearer(keys.read), body: body) {
                #expect($0.status == .forbidden)
            }
            var headers = Self.bearer(keys.write)
            headers[HTTPField.Name("Idempotency-Key")!] = "k-1"
            for _ in 0..<2 {
                try await client.execute(uri: "/v1/customers", method: .post, headers: headers, body: body) {
                    #expect($0.status == .created)
                    #expect($0.headers[.location] == "/v1/customers/shop:c9")
                    let customer = try Self.json($0.body)
                    #expect(customer["email"] as? String == "nine@example.com")
                    #expect(customer["consent.sms"] as? String == "granted")
                }
            }
            try await client.execute(
                uri: "/v1/customers/shop:c9", method: .patch, headers: Self.bearer(keys.admin),
                body: ByteBuffer(string: #"{"country":"DE","tags":["vip"]}"#)
            ) {
                #expect($0.status == .ok)
                let customer = try Self.json($0.body)
                #expect(customer["country"] as? String == "DE" && customer["email"] as? String == "nine@example.com")
            }
            for bad in [
                #"{"source":"shop"}"#, #"{"source":"shop","id":"c9","colour":"red"}"#, "[1]", "{",
                #"{"source":"shop","id":"x","consent":{"fax":"granted"}}"#,
            ] {
                try await client.execute(
                    uri: "/v1/customers", method: .post, headers: Self.bearer(keys.write), body: ByteBuffer(string: bad)
                ) {
                    #expect($0.status == .badRequest, "\(bad)")
                }
            }
        }
        #expect(try store.customerCount(createdThrough: nil) == 6)
    }

    @Test func eventsApplyInOneTransactionOrNotAtAll() async throws {
        let (store, keys) = try Self.shop()
        let good =
            #"{"id":"e1","type":"order.placed","source":"pos","at":"2024-05-20T10:00:00Z","order":{"id":"p1","customer":{"id":"z1"},"currency":"EUR","total":"9.00"}}"#
        let bad =
            #"{"id":"e2","type":"order.placed","source":"pos","at":"2024-05-20T10:00:00Z","order":{"id":"p2","customer":{"id":"z2"},"currency":"EUX","total":"9.00"}}"#
        try await Self.app(store).test(.router) { client in
            try await client.execute(
                uri: "/v1/events", method: .post, headers: Self.bearer(keys.write),
                body: ByteBuffer(string: good + "\n" + bad + "\n")
            ) {
                #expect($0.status == .badRequest)
                #expect(String(buffer: $0.body).contains("body:2"))
            }
            #expect(try store.customerCount(createdThrough: nil) == 5)
            for expected in [(1, 0), (0, 1)] {
                try await client.execute(
                    uri: "/v1/events", method: .post, headers: Self.bearer(keys.write), body: ByteBuffer(string: good)
                ) {
                    let result = try Self.json($0.body)
                    #expect(result["applied"] as? Int == expected.0 && result["duplicates"] as? Int == expected.1)
                }
            }
        }
        #expect(try store.customerCount(createdThrough: nil) == 6)
    }

    @Test func rfmAndMetricsAnswerFromTheStore() async throws {
        let (store, keys) = try Self.shop()
        try await Self.app(store).test(.router) { client in
            try await client.execute(uri: "/v1/rfm", method: .get, headers: Self.bearer(keys.read)) {
                let summary = try Self.json($0.body)
                #expect(summary["customers"] as? Int == 5)
                #expect(summary["revenue"] as? String == "160.00")
                #expect((summary["grid"] as? [Any])?.count == 25)
            }
            try await client.execute(uri: "/v1/rfm/customers/shop:c1", method: .get, headers: Self.bearer(keys.read)) {
                #expect($0.status == .notFound)  // no snapshot saved yet
            }
            try await client.execute(uri: "/v1/metrics?as_of=2024-06-01", method: .get, headers: Self.bearer(keys.read))
            {
                let metrics = try Self.json($0.body)
                #expect(metrics["orders"] as? Int == 7 && metrics["buyers"] as? Int == 5)
            }
            try await client.execute(uri: "/v1/metrics?as_of=June", method: .get, headers: Self.bearer(keys.read)) {
                #expect($0.status == .badRequest)
            }
        }
    }

    @Test func theRateLimitAnswers429WithRetryAfter() async throws {
        let (store, keys) = try Self.shop()
        let settings = APIServerSettings(requestsPerSecond: 1, burst: 2)
        try await Self.app(store, settings: settings, clock: { 1_000 }).test(.router) { client in
            for expected in [HTTPResponse.Status.ok, .ok, .tooManyRequests] {
                try await client.execute(uri: "/v1/orders/1", method: .get, headers: Self.bearer(keys.read)) {
                    #expect($0.status == expected)
                    if expected == .tooManyRequests { #expect($0.headers[.retryAfter] == "1") }
                }
            }
            // Another key has its own bucket; /health needs none.
            try await client.execute(uri: "/v1/orders/1", method: .get, headers: Self.bearer(keys.admin)) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func theOpenAPIDocumentListsEveryRouteServed() async throws {
        let (store, _) = try Self.shop()
        try await Self.app(store).test(.router) { client in
            try await client.execute(uri: "/openapi.json", method: .get) {
                let document = try Self.json($0.body)
                #expect(document["openapi"] as? String == "3.1.0")
                let paths = try #require(document["paths"] as? [String: [String: Any]])
                let operations = paths.flatMap { path, methods in methods.keys.map { "\($0.uppercased()) \(path)" } }
                #expect(operations.count == 58)
                for required in [
                    "GET /v1/customers/{id}/timeline", "POST /webhooks/shopify", "GET /health", "GET /openapi.json",
                    "GET /metrics",
                ] {
                    #expect(operations.contains(required))
                }
                // Every $ref points at a schema the document has.
                let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
                let text = String(buffer: $0.body)
                for match in text.matches(of: /"#\/components\/schemas\/([A-Za-z]+)"/) {
                    #expect(schemas[String(match.1)] != nil, "\(match.1)")
                }
                // Every served route answers (no 404 from the router) for its documented method.
                for (path, methods) in paths where path.hasPrefix("/v1") || path == "/metrics" {
                    let concrete = path.replacingOccurrences(of: "{id}", with: "1").replacingOccurrences(
                        of: "{name}", with: "x")
                    for method in methods.keys {
                        try await client.execute(uri: concrete, method: HTTPRequest.Method(method.uppercased())!) {
                            // A CORS preflight needs no key (browsers send none).
                            #expect(
                                $0.status == (method == "options" ? .noContent : .unauthorized), "\(method) \(path)")
                        }
                    }
                }
            }
        }
    }

    /// docs/api.md lists every route of the OpenAPI document, and no route that is not in it.
    @Test func theAPIPageListsEveryRoute() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let page = try String(contentsOf: root.appendingPathComponent("docs/api.md"), encoding: .utf8)
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(PatronAPIServer.openAPIDocument().utf8)) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let operations = Set(paths.flatMap { path, methods in methods.keys.map { "\($0.uppercased()) \(path)" } })
        for operation in operations {
            #expect(page.contains("| `\(operation)` |"), "\(operation) is not in docs/api.md")
        }
        let listed = page.matches(of: /\| `([A-Z]+ \/[^`]*)` \|/).map { String($0.1) }
        #expect(Set(listed) == operations)
    }
}
