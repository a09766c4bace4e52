import Foundation
import Logging
import PatronCore
import PostgresNIO

/// The server store: a PostgreSQL database, through PostgresNIO.
///
/// Opening checks that the database is Patron's and of a schema this build knows, and applies
/// pending migrations in one transaction (PostgreSQL's DDL is transactional). Writes keep the
/// embedded store's rule of one writer at a time — each write transaction first takes the
/// transaction-scoped advisory lock ``writerLock`` — so the ingestor's read-then-write of
/// aggregates can never lose an update, across threads and across processes. Reads run in
/// `REPEATABLE READ READ ONLY` transactions: one consistent view, no lock.
public final class PostgresStore: Store, @unchecked Sendable {
    /// The server and database.
    public let server: PostgresServer
    let pool: PostgresConnectionPool
    let logger: Logger

    /// The schema version this build writes.
    public static var schemaVersion: Int { PostgresSchema.version }
    /// `pg_advisory_xact_lock` key every write transaction takes: 'PATR'.
    public static let writerLock: Int64 = 0x5041_5452

    /// Opens the store at `url` (`postgres://USER@HOST:PORT/DATABASE`) for `access`: `.create`
    /// makes an empty database a store; `.write` and `.read` need one already.
    ///
    /// - Parameter connections: the most connections this process opens to the server.
    public convenience init(url: String, access: StoreAccess, connections: Int = 8) throws(PatronError) {
        try self.init(server: PostgresServer(url: url), access: access, connections: connections)
    }

    public init(server: PostgresServer, access: StoreAccess, connections: Int = 8) throws(PatronError) {
        self.server = server
        var logger = Logger(label: "patron.postgres")
        logger.logLevel = .warning
        self.logger = logger
        pool = PostgresConnectionPool(
            server: server, size: connections, group: MultiThreadedEventLoopGroup.singleton, logger: logger)
        do {
            try pool.withSession { session in try Self.prepare(session, access: access) }
        } catch {
            pool.close()
            throw PostgresFailure.error(error, server: server, doing: "cannot open the store")
        }
    }

    deinit { pool.close() }

    /// Closes the store's connections.
    public func close() { pool.close() }

    /// Connections lent to transactions now, and callers waiting for one (for `/metrics`).
    public var poolUsage: (inUse: Int, waiting: Int) { (pool.inUse, pool.waiting) }

    public func write<T>(_ body: (PostgresTransaction) throws -> T) throws -> T {
        try transaction("BEGIN", lock: true, body)
    }

    public func read<T>(_ body: (PostgresTransaction) throws -> T) throws -> T {
        try transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", lock: false, body)
    }

    /// Runs `body` in a transaction on a borrowed connection; rolls back if it throws.
    func transaction<T>(_ begin: String, lock: Bool, _ body: (PostgresTransaction) throws -> T) throws -> T {
        try pool.withSession { session in
            try session.execute(PostgresQuery(unsafeSQL: begin))
            do {
                if lock { try session.execute("SELECT pg_advisory_xact_lock(\(Self.writerLock))") }
                let value = try body(PostgresTransaction(session: session))
                try session.execute("COMMIT")
                return value
            } catch {
                if !session.isClosed { _ = try? session.execute("ROLLBACK") }
                throw error
            }
        }
    }

    /// Checks the database is Patron's (or, for `.create`, empty) and migrates it.
    static func prepare(_ session: PostgresSession, access: StoreAccess) throws {
        let server = session.server
        try session.execute("BEGIN")
        do {
            try session.execute("SELECT pg_advisory_xact_lock(\(writerLock))")
            let marked = try session.value(Bool.self, "SELECT to_regclass('patron_schema') IS NOT NULL") ?? false
            var version = 0
            if marked {
                guard
                    let row = try session.rows("SELECT application, version FROM patron_schema").first,
                    let (application, stored) = try? row.decode((String, Int).self), application == Self.application
                else {
                    throw PatronError(
                        .incompatibleStore, "\(server): not a Patron database (patron_schema is not ours)")
                }
                version = stored
            } else {
                let tables = try session.values(
                    String.self,
                    """
                    SELECT table_name::text FROM information_schema.tables
                    WHERE table_schema = current_schema() ORDER BY table_name LIMIT 4
                    """)
                guard tables.isEmpty else {
                    throw PatronError(
                        .incompatibleStore,
                        "\(server): not a Patron database (it holds other tables: \(tables.joined(separator: ", "))"
                            + (tables.count == 4 ? ", …" : "") + "); name an empty database")
                }
                guard access == .create else {
                    throw PatronError(
                        .io, "\(server): no Patron store in this database (run `patron init --db …`, or name another)")
                }
            }
            guard version <= PostgresSchema.version else {
                throw PatronError(
                    .incompatibleStore,
                    "\(server): the store has schema version \(version), newer than this patron's "
                        + "(\(PostgresSchema.version)); upgrade patron")
            }
            if version < PostgresSchema.version {
                guard access != .read else {
                    throw PatronError(
                        .incompatibleStore,
                        "\(server): the store has schema version \(version), older than this patron's "
                            + "(\(PostgresSchema.version)), and may only be read here: run any write command to upgrade it"
                    )
                }
                if !marked {
                    try session.script(
                        "CREATE TABLE patron_schema (application TEXT NOT NULL, version INTEGER NOT NULL, "
                            + "migrated_at TIMESTAMPTZ NOT NULL DEFAULT now());\n"
                            + "INSERT INTO patron_schema(application, version) VALUES ('\(application)', 0)")
                }
                for migration in PostgresSchema.migrations[version...] {
                    try session.script(migration.sql)
                }
                try session.execute(
                    "UPDATE patron_schema SET version = \(PostgresSchema.version), migrated_at = now()")
            }
            try session.execute("COMMIT")
        } catch {
            _ = try? session.execute("ROLLBACK")
            throw error
        }
    }
}

extension PostgresStore {
    /// The application name `patron_schema` holds.
    static var application: String { PostgresSchema.application }
}
