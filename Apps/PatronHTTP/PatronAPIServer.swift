import Foundation
import Hummingbird
import Logging
import PatronCore
import PatronSQLite

/// The HTTP server of `patron-api`: the webhook receivers and a health check, on Hummingbird.
public enum PatronAPIServer {
    /// Builds the application; `onRunning` gets the port it listens on (useful with port 0).
    public static func application(
        store: SQLiteStore, secrets: WebhookSecrets, host: String, port: Int, logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        router.get("/health") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
        }
        WebhookRoutes(store: store, secrets: secrets, logger: logger).add(to: router)
        CustomerRoutes(store: store, logger: logger).add(to: router)
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "patron-api"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) }, logger: logger)
    }

    /// Secrets from the environment: `PATRON_SHOPIFY_SECRETS` and `PATRON_WOOCOMMERCE_SECRETS`
    /// (comma-separated, several while one rotates) and `PATRON_GENERIC_SECRETS`
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
            shopify: list("PATRON_SHOPIFY_SECRETS"), woocommerce: list("PATRON_WOOCOMMERCE_SECRETS"), generic: generic)
    }
}
