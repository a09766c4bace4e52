import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PatronAuth
import PatronCore
import PatronOps
import PatronSMS

/// The dashboard under `/app`: server-rendered pages over the same store and kernel functions as
/// the API, for people who look rather than read.
///
/// Sign-in takes an API key once and sets a session cookie (``DashboardSessions``); read keys
/// see every page, admin keys may also pause and activate flows. Every state-changing form
/// carries the session's CSRF token; a tampered cookie or token is a 403, an expired session goes
/// back to sign-in. Pages are HTML with server-drawn SVG, a same-origin style sheet and one
/// small script, under a Content-Security-Policy that allows nothing else.
struct Dashboard<S: PatronStore>: Sendable {
    let api: APIContext<S>
    let sessions: DashboardSessions
    /// Whether cookies get `Secure` (the server is reached over https, `PATRON_PUBLIC_ORIGIN`).
    let secureCookies: Bool
    var executor: BlockingExecutor?
    /// The API's per-key rate, applied to the dashboard's pages too.
    var guardian: APIGuard?
    /// The recommendation model and catalogue, held as `GET /v1/customers/{id}/recommendations`
    /// holds them.
    let recommendations = RecommendationModelCache()
    /// The whole-store figures, kept a minute and refreshed in the background (``RefreshingFigure``).
    let metricsFigure = RefreshingFigure<RetentionMetrics>()
    let rfmFigure = RefreshingFigure<RFMView>()
    let predictionFigure = RefreshingFigure<PredictedTotals>()
    /// Each saved segment's size at its last twelve snapshots (counting a big segment's members
    /// twelve times is not for every page view).
    let segmentHistoryFigure = RefreshingFigure<[String: [(takenAt: Int64, members: Int)]]>()

    /// The saved predictions over the whole store: how many customers have one, their summed
    /// 12-month CLV and P(alive).
    struct PredictedTotals: Sendable {
        var customers = 0
        var withValue = 0
        var lifetimeValueMinor: Int64 = 0
        var alive = 0.0
    }

    /// Who is signed in, with the token their forms carry.
    struct Viewer {
        var key: StoredAPIKey
        var session: DashboardSessions.Session
        var csrf: String

        func may(_ scope: APIScope) -> Bool { scope.granted(by: key.scopes) }
        var scopeName: String {
            [APIScope.admin, .write, .read].first { $0.granted(by: key.scopes) }?.rawValue ?? "read"
        }
    }

    /// A page: its title, the navigation entry it belongs to, and its content (HTML made by
    /// ``DashboardTemplates``).
    struct Page {
        var title: String
        var section: String
        var content: String
        var status: HTTPResponse.Status = .ok
        var notice: String?
    }

    /// A response other than a page (a redirect, a download, JSON), or a refusal.
    struct Answer: Error {
        var response: Response
    }

    // MARK: Routes

    /// Computes the whole-store figures in the background, so the first page is as quick as
    /// the next (a 1,000,000-customer store takes seconds to scan). A store without orders is
    /// left alone.
    func warmUp() {
        let dashboard = self
        Task(executorPreference: executor, priority: .utility) {
            guard (try? dashboard.api.store.orderSpan()) != nil else { return }
            _ = try? await dashboard.retentionMetrics()
            _ = try? await dashboard.rfmView()
            _ = try? await dashboard.predictedTotals()
        }
    }

    func add(to router: Router<some RequestContext>) {
        router.get("/app/static/app.css") { _, _ in Self.asset(DashboardAssets.css, type: "text/css; charset=utf-8") }
        router.get("/app/static/app.js") { _, _ in
            Self.asset(DashboardAssets.javascript, type: "text/javascript; charset=utf-8")
        }
        router.get("/app/login") { request, _ in loginPage(request, notice: nil) }
        router.post("/app/login") { request, _ in await run { try await login(request) } }
        router.post("/app/logout") { request, _ in await run { try await logout(request) } }
        page("/app", router) { request, _, viewer in try await overview(request, viewer) }
        page("/app/rfm", router) { request, _, viewer in try await rfm(request, viewer) }
        page("/app/rfm/cell", router) { request, _, viewer in try await rfmCell(request, viewer) }
        page("/app/rfm/cell.csv", router) { request, _, viewer in try await rfmCellExport(request, viewer) }
        page("/app/cohorts", router) { request, _, viewer in try await cohorts(request, viewer) }
        page("/app/segments", router) { request, _, viewer in try await segments(request, viewer) }
        page("/app/segments/count", router) { request, _, viewer in try await segmentCount(request, viewer) }
        page("/app/segments/export.csv", router) { request, _, viewer in try await segmentExport(request, viewer) }
        page("/app/segments/save", router, method: .post, scope: .write) { request, _, viewer in
            var request = request
            return try await saveSegment(request, viewer, form: try await Self.form(&request))
        }
        page("/app/flows", router) { request, _, viewer in try await flows(request, viewer) }
        page("/app/flows/{id}", router) { request, parameters, viewer in
            try await flow(request, parameters.get("id") ?? "", viewer)
        }
        for verb in ["pause", "activate"] {
            page("/app/flows/{id}/\(verb)", router, method: .post, scope: .admin) { request, parameters, viewer in
                try await setFlowStatus(request, parameters.get("id") ?? "", verb: verb, viewer)
            }
        }
        page("/app/customers", router) { request, _, viewer in try await customerSearch(request, viewer) }
        page("/app/customers/{id}", router) { request, parameters, viewer in
            try await customer(request, parameters.get("id") ?? "", viewer)
        }
    }

    /// Registers a page that needs a session with `scope` (and, for POST, the session's CSRF
    /// token in the form).
    private func page(
        _ path: String, _ router: Router<some RequestContext>, method: HTTPRequest.Method = .get,
        scope: APIScope = .read,
        _ build: @escaping @Sendable (Request, Parameters, Viewer) async throws -> Page
    ) {
        router.on(RouterPath(path), method: method) { request, context -> Response in
            let parameters = context.parameters
            return await run {
                var request = request
                let viewer = try await authenticate(&request, scope: scope, checkCSRF: method == .post)
                return render(try await build(request, parameters, viewer), viewer: viewer)
            }
        }
    }

    /// Runs a handler (on the blocking executor where the store waits on a server) and turns
    /// what it throws into a page.
    private func run(_ body: @escaping @Sendable () async throws -> Response) async -> Response {
        if let executor {
            return await withTaskExecutorPreference(executor) { await answer(body) }
        }
        return await answer(body)
    }

    private func answer(_ body: @Sendable () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let answer as Answer {
            return answer.response
        } catch let problem as Problem {
            return errorPage(problem.status, problem.detail)
        } catch let error as SegmentError {
            return errorPage(.badRequest, "segment: \(error.description)")
        } catch let error as PatronError where error.code == .storeUnavailable {
            return errorPage(.serviceUnavailable, "The store cannot be reached now; try again shortly.")
        } catch let error as PatronError where error.code != .storeFailure {
            return errorPage(error.httpStatus, error.description)
        } catch {
            api.logger.error("dashboard page failed", metadata: ["error": "\(error)"])
            return errorPage(.internalServerError, "The page could not be made; the server's log says why.")
        }
    }

    // MARK: Sessions

    /// The signed-in viewer, or an ``Answer``: back to sign-in without a session or with an
    /// expired one, 403 for a tampered cookie, a missing scope or a wrong CSRF token.
    func authenticate(_ request: inout Request, scope: APIScope, checkCSRF: Bool) async throws -> Viewer {
        let now = api.now()
        guard let cookie = request.cookies[DashboardSessions.cookieName]?.value, !cookie.isEmpty else {
            throw Answer(response: signInRedirect(request, notice: nil))
        }
        let session: DashboardSessions.Session
        do {
            session = try sessions.verify(cookie, now: now)
        } catch .tampered {
            // 403, and the cookie goes: after a restart without PATRON_SESSION_SECRET (or a
            // rotation) every old cookie is one this server did not make.
            api.logger.notice(
                "dashboard: a session cookie this server did not sign", metadata: ["path": "\(request.uri.path)"])
            var response = errorPage(
                .forbidden,
                "The session cookie is not one this server made (was the server restarted?): sign in again.",
                link: ("/app/login", "Sign in"))
            response.headers.append(
                HTTPField(name: .setCookie, value: cookieHeader(DashboardSessions.cookieName, "", maxAge: 0)))
            throw Answer(response: response)
        } catch .expired {
            throw Answer(response: signInRedirect(request, notice: "expired"))
        } catch {
            throw Answer(response: signInRedirect(request, notice: "signed-out"))
        }
        guard let key = try await api.store.apiKey(hash: session.keyHash) else {
            throw Answer(response: signInRedirect(request, notice: "revoked"))
        }
        do {
            try guardian?.admit(key)
        } catch {
            var response = errorPage(error.status, error.detail)
            for field in error.headers { response.headers.append(field) }
            throw Answer(response: response)
        }
        let viewer = Viewer(key: key, session: session, csrf: sessions.csrfToken(for: session))
        guard viewer.may(scope) else {
            throw Answer(
                response: errorPage(
                    .forbidden, "The key '\(key.name)' may not do this: it needs the '\(scope.rawValue)' scope.",
                    viewer: viewer))
        }
        if checkCSRF {
            let form = try await Self.form(&request)
            guard sessions.checkCSRF(form["csrf"], for: session) else {
                throw Answer(
                    response: errorPage(
                        .forbidden, "The form's CSRF token is missing or wrong: reload the page and try again.",
                        viewer: viewer))
            }
        }
        return viewer
    }

    func loginPage(_ request: Request, notice: String?, status: HTTPResponse.Status = .ok) -> Response {
        let (cookie, token) = sessions.loginChallenge()
        let next = Self.safeNext(request.uri.queryParameters["next"].map(String.init)) ?? "/app"
        let content = DashboardTemplates.login.render([
            "csrf": token, "next": next, "hours": sessions.lifetime / 3600,
        ])
        var values: [String: Any] = ["title": "Sign in", "content": content]
        // (a notice from a redirect is a code: a link cannot put its own words on this page)
        if let notice = notice ?? request.uri.queryParameters["notice"].flatMap({ Self.notices[String($0)] }) {
            values["notice"] = notice
        }
        var response = html(status, DashboardTemplates.layout.render(values))
        response.headers.append(
            HTTPField(name: .setCookie, value: cookieHeader(DashboardSessions.loginCookieName, cookie, maxAge: 3600)))
        return response
    }

    func login(_ request: Request) async throws -> Response {
        var request = request
        let form = try await Self.form(&request)
        guard
            sessions.checkLogin(
                token: form["csrf"], cookie: request.cookies[DashboardSessions.loginCookieName]?.value)
        else {
            return loginPage(request, notice: "The sign-in form expired: try again.", status: .forbidden)
        }
        let presented = (form["key"] ?? "").trimmingCharacters(in: .whitespaces)
        let hash = APIKeys.hash(presented)
        guard !presented.isEmpty, let key = try await api.store.apiKey(hash: hash) else {
            return loginPage(request, notice: "Unknown or revoked API key.", status: .unauthorized)
        }
        guard APIScope.read.granted(by: key.scopes) else {
            return loginPage(
                request, notice: "The key '\(key.name)' cannot read (a track key?): use a read, write or admin key.",
                status: .forbidden)
        }
        let cookie = sessions.issue(keyHash: hash, now: api.now())
        api.logger.notice("dashboard sign-in", metadata: ["key": "\(key.name)"])
        var response = Response(status: .seeOther)
        response.headers[.location] = Self.safeNext(form["next"]) ?? "/app"
        response.headers.append(
            HTTPField(
                name: .setCookie,
                value: cookieHeader(DashboardSessions.cookieName, cookie, maxAge: Int(sessions.lifetime))))
        response.headers.append(
            HTTPField(name: .setCookie, value: cookieHeader(DashboardSessions.loginCookieName, "", maxAge: 0)))
        response.headers[.cacheControl] = "no-store"
        return response
    }

    func logout(_ request: Request) async throws -> Response {
        var request = request
        let viewer = try await authenticate(&request, scope: .read, checkCSRF: true)
        sessions.signOut(viewer.session, now: api.now())
        api.logger.notice("dashboard sign-out", metadata: ["key": "\(viewer.key.name)"])
        var response = Response(status: .seeOther)
        response.headers[.location] = "/app/login?notice=signed-out"
        response.headers.append(
            HTTPField(name: .setCookie, value: cookieHeader(DashboardSessions.cookieName, "", maxAge: 0)))
        return response
    }

    /// The sign-in page's notices, by the code a redirect carries.
    static var notices: [String: String] {
        [
            "expired": "Your session expired: sign in again.", "signed-out": "You signed out.",
            "revoked": "The key of this session was revoked: sign in with another.",
        ]
    }

    /// To sign-in, and back to this page after (a GET with its query; other methods to the overview).
    func signInRedirect(_ request: Request, notice: String?) -> Response {
        var response = Response(status: .seeOther)
        let back = request.method == .get ? request.uri.path + (request.uri.query.map { "?" + $0 } ?? "") : "/app"
        var location = "/app/login?next=" + Self.query(Self.safeNext(back) ?? "/app")
        if let notice { location += "&notice=" + notice }
        response.headers[.location] = location
        if notice != nil {  // the stale cookie goes
            response.headers.append(
                HTTPField(name: .setCookie, value: cookieHeader(DashboardSessions.cookieName, "", maxAge: 0)))
        }
        return response
    }

    func cookieHeader(_ name: String, _ value: String, maxAge: Int) -> String {
        "\(name)=\(value); Path=/app; Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (secureCookies ? "; Secure" : "")
    }

    /// A `next` that stays on the dashboard (no open redirect).
    static func safeNext(_ next: String?) -> String? {
        guard let next, next.hasPrefix("/app"), !next.contains("//"), !next.contains("\\"),
            next.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F })
        else { return nil }
        return next
    }

    static func form(_ request: inout Request) async throws -> FormFields {
        let body = try await request.body(upTo: 64 << 10)
        do {
            return try FormEncoding.decode(bytes: Array(body.readableBytesView))
        } catch {
            throw Problem(.badRequest, "the form could not be read: \(error)")
        }
    }

    static func query(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~/")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    // MARK: Responses

    static var securityHeaders: [(HTTPField.Name, String)] {
        [
            (
                .contentSecurityPolicy,
                "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; "
                    + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
            ),
            (.xContentTypeOptions, "nosniff"), (.referrerPolicy, "same-origin"), (.cacheControl, "no-store"),
            (HTTPField.Name("X-Frame-Options")!, "DENY"),
        ]
    }

    func html(_ status: HTTPResponse.Status, _ text: String) -> Response {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8"]
        for (name, value) in Self.securityHeaders { headers[name] = value }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func asset(_ text: String, type: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: type, .cacheControl: "max-age=300", .xContentTypeOptions: "nosniff"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    func render(_ page: Page, viewer: Viewer) -> Response {
        var values: [String: Any] = [
            "title": page.title, "content": page.content, "signedIn": true, "keyName": viewer.key.name,
            "scope": viewer.scopeName, "csrf": viewer.csrf, page.section: true,
        ]
        if let notice = page.notice { values["notice"] = notice }
        return html(page.status, DashboardTemplates.layout.render(values))
    }

    func errorPage(
        _ status: HTTPResponse.Status, _ message: String, viewer: Viewer? = nil,
        link: (href: String, text: String) = ("/app", "Back to the overview")
    ) -> Response {
        let content = DashboardTemplates.message.render([
            "message": message, "link": ["href": link.href, "text": link.text],
        ])
        var values: [String: Any] = ["title": status.reasonPhrase, "content": content]
        if let viewer {
            values.merge(
                ["signedIn": true, "keyName": viewer.key.name, "scope": viewer.scopeName, "csrf": viewer.csrf]
            ) { $1 }
        }
        return html(status, DashboardTemplates.layout.render(values))
    }
}

extension HTTPField.Name {
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
}
