import Configuration
import Foundation
import Logging
import PatronAuth
import PatronCore
import PatronHTTP
import SystemPackage

/// `patron-api`'s settings, read with swift-configuration: the environment (`PATRON_` and the key
/// in upper case, dots as underscores) over a JSON file over the defaults.
struct APISettings {
    var db: String
    /// A read replica's URL (PostgreSQL), if reads go to one.
    var dbRead: String?
    /// Seconds to wait for the store's server at start.
    var storeWait: Int
    var server: APIServerSettings
    var secrets: WebhookSecrets
    var logLevel: Logger.Level

    static func load(file: String?, environment: [String: String]) async throws -> APISettings {
        var providers: [any ConfigProvider] = [
            EnvironmentVariablesProvider(
                environmentVariables: environment,
                secretsSpecifier: .specific([
                    "PATRON_SHOPIFY_SECRETS", "PATRON_WOOCOMMERCE_SECRETS", "PATRON_STRIPE_SECRETS",
                    "PATRON_GENERIC_SECRETS",
                    "PATRON_TWILIO_AUTH_TOKENS", "PATRON_SURVEY_SECRET",
                ])
            ).prefixKeys(with: "patron")
        ]
        if let file {
            do {
                providers.append(try await FileProvider<JSONSnapshot>(filePath: FilePath(file)))
            } catch {
                throw PatronError(.invalidArgument, "cannot read the settings: \(error)", at: InputLocation(file: file))
            }
        }
        let config = ConfigReader(providers: providers)
        let levelName = config.string(forKey: "log.level", default: "info")
        guard let level = Logger.Level(rawValue: levelName) else {
            throw PatronError(
                .invalidArgument,
                "log.level: unknown level '\(levelName)' (trace, debug, info, notice, warning, error, critical)")
        }
        let generic = config.string(forKey: "generic.secrets", default: "")
        var secrets = try PatronAPIServer.secrets(from: [
            "PATRON_SHOPIFY_SECRETS": config.stringArray(forKey: "shopify.secrets", default: []).joined(
                separator: ","),
            "PATRON_WOOCOMMERCE_SECRETS": config.stringArray(forKey: "woocommerce.secrets", default: []).joined(
                separator: ","),
            "PATRON_STRIPE_SECRETS": config.stringArray(forKey: "stripe.secrets", default: []).joined(separator: ","),
            "PATRON_GENERIC_SECRETS": generic,
        ])
        let port = config.int(forKey: "port", default: 8080)
        guard (0...65535).contains(port) else {
            throw PatronError(.invalidArgument, "port: \(port) is not a TCP port (0–65535)")
        }
        secrets.twilio = config.stringArray(forKey: "twilio.auth_tokens", default: [])
        secrets.publicOrigin = config.string(forKey: "public_origin")
        secrets.surveyLinks = try SurveyLinkSigner.fromEnvironment([
            "PATRON_SURVEY_SECRET": config.string(forKey: "survey.secret", default: ""),
            "PATRON_SURVEY_URL": config.string(forKey: "survey.url", default: ""),
        ])
        func sessionSecret(_ value: String?) throws(PatronError) -> String? {
            guard let value, !value.isEmpty else { return nil }
            guard value.utf8.count >= 16 else {
                throw PatronError(.invalidArgument, "session.secret: at least 16 bytes, found \(value.utf8.count)")
            }
            return value
        }
        func positive(_ key: String, _ value: Double, most: Double) throws(PatronError) -> Double {
            guard value > 0, value <= most else {
                throw PatronError(
                    .invalidArgument, "\(key): expected a number above 0 and at most \(Int(most)), found \(value)")
            }
            return value
        }
        return APISettings(
            db: config.string(forKey: "db", default: "patron.sqlite"), dbRead: config.string(forKey: "db_read"),
            storeWait: max(0, config.int(forKey: "store_wait", default: 30)),
            server: APIServerSettings(
                host: config.string(forKey: "host", default: "127.0.0.1"), port: port,
                requestsPerSecond: config.double(forKey: "rate_limit", default: 100),
                burst: config.double(forKey: "burst", default: 200),
                trackRequestsPerSecond: config.double(forKey: "track.rate_limit", default: 1_000),
                trackBurst: config.double(forKey: "track.burst", default: 2_000),
                idleTimeout: try positive(
                    "idle_timeout", config.double(forKey: "idle_timeout", default: 30), most: 86_400),
                requestTimeout: try positive(
                    "request_timeout", config.double(forKey: "request_timeout", default: 60), most: 86_400),
                backlog: Int(
                    try positive("backlog", Double(config.int(forKey: "backlog", default: 4_096)), most: 65_535)),
                sessionSecret: try sessionSecret(config.string(forKey: "session.secret")),
                sessionLifetime: Int64(
                    try positive(
                        "session.lifetime", Double(config.int(forKey: "session.lifetime", default: 8 * 3600)),
                        most: 30 * 86_400)),
                warmDashboard: true),
            secrets: secrets, logLevel: level)
    }
}
