import Foundation
import Logging
import PatronCore
import PostgresNIO

/// A PostgreSQL server and database as a `postgres://` URL names them:
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require]`.
///
/// Only what Patron needs of libpq's URL form: host, port (5432), user (`postgres`), password,
/// database (the user's name), `sslmode` (`disable` when absent) and `application_name`.
/// Percent-escapes in the user, password and database are decoded.
public struct PostgresServer: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode
    public var applicationName: String
    /// The schema the store's tables are in when not the database's default (scratch copies).
    package var schema: String?

    /// How the connection uses TLS: never, when the server offers it, or always.
    public enum SSLMode: String, Hashable, Sendable {
        case disable, prefer, require
    }

    /// Reads a `postgres://` or `postgresql://` URL; anything else is an error naming the part.
    public init(url text: String) throws(PatronError) {
        let lower = text.lowercased()
        guard lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://"),
            let components = URLComponents(string: text)
        else {
            throw PatronError(
                .invalidArgument,
                "--db: not a PostgreSQL URL (postgres://USER@HOST:PORT/DATABASE): \(Self.hiding(text))")
        }
        guard let host = components.host, !host.isEmpty else {
            throw PatronError(.invalidArgument, "--db: the PostgreSQL URL names no host: \(Self.hiding(text))")
        }
        self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        port = components.port ?? 5432
        username = components.percentEncodedUser?.removingPercentEncoding ?? "postgres"
        password = components.percentEncodedPassword?.removingPercentEncoding
        let path = components.percentEncodedPath.removingPercentEncoding ?? components.path
        let name = path.hasPrefix("/") ? String(path.dropFirst()) : path
        database = name.isEmpty ? username : name
        sslMode = .disable
        applicationName = "patron"
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(SSLMode.init(rawValue:)) else {
                    throw PatronError(
                        .invalidArgument,
                        "--db: sslmode=\(item.value ?? "") is not one of disable, prefer, require")
                }
                sslMode = mode
            case "application_name": applicationName = item.value ?? applicationName
            default:
                throw PatronError(
                    .invalidArgument,
                    "--db: unknown PostgreSQL URL parameter '\(item.name)' (sslmode and application_name are read)")
            }
        }
    }

    /// The same server with another database (tests make one database per store).
    public func with(database: String) -> PostgresServer {
        var copy = self
        copy.database = database
        return copy
    }

    /// `postgres://user@host:port/database`, never the password: what error messages name.
    public var description: String { "postgres://\(username)@\(host):\(port)/\(database)" }

    /// The URL with a password shown as `***`.
    static func hiding(_ url: String) -> String { StoreLocation.postgres(url: url).description }

    /// PostgresNIO's configuration for this server.
    func configuration() throws(PatronError) -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        do {
            switch sslMode {
            case .disable: tls = .disable
            case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
        } catch {
            throw PatronError(.storeFailure, "\(self): cannot set up TLS: \(error)")
        }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = .seconds(10)
        configuration.options.additionalStartupParameters = [("application_name", applicationName)]
        if let schema { configuration.options.additionalStartupParameters.append(("search_path", schema)) }
        return configuration
    }
}

extension PostgresServer {
    /// Creates a database on this server (outside any transaction, as PostgreSQL requires),
    /// connecting to this URL's database to do it. Tests make one database per store with it.
    package func createDatabase(_ name: String) throws(PatronError) {
        try withAdminSession { session throws(PatronError) in
            try session.execute(PostgresQuery(unsafeSQL: "CREATE DATABASE \"\(name)\""))
        }
    }

    /// Drops a database of this server if it exists.
    package func dropDatabase(_ name: String) throws(PatronError) {
        try withAdminSession { session throws(PatronError) in
            try session.execute(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \"\(name)\" WITH (FORCE)"))
        }
    }

    func withAdminSession(_ body: (PostgresSession) throws(PatronError) -> Void) throws(PatronError) {
        var logger = Logger(label: "patron.postgres.admin")
        logger.logLevel = .warning
        let session = try PostgresSession.connect(
            to: self, on: MultiThreadedEventLoopGroup.singleton.next(), id: 0, logger: logger)
        defer { session.close() }
        try body(session)
    }
}
