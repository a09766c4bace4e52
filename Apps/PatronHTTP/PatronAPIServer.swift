import Foundation
import Hummingbird
import Logging
import NIOCore
import PatronChannels
import PatronCore
import PatronOps
import PatronStoreFactory

/// How `patron-api` serves: where, and with which limits.
public struct APIServerSettings: Sendable {
    public var host: String
    public var port: Int
    /// Per API key; 0 turns the limit off.
    public var requestsPerSecond: Double
    public var burst: Double
    /// Per `track` key (a storefront's: every visitor's views share it).
    public var trackRequestsPerSecond: Double
    public var trackBurst: Double
    /// Whether the store's calls wait on a server's round trips (PostgreSQL): handlers then run
    /// on ``BlockingExecutor/shared``, so that many requests can wait at once without holding
    /// Swift's cooperative threads (two on a two-core machine). SQLite answers in microseconds
    /// and stays on them.
    public var storeWaitsOnServer: Bool
    /// Seconds a connection may stay without a request part arriving (a head trickled in, or a
    /// kept-alive connection left unused) before it is closed.
    public var idleTimeout: Double
    /// Seconds a request may take to arrive whole, from its head to its end (a body trickled
    /// in); the connection is closed after it.
    public var requestTimeout: Double
    /// Connections the kernel may hold waiting to be accepted (capped by `net.core.somaxconn`):
    /// a burst beyond it is refused by the kernel, never seen by the server.
    public var backlog: Int
    /// Signs the dashboard's session cookies (`PATRON_SESSION_SECRET`, at least 16 bytes); `nil`:
    /// a random secret per process, so sessions end when it stops and one process does not
    /// accept another's.
    public var sessionSecret: String?
    /// Seconds a dashboard session lasts (`PATRON_SESSION_LIFETIME`, default 8 hours).
    public var sessionLifetime: Int64
    /// Whether the dashboard's whole-store figures are computed at start (the server does;
    /// tests of one route need not).
    public var warmDashboard: Bool

    public init(
        host: String = "127.0.0.1", port: Int = 8080, requestsPerSecond: Double = 100, burst: Double = 200,
        trackRequestsPerSecond: Double = 1_000, trackBurst: Double = 2_000, storeWaitsOnServer: Bool = false,
        idleTimeout: Double = 30, requestTimeout: Double = 60, backlog: Int = 4_096, sessionSecret: String? = nil,
        sessionLifetime: Int64 = 8 * 3600, warmDashboard: Bool = false
    ) {
        self.warmDashboard = warmDashboard
        self.sessionSecret = sessionSecret
        self.sessionLifetime = sessionLifetime
        self.backlog = backlog
        self.idleTimeout = idleTimeout
        self.requestTimeout = requestTimeout
        self.host = host
        self.port = port
        self.requestsPerSecond = requestsPerSecond
        self.burst = burst
        self.trackRequestsPerSecond = trackRequestsPerSecond
        self.trackBurst = trackBurst
        self.storeWaitsOnServer = storeWaitsOnServer
    }
}

/// The HTTP server of `patron-api`: the REST API under `/v1`, the webhook receivers, `/health`
/// and `/openapi.json`, on Hummingbird.
public enum PatronAPIServer {
    /// Every route, documented and answered from one table.
    static func routes<S: PatronStore>(
        store: S, secrets: WebhookSecrets, logger: Logger, now: @escaping @Sendable () -> Int64,
        monitor: StoreMonitor? = nil
    ) -> [APIRoute] {
        ChannelCatalog.bootstrap()
        let api = APIContext(store: store, logger: logger, now: now)
        let monitor = monitor ?? StoreMonitor(store: store, logger: logger)
        let routes =
            opsRoutes(monitor: monitor) + CustomerRoutes(api: api).routes + PushSubscriptionRoutes(api: api).routes
            + RecordRoutes(api: api).routes + SegmentRoutes(api: api).routes
            + AnalyticsRoutes(api: api).routes + EventRoutes(api: api).routes + FlowRoutes(api: api).routes
            + LoyaltyRoutes(api: api).routes + TierOverrideRoutes(api: api).routes
            + FeedbackRoutes(api: api).routes + SurveyRoutes(api: api, links: secrets.surveyLinks).routes
            + RecommendationRoutes(api: api).routes + TrackRoutes(api: api, links: secrets.surveyLinks).routes
            + WebhookRoutes(store: store, secrets: secrets, logger: logger, now: now).routes
        let document = OpenAPIDocument.json(routes + [openAPIRoute(document: "")])
        return routes + [openAPIRoute(document: document)]
    }

    /// `/health` (no key: load balancers ask it) and `/metrics` (a read key: what it shows is
    /// the shop's business).
    static func opsRoutes(monitor: StoreMonitor) -> [APIRoute] {
        [
            APIRoute(
                method: .get, path: "/health", operationID: "health",
                summary: "Whether the server answers and its store does: the store's state, outbox and leases.",
                scope: nil,
                responses: [
                    200: APIRoute.json("The server and its store answer.", "Health"),
                    503: APIRoute.json(
                        "The store does not answer: the error, the failed checks and the wait before the next.",
                        "Health"),
                ]
            ) { _, _ in
                let (ok, json) = await monitor.health(service: "patron-api")
                return APIResponse.json(ok ? .ok : .serviceUnavailable, json)
            },
            APIRoute(
                method: .get, path: "/metrics", operationID: "metrics_prometheus",
                summary:
                    "Prometheus metrics: requests and their latency, ingest, the outbox by status, the store's pool and leases.",
                scope: .read,
                responses: [
                    200: [
                        "description": "The metrics in the Prometheus text format (0.0.4).",
                        "content": ["text/plain": ["schema": ["type": "string"]]],
                    ]
                ]
            ) { _, _ in
                _ = await monitor.current()
                return OpsListener.metricsResponse()
            },
        ]
    }

    static func openAPIRoute(document: String) -> APIRoute {
        APIRoute(
            method: .get, path: "/openapi.json", operationID: "openapi", summary: "This document (OpenAPI 3.1).",
            scope: nil, responses: [200: ["description": "The document.", "content": ["application/json": [:]]]]
        ) { _, _ in APIResponse.json(.ok, document) }
    }

    /// The OpenAPI document of every route.
    public static func openAPIDocument() throws -> String {
        let store = try StoreFactory.inMemory()
        return OpenAPIDocument.json(
            routes(store: store, secrets: WebhookSecrets(), logger: Logger(label: "patron.api"), now: { 0 }))
    }

    /// Adds every route to `router`, each measured (request counts and a latency histogram per
    /// route, method and status, through swift-metrics). `monitor` answers `/health` and
    /// refreshes the store's gauges for `/metrics` (one is made when not given).
    public static func addRoutes(
        to router: Router<some RequestContext>, store: some PatronStore, secrets: WebhookSecrets,
        settings: APIServerSettings = .init(), logger: Logger = Logger(label: "patron.api"),
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) },
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }, monitor: StoreMonitor? = nil
    ) {
        let guardian = APIGuard(
            store: store, requestsPerSecond: settings.requestsPerSecond, burst: settings.burst,
            trackRequestsPerSecond: settings.trackRequestsPerSecond, trackBurst: settings.trackBurst, clock: clock)
        router.add(middleware: MetricsMiddleware())
        let executor = settings.storeWaitsOnServer ? BlockingExecutor.shared : nil
        let dashboard = Dashboard(
            api: APIContext(store: store, logger: logger, now: now),
            sessions: DashboardSessions(secret: settings.sessionSecret, lifetime: max(60, settings.sessionLifetime)),
            secureCookies: secrets.publicOrigin?.lowercased().hasPrefix("https://") ?? false, executor: executor,
            guardian: guardian)
        dashboard.add(to: router)
        if settings.warmDashboard { dashboard.warmUp() }
        APIRouteRunner(
            guardian: guardian, logger: logger, executor: settings.storeWaitsOnServer ? BlockingExecutor.shared : nil
        ).add(
            routes(store: store, secrets: secrets, logger: logger, now: now, monitor: monitor), to: router)
    }

    /// Builds the application, with the store monitor running beside it (it logs an outage
    /// and the recovery, retrying with backoff); `onRunning` gets the port it listens on
    /// (useful with port 0).
    public static func application(
        store: some PatronStore, secrets: WebhookSecrets, settings: APIServerSettings, logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        let monitor = StoreMonitor(store: store, logger: logger)
        addRoutes(to: router, store: store, secrets: secrets, settings: settings, logger: logger, monitor: monitor)
        let requestTimeout = TimeAmount.milliseconds(Int64(max(settings.requestTimeout, 0.001) * 1_000))
        let idleTimeout = TimeAmount.milliseconds(Int64(max(settings.idleTimeout, 0.001) * 1_000))
        return Application(
            router: router,
            server: .http1(
                configuration: .init(
                    additionalChannelHandlers: [RequestDeadlineHandler(limit: requestTimeout, logger: logger)],
                    idleTimeout: idleTimeout)),
            configuration: .init(
                address: .hostname(settings.host, port: settings.port), serverName: "patron-api",
                backlog: max(settings.backlog, 1)),
            services: [monitor],
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? settings.port) },
            logger: logger)
    }

    /// Secrets from the environment: `PATRON_SHOPIFY_SECRETS`, `PATRON_WOOCOMMERCE_SECRETS` and
    /// `PATRON_STRIPE_SECRETS` (comma-separated, several while one rotates) and `PATRON_GENERIC_SECRETS`
    /// (`source=secret|secret;source=secret`).
    public static func secrets(from environment: [String: String]) throws(PatronError) -> WebhookSecrets {
        func list(_ name: String) -> [String] {
            (environment[name] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
        }
        var generic: [String: [String]] = [:]
        for entry in (environment["PATRON_GENERIC_SECRETS"] ?? "").split(separator: ";") {
            let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw PatronError(
                    .invalidArgument, "PATRON_GENERIC_SECRETS: expected source=secret[|secret];…, found '\(entry)'")
            }
            generic[parts[0], default: []] += parts[1].split(separator: "|").map(String.init)
        }
        return WebhookSecrets(
            shopify: list("PATRON_SHOPIFY_SECRETS"), woocommerce: list("PATRON_WOOCOMMERCE_SECRETS"),
            stripe: list("PATRON_STRIPE_SECRETS"), generic: generic)
    }
}
