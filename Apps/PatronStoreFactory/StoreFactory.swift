import Foundation
import PatronCore
import PatronPostgres
import PatronSQLite

/// The one place the apps open a store: `--db` / `PATRON_DB` read as a ``StoreLocation``, the
/// store behind it opened for what the command means to do.
///
/// No file under `Apps/` but this target constructs a store (a test checks it), so a new store
/// is added here and nowhere else.
public enum StoreFactory {
    /// The store at `flag` (else `PATRON_DB`, else `./patron.sqlite`), opened for `access`; with
    /// a PostgreSQL store and `PATRON_DB_READ` (a replica's URL), reads go to the replica.
    public static func open(
        _ flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
        access: StoreAccess
    ) throws(PatronError) -> any PatronStore {
        let location = try StoreLocation.resolve(flag: flag, environment: environment)
        if case .postgres(let url) = location, let read = environment["PATRON_DB_READ"], !read.isEmpty {
            guard case .postgres(let replica) = try StoreLocation(parsing: read) else {
                throw PatronError(.invalidArgument, "PATRON_DB_READ: a read replica must be a postgres:// URL")
            }
            return try PostgresStore(
                server: PostgresServer(url: url), replica: PostgresServer(url: replica), access: access)
        }
        return try open(location, access: access)
    }

    /// Like ``open(_:environment:access:)`` for a daemon that should outlast a server starting
    /// late or restarting: while the store's server cannot be reached (`.storeUnavailable`), tries
    /// again after 1 s, 2 s, 4 s … (at most 10 s apart) for up to `waiting`, telling `onRetry` the
    /// error, the attempt and the wait. Any other error (a wrong URL, password or database)
    /// fails at once.
    public static func open(
        _ flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
        access: StoreAccess, waiting: Duration,
        onRetry: (PatronError, _ attempt: Int, _ wait: Duration) -> Void
    ) throws(PatronError) -> any PatronStore {
        let deadline = ContinuousClock.now + waiting
        var attempt = 0
        var wait = Duration.seconds(1)
        while true {
            do {
                return try open(flag, environment: environment, access: access)
            } catch  where error.code == .storeUnavailable && ContinuousClock.now + wait <= deadline {
                attempt += 1
                onRetry(error, attempt, wait)
                Thread.sleep(forTimeInterval: Double(wait.components.seconds))
                wait = min(wait * 2, .seconds(10))
            }
        }
    }

    /// The store at `location`, opened for `access`.
    public static func open(_ location: StoreLocation, access: StoreAccess) throws(PatronError) -> any PatronStore {
        switch location {
        case .sqlite(let path):
            return try SQLiteStore(path: path, access: access)
        case .postgres(let url):
            return try PostgresStore(url: url, access: access)
        }
    }

    /// The stores in this build and the schema version each writes, for `--version`.
    public static var schemas: String {
        "SQLite store schema \(SQLiteStore.schemaVersion), PostgreSQL store schema \(PostgresStore.schemaVersion)"
    }

    /// A store in memory with the real schema (for `patron-api --openapi` and tests).
    public static func inMemory() throws -> any PatronStore { try SQLiteStore() }
}
