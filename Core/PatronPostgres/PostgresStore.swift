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
///
/// With a read replica (``init(server:replica:access:connections:)``), read transactions run on
/// it, reading this process's own writes: after each write the store notes the primary's WAL
/// position, and a read goes to the replica only once the replica has replayed that far
/// (waiting up to ``replicaWait``), else to the primary. A replica that cannot be reached sends
/// reads to the primary too.
// @unchecked: the stored properties are immutable or thread-safe (the pools lock, positions
// lock); `replicaWait` is set once after opening, before the store is shared.
public final class PostgresStore: Store, @unchecked Sendable {
    /// The server and database.
    public let server: PostgresServer
    /// The read replica, if reads go to one.
    public let replica: PostgresServer?
    let pool: PostgresConnectionPool
    let replicaPool: PostgresConnectionPool?
    let logger: Logger
    /// How long a read waits for the replica to catch up with this process's last write.
    public var replicaWait: Duration = .milliseconds(250)
    private let positions = ReplicaPositions()

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

    public init(
        server: PostgresServer, replica: PostgresServer? = nil, access: StoreAccess, connections: Int = 8
    ) throws(PatronError) {
        self.server = server
        self.replica = replica
        var logger = Logger(label: "patron.postgres")
        logger.logLevel = .warning
        self.logger = logger
        pool = PostgresConnectionPool(
            server: server, size: connections, group: MultiThreadedEventLoopGroup.singleton, logger: logger)
        replicaPool = replica.map {
            PostgresConnectionPool(
                server: $0, size: connections, group: MultiThreadedEventLoopGroup.singleton, logger: logger)
        }
        do {
            try pool.withSession { session in try Self.prepare(session, access: access) }
        } catch {
            pool.close()
            throw PostgresFailure.error(error, server: server, doing: "cannot open the store")
        }
    }

    deinit { close() }

    /// Closes the store's connections.
    public func close() {
        pool.close()
        replicaPool?.close()
    }

    /// Read transactions served by the replica and by the primary (for tests and `/metrics`).
    public var readsServed: (replica: Int, primary: Int) { positions.served }

    /// Connections lent to transactions now, and callers waiting for one (for `/metrics`).
    public var poolUsage: (inUse: Int, waiting: Int) { (pool.inUse, pool.waiting) }

    public func write<T>(_ body: (PostgresTransaction) throws -> T) throws -> T {
        try pool.withSession { session in
            let value = try transaction(on: session, "BEGIN", lock: true, body)
            if replicaPool != nil,
                let position = try? session.value(String.self, "SELECT pg_current_wal_insert_lsn()::text")
            {
                positions.wrote(position)
            }
            return value
        }
    }

    public func read<T>(_ body: (PostgresTransaction) throws -> T) throws -> T {
        let begin = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
        if let replicaPool {
            // Falls back to the primary only before the body has run (a body may have effects
            // beyond the store, such as rows handed to a caller, that must not happen twice).
            var started = false
            do {
                let value = try replicaPool.withSession { session in
                    guard (try? caughtUp(session)) == true else { throw ReplicaBehind() }
                    started = true
                    return try transaction(on: session, begin, lock: false, body)
                }
                positions.count(replica: true)
                return value
            } catch  where !started {
                positions.count(replica: false)
            }
        }
        return try pool.withSession { session in try transaction(on: session, begin, lock: false, body) }
    }

    /// Like ``read(_:)`` with each statement on its own (no BEGIN/COMMIT round trips): on the
    /// replica once it has replayed this process's last write, else on the primary.
    public func quickRead<T>(_ body: (PostgresTransaction) throws -> T) throws -> T {
        if let replicaPool {
            var started = false
            do {
                let value = try replicaPool.withSession { session in
                    guard (try? caughtUp(session)) == true else { throw ReplicaBehind() }
                    started = true
                    return try body(PostgresTransaction(session: session))
                }
                positions.count(replica: true)
                return value
            } catch  where !started {
                positions.count(replica: false)
            }
        }
        return try pool.withSession { session in try body(PostgresTransaction(session: session)) }
    }

    /// Whether the replica has replayed this process's last write, waiting up to ``replicaWait``.
    private func caughtUp(_ session: PostgresSession) throws -> Bool {
        guard let position = positions.lastWrite else { return true }
        let deadline = ContinuousClock.now + replicaWait
        while true {
            let replayed =
                try session.value(
                    Bool.self, "SELECT coalesce(pg_last_wal_replay_lsn() >= \(position)::pg_lsn, true)") ?? true
            if replayed { return true }
            if ContinuousClock.now >= deadline { return false }
            Thread.sleep(forTimeInterval: 0.005)
        }
    }

    /// Runs `body` in a transaction on `session`; rolls back if it throws.
    func transaction<T>(
        on session: PostgresSession, _ begin: String, lock: Bool, _ body: (PostgresTransaction) throws -> T
    ) throws -> T {
        try session.execute(PostgresQuery(unsafeSQL: begin))
        session.inTransaction = true
        defer { session.inTransaction = false }
        do {
            if lock { try session.execute("SELECT pg_advisory_xact_lock(\(Self.writerLock))") }
            let value = try body(PostgresTransaction(session: session))
            try session.commit()
            return value
        } catch {
            if !session.isClosed {
                session.discardSent()
                _ = try? session.execute("ROLLBACK")
            }
            throw error
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

/// The replica has not replayed this process's last write in time (the read goes to the primary).
struct ReplicaBehind: Error {}

/// The primary's WAL position after this process's last write, and where reads were served.
// @unchecked: `position` and the counters are only touched while `lock` is held.
final class ReplicaPositions: @unchecked Sendable {
    private let lock = NSLock()
    private var position: String?
    private var replicaReads = 0
    private var primaryReads = 0

    var lastWrite: String? {
        lock.lock()
        defer { lock.unlock() }
        return position
    }

    var served: (replica: Int, primary: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (replicaReads, primaryReads)
    }

    /// Keeps the furthest position seen (positions compare as `X/Y` hexadecimal pairs).
    func wrote(_ lsn: String) {
        lock.lock()
        defer { lock.unlock() }
        if let position, Self.value(position) >= Self.value(lsn) { return }
        position = lsn
    }

    func count(replica: Bool) {
        lock.lock()
        defer { lock.unlock() }
        if replica { replicaReads += 1 } else { primaryReads += 1 }
    }

    static func value(_ lsn: String) -> UInt64 {
        let parts = lsn.split(separator: "/")
        guard parts.count == 2, let high = UInt64(parts[0], radix: 16), let low = UInt64(parts[1], radix: 16) else {
            return 0
        }
        return high << 32 | low
    }
}

extension PostgresStore {
    /// The application name `patron_schema` holds.
    static var application: String { PostgresSchema.application }
}
