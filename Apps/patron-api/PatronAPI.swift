import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PatronCore
import PatronHTTP
import PatronSQLite

/// `patron-api`: Patron's HTTP server (webhook receivers so far). It drains in-flight requests
/// and stops on SIGTERM or SIGINT.
@main
struct PatronAPI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patron-api",
        abstract: "Patron's HTTP server: signed webhooks from Shopify, WooCommerce and generic sources.",
        discussion: """
            Secrets come from the environment: PATRON_SHOPIFY_SECRETS, PATRON_WOOCOMMERCE_SECRETS \
            (comma-separated) and PATRON_GENERIC_SECRETS (source=secret|secret;source=secret). A receiver \
            without a secret refuses every delivery.
            """)

    @Option(help: "The store file (default: $PATRON_DB, else ./patron.sqlite).") var db: String?
    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(help: "The port (0: any free port, printed on start).") var port = 8080

    func run() async throws {
        let level =
            ProcessInfo.processInfo.environment["PATRON_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "patron.api")
        let (store, secrets) = try Self.setUp(db: db)
        let app = PatronAPIServer.application(store: store, secrets: secrets, host: host, port: port, logger: logger) {
            port in
            FileHandle.standardError.write(Data("patron-api: listening on http://\(host):\(port)\n".utf8))
        }
        try await app.runService()
    }

    /// Opens the store and reads the secrets; a problem is one line on stderr and exit 1.
    static func setUp(db: String?) throws -> (SQLiteStore, WebhookSecrets) {
        let environment = ProcessInfo.processInfo.environment
        do {
            let store = try SQLiteStore(path: db ?? environment["PATRON_DB"] ?? "patron.sqlite", create: true)
            return (store, try PatronAPIServer.secrets(from: environment))
        } catch {
            FileHandle.standardError.write(Data("patron-api: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
