import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PatronAuth
import PatronCore
import PatronHTTP
import PatronSQLite
import Synchronization
import Testing

/// The dashboard under `/app`: sign-in and its cookie, every page, CSRF and scopes on the forms,
/// expiry and tampering, escaping of what customers and operators wrote, and figures that equal
/// the kernel's.
@Suite struct DashboardTests {
    init() { TestChannels.register() }

    typealias Shop = APIRoutesTests

    /// The test's clock, moved on by tests of expiry.
    final class Clock: Sendable {
        let seconds = Atomic<Int64>(Shop.now)
        func advance(_ by: Int64) { seconds.add(by, ordering: .relaxed) }
        var now: Int64 { seconds.load(ordering: .relaxed) }
    }

    static func app(_ store: some PatronStore, clock: Clock = Clock()) -> some ApplicationProtocol {
        let router = Router()
        PatronAPIServer.addRoutes(
            to: router, store: store, secrets: WebhookSecrets(), settings: .init(requestsPerSecond: 0),
            now: { clock.now })
        return Application(router: router)
    }

    static func cookie(_ name: String, in response: TestResponse) -> String? {
        for value in response.headers[values: .setCookie] where value.hasPrefix(name + "=") {
            return String(value.dropFirst(name.count + 1).prefix { $0 != ";" })
        }
        return nil
    }

    static func csrf(in html: String) -> String? {
        guard let range = html.range(of: #"name="csrf" value=""#) else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    static func form(_ fields: [(String, String)]) -> ByteBuffer {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return ByteBuffer(
            string: fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
                .joined(separator: "&"))
    }

    /// Signs in with `key` through the form, as a browser does; the session cookie.
    static func signIn(_ client: some TestClientProtocol, key: String) async throws -> String {
        let page = try await client.executeRequest(
            uri: "/app/login?next=%2Fapp%2Frfm", method: .get, headers: [:], body: nil)
        #expect(page.status == .ok)
        let login = try #require(cookie("patron_login", in: page))
        let token = try #require(csrf(in: String(buffer: page.body)))
        let response = try await client.executeRequest(
            uri: "/app/login", method: .post,
            headers: [.cookie: "patron_login=\(login)", .contentType: "application/x-www-form-urlencoded"],
            body: form([("key", key), ("csrf", token), ("next", "/app/rfm")]))
        #expect(response.status == .seeOther)
        #expect(response.headers[.location] == "/app/rfm")
        let setCookie = response.headers[values: .setCookie].first { $0.hasPrefix("patron_session=") } ?? ""
        #expect(
            setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict") && setCookie.contains("Path=/app"))
        #expect(!setCookie.contains("Secure"), "no Secure over plain http")
        return try #require(cookie("patron_session", in: response))
    }

    static func get(_ client: some TestClientProtocol, _ uri: String, session: String) async throws -> (
        HTTPResponse.Status, String
    ) {
        let response = try await client.executeRequest(
            uri: uri, method: .get, headers: [.cookie: "patron_session=\(session)"], body: nil)
        return (response.status, String(buffer: response.body))
    }

    static func post(
        _ client: some TestClientProtocol, _ uri: String, session: String, csrf: String?,
        _ fields: [(String, String)] = []
    ) async throws -> TestResponse {
        try await client.executeRequest(
            uri: uri, method: .post,
            headers: [.cookie: "patron_session=\(session)", .contentType: "application/x-www-form-urlencoded"],
            body: form((csrf.map { [("csrf", $0)] } ?? []) + fields))
    }

    static func welcome() throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return try String(contentsOf: root.appendingPathComponent("flows/welcome.yaml"), encoding: .utf8)
    }

    @Test func withoutASessionEveryPageGoesToSignIn() async throws {
        let (store, _) = try Shop.shop()
        try await Self.app(store).test(.router) { client in
            for path in ["/app", "/app/rfm", "/app/cohorts", "/app/segments", "/app/flows", "/app/customers/1"] {
                let response = try await client.executeRequest(uri: path, method: .get, headers: [:], body: nil)
                #expect(response.status == .seeOther, "\(path)")
                #expect(response.headers[.location]?.hasPrefix("/app/login?next=") == true, "\(path)")
            }
        }
    }

    @Test func aSignedInReaderSeesEveryPageWithTheKernelsFigures() async throws {
        let (store, keys) = try Shop.shop()
        try await Self.app(store).test(.router) { client in
            let session = try await Self.signIn(client, key: keys.read)
            for (path, title) in [
                ("/app", "Overview"), ("/app/rfm", "RFM"), ("/app/cohorts", "Cohorts"), ("/app/segments", "Segments"),
                ("/app/flows", "Flows"), ("/app/customers", "Customers"), ("/app/rfm/cell?r=5&f=5", "RFM cell"),
            ] {
                let (status, html) = try await Self.get(client, path, session: session)
                #expect(status == .ok, "\(path): \(html.prefix(300))")
                #expect(html.contains("<h1>\(title)"), "\(path)")
                #expect(html.contains("reader (read)"), "\(path): who is signed in")
            }
            // The RFM grid's cells are the kernel's.
            let run = try RFMRun.compute(
                store: store, asOf: Day(epochSeconds: Shop.now), windowDays: nil, configuration: RFMConfiguration(),
                currency: try store.reportingCurrency())
            let (_, html) = try await Self.get(client, "/app/rfm", session: session)
            for cell in RFMSummaryDocument(run).grid {
                #expect(
                    html.contains(
                        #"<tr data-r="\#(cell.r)" data-f="\#(cell.f)"><td>\#(cell.r)</td><td>\#(cell.f)</td><td class="num"><a href="/app/rfm/cell?r=\#(cell.r)&amp;f=\#(cell.f)">\#(cell.customers)</a>"#
                    ),
                    "cell \(cell.r),\(cell.f)")
            }
            // The live count is the store's, and an error is positioned, never a 500.
            let expression = try store.parseSegment("orders.count >= 2", currencyDigits: 2)
            let expected = try store.segmentCount(expression, now: Shop.now)
            let (status, json) = try await Self.get(
                client, "/app/segments/count?expression=orders.count%20%3E%3D%202", session: session)
            #expect(status == .ok)
            #expect(json == #"{"count":\#(expected)}"#)
            let (bad, error) = try await Self.get(
                client, "/app/segments/count?expression=ordrs.count%20%3E%201", session: session)
            #expect(bad == .badRequest)
            #expect(error.contains("1:1: unknown field 'ordrs.count'"), "\(error)")
            let (page, text) = try await Self.get(
                client, "/app/segments?expression=orders.count%20%3E%3E%201", session: session)
            #expect(page == .badRequest)
            #expect(text.contains(#"id="segment-error""#))
            // A customer's page: profile and timeline.
            let (found, customer) = try await Self.get(client, "/app/customers/1", session: session)
            #expect(found == .ok)
            #expect(customer.contains("c1@example.com"))
            #expect(customer.contains("<td>email</td><td>"), "the consent table lists the channels")
            #expect(customer.contains(#"<h2 id="timeline">Timeline</h2>"#))
            #expect(customer.contains("o1"), "the timeline lists order o1")
            let (missing, _) = try await Self.get(client, "/app/customers/999", session: session)
            #expect(missing == .notFound)
        }
    }

    @Test func theRFMPageShowsTheMovesSavedBetweenTheLastTwoSnapshots() async throws {
        let (store, keys) = try Shop.shop()
        let day = Day(epochSeconds: Shop.now)
        func snapshot(_ takenAt: Int64, method: RFMMethod = .quantile) throws -> RFMRun {
            let run = try RFMRun.compute(
                store: store, asOf: day, windowDays: nil, configuration: RFMConfiguration(method: method),
                currency: .eur)
            _ = try run.save(to: store, takenAt: takenAt)
            return run
        }
        _ = try snapshot(Shop.now)
        let who = CustomerIdentity(refs: [ExternalRef(source: "", id: "c3")])
        try Ingestor(store: store).ingest(
            (1...3).map { n in
                IngestEvent(
                    id: "late\(n)", source: "shop", occurredAt: Shop.now - Int64(n) * 3_600,
                    kind: .orderPlaced(
                        OrderData(
                            ref: "late\(n)", customer: who, placedAt: Shop.now - Int64(n) * 3_600, currency: .eur,
                            totalMinor: 90_000)))
            })
        let second = try snapshot(Shop.now + 60)
        #expect(!second.moves.isEmpty)
        try await Self.app(store).test(.router) { client in
            let session = try await Self.signIn(client, key: keys.read)
            let (_, html) = try await Self.get(client, "/app/rfm", session: session)
            #expect(
                html.contains("Between the snapshots of 2024-06-01 and 2024-06-01: \(second.moves.count) customers"))
            for move in SegmentMove.summary(second.moves) {
                #expect(
                    html.contains(
                        "<td>\(move.from ?? "(new)")</td><td>\(move.to ?? "(gone)")</td><td class=\"num\">\(move.customers)</td>"
                    ))
            }
        }
        // A snapshot taken with other parameters is not compared: the page says so, not "0 moved".
        let third = try snapshot(Shop.now + 120, method: .ntile)
        #expect(!third.comparable && third.moves.isEmpty)
        try await Self.app(store).test(.router) { client in
            let session = try await Self.signIn(client, key: keys.read)
            let (_, html) = try await Self.get(client, "/app/rfm", session: session)
            #expect(html.contains("The snapshots of 2024-06-01 and 2024-06-01 were taken with different parameters"))
            #expect(!html.contains("Between the snapshots of") && !html.contains("No saved snapshot to compare with"))
        }
    }

    @Test func anEmptyStoreSaysSoInsteadOfFigures() async throws {
        let store = try SQLiteStore()
        let key = APIKeys.generate()
        try store.createAPIKey(name: "reader", hash: APIKeys.hash(key), scopes: ["read"], at: Shop.now)
        try await Self.app(store).test(.router) { client in
            let session = try await Self.signIn(client, key: key)
            let (status, html) = try await Self.get(client, "/app", session: session)
            #expect(status == .ok)
            #expect(html.contains("The store has no orders yet"))
            let (rfm, text) = try await Self.get(client, "/app/rfm", session: session)
            #expect(
                rfm == .badRequest && text.contains("no orders yet"), "a page without figures says why, never a 500")
        }
    }

    @Test func aCellsExportHasTheCellsCustomersInTheSegmentExportsFormat() async throws {
        let (store, keys) = try Shop.shop()
        try await Self.app(store).test(.router) { client in
            let session = try await Self.signIn(client, key: keys.read)
            let run = try RFMRun.compute(
                store: store, asOf: Day(epochSeconds: Shop.now), windowDays: nil, configuration: RFMConfiguration(),
                currency: try store.reportingCurrency())
            let cell = try #require(RFMSummaryDocument(run).grid.first { $0.customers > 0 })
            let (status, csv) = try await Self.get(
                client, "/app/rfm/cell.csv?r=\(cell.r)&f=\(cell.f)", session: session)
            #expect(status == .ok)
            let fields = SegmentExport.defaultFields.compactMap(SegmentCatalogue.field(named:))
            let lines = csv.split(separator: "\n")
            #expect(lines.first.map(String.init) == SegmentExport.csvHeader(fields))
            #expect(lines.count - 1 == cell.customers)
        }
    }

    @Test func writersSaveASegmentAndAnyoneExportsOne() async throws {
        let (store, keys) = try Shop.shop()
        try await Self.app(store).test(.router) { client in
            let reader = try await Self.signIn(client, key: keys.read)
            let (_, readerPage) = try await Self.get(
                client, "/app/segments?expression=orders.count%20%3E%3D%202", session: reader)
            #expect(!readerPage.contains("save-segment"), "a reader is offered no save")
            let refused = try await Self.post(
                client, "/app/segments/save", session: reader, csrf: Self.csrf(in: readerPage),
                [("name", "repeat"), ("expression", "orders.count >= 2")])
            #expect(refused.status == .forbidden)

            let writer = try await Self.signIn(client, key: keys.write)
            let (_, page) = try await Self.get(
                client, "/app/segments?expression=orders.count%20%3E%3D%202", session: writer)
            #expect(page.contains(#"id="save-segment""#))
            let saved = try await Self.post(
                client, "/app/segments/save", session: writer, csrf: Self.csrf(in: page),
                [("name", "repeat"), ("expression", "orders.count >= 2")])
            #expect(saved.status == .seeOther)
            #expect(try store.savedSegments().map(\.name) == ["repeat"])
            // Its size at each snapshot (`patron segment diff` takes them), oldest first: saving
            // through the page forgot the kept history, so the next page reads them.
            _ = try store.diffSegment(name: "repeat", currencyDigits: 2, now: Shop.now, record: true)
            _ = try store.diffSegment(name: "repeat", currencyDigits: 2, now: Shop.now + 86_400, record: true)
            let (_, listed) = try await Self.get(client, "/app/segments?saved=repeat", session: reader)
            #expect(
                listed.contains(#"id="saved-segments""#) && listed.contains("<td>repeat</td>"), "the saved table shows")
            #expect(listed.contains("Saved as &#39;repeat&#39;.") || listed.contains("Saved as 'repeat'."))
            #expect(listed.contains("2 on 2024-06-01, 2 on 2024-06-02"), "the size history")
            #expect(listed.contains("<polyline"), "drawn as a line")
            let (_, spoofed) = try await Self.get(client, "/app/segments?saved=nonesuch", session: reader)
            #expect(!spoofed.contains("Saved as"), "a notice names only what exists")
            let badName = try await Self.post(
                client, "/app/segments/save", session: writer, csrf: Self.csrf(in: page),
                [("name", "<b>"), ("expression", "orders.count >= 2")])
            #expect(badName.status == .badRequest)

            let (status, csv) = try await Self.get(
                client, "/app/segments/export.csv?expression=orders.count%20%3E%3D%202", session: reader)
            #expect(status == .ok)
            let expected = try store.segmentCount(
                try store.parseSegment("orders.count >= 2", currencyDigits: 2), now: Shop.now)
            #expect(csv.split(separator: "\n").count == expected + 1)
        }
    }

    @Test func onlyAdminsWithTheFormsTokenPauseAFlow() async throws {
        let (store, keys) = try Shop.shop()
        _ = try store.saveFlow(id: "welcome", name: "Welcome", source: try Self.welcome(), path: nil, at: Shop.now)
        _ = try store.setFlowStatus("welcome", .active, at: Shop.now)
        try await Self.app(store).test(.router) { client in
            let reader = try await Self.signIn(client, key: keys.read)
            let (_, readerPage) = try await Self.get(client, "/app/flows", session: reader)
            #expect(!readerPage.contains("/app/flows/welcome/pause"), "a reader is offered no action")
            let readerToken = try #require(Self.csrf(in: readerPage))
            let refused = try await Self.post(client, "/app/flows/welcome/pause", session: reader, csrf: readerToken)
            #expect(refused.status == .forbidden)
            #expect(try store.flows().first?.status == .active)

            let admin = try await Self.signIn(client, key: keys.admin)
            let (_, adminPage) = try await Self.get(client, "/app/flows", session: admin)
            #expect(adminPage.contains(#"action="/app/flows/welcome/pause""#))
            let token = try #require(Self.csrf(in: adminPage))
            let noToken = try await Self.post(client, "/app/flows/welcome/pause", session: admin, csrf: nil)
            #expect(noToken.status == .forbidden)
            let otherSessionsToken = try await Self.post(
                client, "/app/flows/welcome/pause", session: admin, csrf: readerToken)
            #expect(otherSessionsToken.status == .forbidden)
            #expect(try store.flows().first?.status == .active)
            let paused = try await Self.post(client, "/app/flows/welcome/pause", session: admin, csrf: token)
            #expect(paused.status == .seeOther)
            #expect(try store.flows().first?.status == .paused)
            let (_, after) = try await Self.get(client, "/app/flows", session: admin)
            #expect(after.contains(#"<td class="status">paused</td>"#))
            #expect(after.contains(#"action="/app/flows/welcome/activate""#))
        }
    }

    @Test func aTamperedCookieIs403AndAnExpiredOrEndedSessionGoesBackToSignIn() async throws {
        let (store, keys) = try Shop.shop()
        let clock = Clock()
        try await Self.app(store, clock: clock).test(.router) { client in
            let session = try await Self.signIn(client, key: keys.read)
            var tampered = Array(session)
            tampered[0] = tampered[0] == "9" ? "8" : "9"  // a later expiry, same signature
            let forged = try await client.executeRequest(
                uri: "/app", method: .get, headers: [.cookie: "patron_session=\(String(tampered))"], body: nil)
            #expect(forged.status == .forbidden)
            #expect(
                forged.headers[values: .setCookie].contains { $0.hasPrefix("patron_session=;") }, "the bad cookie goes")
            #expect(String(buffer: forged.body).contains(#"href="/app/login""#))
            // A page number that would overflow shows the last page.
            let (last, _) = try await Self.get(
                client, "/app/rfm/cell?r=5&f=5&page=9223372036854775807", session: session)
            #expect(last == .ok)
            let (fine, _) = try await Self.get(client, "/app", session: session)
            #expect(fine == .ok)
            clock.advance(8 * 3600 + 1)
            let expired = try await client.executeRequest(
                uri: "/app/rfm", method: .get, headers: [.cookie: "patron_session=\(session)"], body: nil)
            #expect(expired.status == .seeOther)
            #expect(expired.headers[.location] == "/app/login?next=/app/rfm&notice=expired")
            let notice = try await client.executeRequest(
                uri: "/app/login?notice=expired", method: .get, headers: [:], body: nil)
            #expect(String(buffer: notice.body).contains("Your session expired"))
            let spoof = try await client.executeRequest(
                uri: "/app/login?notice=Call%20us%20now", method: .get, headers: [:], body: nil)
            #expect(!String(buffer: spoof.body).contains("Call us now"), "a link cannot write on the page")
            #expect(!String(buffer: spoof.body).contains(">nil<"))

            let second = try await Self.signIn(client, key: keys.read)
            let (_, page) = try await Self.get(client, "/app", session: second)
            let token = try #require(Self.csrf(in: page))
            let out = try await Self.post(client, "/app/logout", session: second, csrf: token)
            #expect(out.status == .seeOther)
            #expect(out.headers[values: .setCookie].contains { $0.hasPrefix("patron_session=;") })
            let (ended, _) = try await Self.get(client, "/app", session: second)
            #expect(ended == .seeOther, "the signed-out cookie no longer works, even if kept")

            let third = try await Self.signIn(client, key: keys.read)
            _ = try store.revokeAPIKey(name: "reader", at: clock.now)
            let (revoked, _) = try await Self.get(client, "/app", session: third)
            #expect(revoked == .seeOther, "a revoked key ends its sessions")
        }
    }

    @Test func aWrongKeyOrAForgedSignInFormIsRefused() async throws {
        let (store, keys) = try Shop.shop()
        try await Self.app(store).test(.router) { client in
            let page = try await client.executeRequest(uri: "/app/login", method: .get, headers: [:], body: nil)
            let login = try #require(Self.cookie("patron_login", in: page))
            let token = try #require(Self.csrf(in: String(buffer: page.body)))
            let headers: HTTPFields = [
                .cookie: "patron_login=\(login)", .contentType: "application/x-www-form-urlencoded",
            ]
            let wrong = try await client.executeRequest(
                uri: "/app/login", method: .post, headers: headers,
                body: Self.form([("key", APIKeys.generate()), ("csrf", token)]))
            #expect(wrong.status == .unauthorized)
            #expect(Self.cookie("patron_session", in: wrong) == nil)
            let forged = try await client.executeRequest(
                uri: "/app/login", method: .post, headers: headers,
                body: Self.form([("key", keys.read), ("csrf", "forged")]))
            #expect(forged.status == .forbidden)
            #expect(Self.cookie("patron_session", in: forged) == nil)
            // No open redirect: a `next` off the dashboard lands on the overview.
            let away = try await client.executeRequest(
                uri: "/app/login", method: .post, headers: headers,
                body: Self.form([("key", keys.read), ("csrf", token), ("next", "//evil.example/app")]))
            #expect(away.headers[.location] == "/app")
        }
    }

    @Test func whatCustomersAndOperatorsWroteIsEscapedEverywhere() async throws {
        let (store, keys) = try Shop.shop()
        let script = #"<script>alert("x")</script>"#
        try Ingestor(store: store).ingest([
            IngestEvent(
                id: "u1", source: "shop", occurredAt: Shop.now,
                kind: .customerUpserted(
                    CustomerUpsert(
                        identity: CustomerIdentity(refs: [ExternalRef(source: "", id: "c1")]), firstName: script,
                        lastName: "<img src=x onerror=alert(1)>", tags: [script])))
        ])
        // (segment names are letters, digits and - _ .: the expression carries the script)
        try store.saveSegment(
            name: "tagged", expression: #"tags contains "<script>alert('x')</script>""#, currencyDigits: 2,
            at: Shop.now)
        _ = try store.saveFlow(id: "welcome", name: script, source: try Self.welcome(), path: nil, at: Shop.now)
        try await Self.app(store).test(.router) { client in
            let session = try await Self.signIn(client, key: keys.admin)
            for path in [
                "/app/customers/1", "/app/segments", "/app/flows", "/app/flows/welcome",
                "/app/segments?expression=" + HostileRequestTests.query(script),
                "/app/customers?q=" + HostileRequestTests.query(script),
            ] {
                let (status, html) = try await Self.get(client, path, session: session)
                #expect(status != .internalServerError, "\(path)")
                #expect(!html.contains("<script>alert"), "\(path) carries the script unescaped")
                #expect(!html.contains("<img src=x"), "\(path) carries the tag unescaped")
            }
            let (_, page) = try await Self.get(client, "/app/customers/1", session: session)
            #expect(page.contains("&lt;script&gt;alert"), "the name is shown, escaped")
        }
    }

    @Test func pagesCarryAPolicyThatForbidsInlineScript() async throws {
        let (store, keys) = try Shop.shop()
        try await Self.app(store).test(.router) { client in
            let session = try await Self.signIn(client, key: keys.read)
            let response = try await client.executeRequest(
                uri: "/app", method: .get, headers: [.cookie: "patron_session=\(session)"], body: nil)
            let policy = response.headers[.contentSecurityPolicy] ?? ""
            #expect(policy.contains("script-src 'self'") && policy.contains("default-src 'none'"))
            #expect(!String(buffer: response.body).contains("<script>"), "no inline script")
            #expect(response.headers[.cacheControl] == "no-store")
            let script = try await client.executeRequest(
                uri: "/app/static/app.js", method: .get, headers: [:], body: nil)
            #expect(script.status == .ok)
            #expect(String(buffer: script.body).contains("segment-result"))
        }
    }
}
