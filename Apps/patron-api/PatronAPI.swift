import ArgumentParser
import Configuration
import Foundation
import Hummingbird
import Logging
import PatronChannels
import PatronCore
import PatronHTTP
import PatronOps
import PatronStoreFactory

/// `patron-api`: Patron's HTTP server. It drains in-flight requests and stops on SIGTERM or
/// SIGINT.
@main
struct PatronAPI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patron-api",
        abstract: "Patron's HTTP server: the REST API under /v1, signed webhooks, /health, /metrics, /openapi.json.",
        discussion: """
            Settings come from flags, then the environment, then --config FILE (JSON), then defaults:

              key                  environment                 default
              db                   PATRON_DB                   ./patron.sqlite
              db_read              PATRON_DB_READ              (a PostgreSQL replica's URL for reads)
              store_wait           PATRON_STORE_WAIT           30 s to wait for the store's server at start
              host                 PATRON_HOST                 127.0.0.1
              port                 PATRON_PORT                 8080 (0: any free port)
              rate_limit           PATRON_RATE_LIMIT           100 requests/s per key (0: none)
              burst                PATRON_BURST                200
              track.rate_limit     PATRON_TRACK_RATE_LIMIT     1000 requests/s per track key (a storefront's)
              track.burst          PATRON_TRACK_BURST          2000
              idle_timeout         PATRON_IDLE_TIMEOUT         30 s without a request part: the connection closes
              request_timeout      PATRON_REQUEST_TIMEOUT      60 s for a request to arrive whole (head to end)
              backlog              PATRON_BACKLOG              4096 connections waiting to be accepted
              session.secret       PATRON_SESSION_SECRET       (signs dashboard sessions; random per process if unset)
              session.lifetime     PATRON_SESSION_LIFETIME     28800 s a dashboard session lasts
              log.level            PATRON_LOG_LEVEL            info
              shopify.secrets      PATRON_SHOPIFY_SECRETS      (comma-separated; several while one rotates)
              woocommerce.secrets  PATRON_WOOCOMMERCE_SECRETS
              stripe.secrets       PATRON_STRIPE_SECRETS       (whsec_…; comma-separated)
              generic.secrets      PATRON_GENERIC_SECRETS      source=secret|secret;source=secret
              twilio.auth_tokens   PATRON_TWILIO_AUTH_TOKENS   (comma-separated)
              public_origin        PATRON_PUBLIC_ORIGIN        http:// + Host (the origin Twilio signs)
              survey.secret        PATRON_SURVEY_SECRET        (signs survey links; the scheduler's too)
              survey.url           PATRON_SURVEY_URL           (this server as customers reach it)

            A receiver without a secret refuses every delivery. API keys are made with
            `patron apikey create NAME --scope read|write|admin`.
            """,
        version: "patron-api \(PatronVersion.current)")

    @Option(help: "A JSON settings file (keys as above; nested objects for dotted keys).") var config: String?
    @Option(
        help:
            "The store: a file, sqlite:FILE or postgres://USER@HOST:PORT/DATABASE (default: $PATRON_DB, else ./patron.sqlite)."
    ) var db: String?
    @Option(help: "The address to listen on.") var host: String?
    @Option(help: "The port (0: any free port, printed on start).") var port: Int?
    @Flag(help: "Print the OpenAPI document and exit.") var openapi = false

    func run() async throws {
        ChannelCatalog.bootstrap()
        if openapi {
            print(try PatronAPIServer.openAPIDocument())
            return
        }
        let settings: APISettings
        do {
            settings = try await APISettings.load(file: config, environment: ProcessInfo.processInfo.environment)
        } catch {
            FileHandle.standardError.write(Data("patron-api: \(error)\n".utf8))
            throw ExitCode.failure
        }
        let level = settings.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "patron.api")
        var server = settings.server
        if let host { server.host = host }
        if let port { server.port = port }
        PatronMetrics.bootstrap()
        let store: any PatronStore
        do {
            store = try StoreFactory.open(
                db ?? settings.db, environment: ["PATRON_DB_READ": settings.dbRead ?? ""], access: .create,
                waiting: .seconds(settings.storeWait)
            ) { error, attempt, wait in
                logger.warning(
                    "store unreachable at start",
                    metadata: [
                        "error": "\(error)", "attempt": "\(attempt)", "retry_in_seconds": "\(wait.components.seconds)",
                    ])
            }
        } catch {
            FileHandle.standardError.write(Data("patron-api: \(error)\n".utf8))
            throw ExitCode.failure
        }
        if case .postgres = try? StoreLocation.resolve(flag: db ?? settings.db, environment: [:]) {
            server.storeWaitsOnServer = true
        }
        let host = server.host
        let app = PatronAPIServer.application(store: store, secrets: settings.secrets, settings: server, logger: logger)
        { port in
            FileHandle.standardError.write(Data("patron-api: listening on http://\(host):\(port)\n".utf8))
        }
        try await app.runService()
    }
}
