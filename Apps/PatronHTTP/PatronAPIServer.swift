import Foundation
import Hummingbird
import Logging
import PatronChannels
import PatronCore
import PatronStoreFactory

/// How `patron-api` serves: where, and with which limits.
public struct APIServerSettings: Sendable {
    public var host: String
    public var port: Int
    /// Per API key; 0 turns the limit off.
    public var requestsPerSecond: Double
    public var burst: Double

    public init(host: String = "127.0.0.1", port: Int = 8080, requestsPerSecond: Double = 100, burst: Double = 200) {
        self.host = host
        self.port = port
        self.requestsPerSecond = requestsPerSecond
        self.burst = burst
    }
}

/// The HTTP server of `patron-api`: the REST API under `/v1`, the webhook receivers, `/health`
/// and `/openapi.json`, on Hummingbird.
public enum PatronAPIServer {
    /// Every route, documented and answered from one table.
    static func routes<S: PatronStore>(
        store: S, secrets: WebhookSecrets, logger: Logger, now: @escaping @Sendable () -> Int64
    ) -> [APIRoute] {
        ChannelCatalog.bootstrap()
        let api = APIContext(store: store, logger: logger, now: now)
        let routes =
            [
                APIRoute(
                    method: .get, path: "/health", operationID: "health", summary: "Whether the server answers.",
                    scope: nil, responses: [200: APIRoute.json("It does.", "Health")]
                ) { _, _ in APIResponse.json(.ok, #"{"status":"ok"}"#) }
            ] + CustomerRoutes(api: api).routes + PushSubscriptionRoutes(api: api).routes
            + RecordRoutes(api: api).routes + SegmentRoutes(api: api).routes
            + AnalyticsRoutes(api: api).routes + EventRoutes(api: api).routes + FlowRoutes(api: api).routes
            + WebhookRoutes(store: store, secrets: secrets, logger: logger, now: now).routes
        let document = OpenAPIDocument.json(routes + [openAPIRoute(document: "")])
        return routes + [openAPIRoute(document: document)]
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

    /// Adds every route to `router`.
    public static func addRoutes(
        to router: Router<some RequestContext>, store: some PatronStore, secrets: WebhookSecrets,
        settings: APIServerSettings = .init(), logger: Logger = Logger(label: "patron.api"),
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) },
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) {
        let guardian = APIGuard(
            store: store, requestsPerSecond: settings.requestsPerSecond, burst: settings.burst, clock: clock)
        APIRouteRunner(guardian: guardian, logger: logger).add(
            routes(store: store, secrets: secrets, logger: logger, now: now), to: router)
    }

    /// Builds the application; `onRunning` gets the port it listens on (useful with port 0).
    public static func application(
        store: some PatronStore, secrets: WebhookSecrets, settings: APIServerSettings, logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        addRoutes(to: router, store: store, secrets: secrets, settings: settings, logger: logger)
        return Application(
            router: router,
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "patron-api"),
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
