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
        abstract: "Patron's HTTP server: signed webhooks, and customers for API keys.",
        subcommands: [Serve.self, Keys.self], defaultSubcommand: Serve.self)
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the webhook receivers and the customer API (the default).",
        discussion: """
            Secrets come from the environment: PATRON_SHOPIFY_SECRETS, PATRON_WOOCOMMERCE_SECRETS \
            (comma-separated) and PATRON_GENERIC_SECRETS (source=secret|secret;source=secret). A receiver \
            without a secret refuses every delivery. API keys are made with `patron-api keys create`.
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

/// `patron-api keys create|list|revoke`: the keys of the customer API.
struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list and revoke API keys (the store keeps only their SHA-256).",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key and print it (once).")
        @Option(help: "The store file (default: $PATRON_DB, else ./patron.sqlite).") var db: String?
        @Argument(help: "A name for the key (who uses it).") var name: String
        @Option(help: "Comma-separated scopes: read, erase.") var scope: String

        func run() throws {
            let store = try PatronAPI.store(db)
            do {
                let scopes = try APIKeys.scopes(scope)
                let key = APIKeys.generate()
                try store.createAPIKey(
                    name: name, hash: APIKeys.hash(key), scopes: scopes.map(\.rawValue),
                    at: Int64(Date().timeIntervalSince1970))
                print(key)
                FileHandle.standardError.write(
                    Data("patron-api: key '\(name)' created (\(scope)); it is shown only now\n".utf8))
            } catch {
                FileHandle.standardError.write(Data("patron-api: \(error)\n".utf8))
                throw ExitCode.failure
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the keys: name, scopes, created, revoked.")
        @Option(help: "The store file (default: $PATRON_DB, else ./patron.sqlite).") var db: String?

        func run() throws {
            for key in try PatronAPI.store(db).apiKeys() {
                print(
                    "\(key.name)\t\(key.scopes.joined(separator: ","))\t\(Timestamp.format(key.createdAt))\t"
                        + (key.revokedAt.map { "revoked " + Timestamp.format($0) } ?? "live"))
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key: it is refused from now on.")
        @Option(help: "The store file (default: $PATRON_DB, else ./patron.sqlite).") var db: String?
        @Argument(help: "The key's name.") var name: String

        func run() throws {
            guard try PatronAPI.store(db).revokeAPIKey(name: name, at: Int64(Date().timeIntervalSince1970)) else {
                FileHandle.standardError.write(Data("patron-api: no live key named '\(name)'\n".utf8))
                throw ExitCode.failure
            }
        }
    }
}

extension PatronAPI {
    static func store(_ db: String?) throws -> SQLiteStore {
        do {
            return try SQLiteStore(path: db ?? ProcessInfo.processInfo.environment["PATRON_DB"] ?? "patron.sqlite")
        } catch {
            FileHandle.standardError.write(Data("patron-api: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
