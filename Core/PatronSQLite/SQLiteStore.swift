import Foundation
import GRDB
import PatronCore

/// The embedded store: one SQLite file in WAL mode, through GRDB.
///
/// Opening checks that the file is a Patron store of a schema this build knows, and applies any
/// pending migrations in one transaction.
public final class SQLiteStore: Store {
    let writer: any DatabaseWriter
    /// The file's path, or `:memory:`.
    public let path: String

    /// Opens (and with `create`, creates) the store at `path`.
    public init(path: String, create: Bool = true) throws(PatronError) {
        self.path = path
        let exists = FileManager.default.fileExists(atPath: path)
        guard exists || create else {
            throw PatronError(
                .io, "no Patron store here (run `patron init`, or give --db / PATRON_DB)", at: InputLocation(file: path)
            )
        }
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA cache_size = -65536")
        }
        configuration.busyMode = .timeout(10)
        do {
            if exists { try Self.checkHeader(path: path) }
            let pool = try DatabasePool(path: path, configuration: configuration)
            writer = pool
            try Self.migrate(pool, path: path)
        } catch let error as PatronError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw PatronError(
                .incompatibleStore, "not a Patron database (not an SQLite file)", at: InputLocation(file: path))
        } catch {
            throw PatronError(.io, "cannot open the store: \(error)", at: InputLocation(file: path))
        }
    }

    /// A store in memory with the real schema, for tests.
    public init(inMemory: Void = ()) throws {
        path = ":memory:"
        let queue = try DatabaseQueue()
        writer = queue
        try Self.migrate(queue, path: path)
    }

    /// Rejects, before SQLite touches it, a file that is not an SQLite database at all.
    static func checkHeader(path: String) throws(PatronError) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw PatronError(.io, "cannot read the store file", at: InputLocation(file: path))
        }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        if header.isEmpty { return }  // an empty file becomes a new store
        guard header.elementsEqual("SQLite format 3\0".utf8) else {
            throw PatronError(
                .incompatibleStore, "not a Patron database (not an SQLite file)", at: InputLocation(file: path))
        }
        // Look at the file read-only first: opening a pool would switch a foreign file to WAL.
        var configuration = Configuration()
        configuration.readonly = true
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            try queue.read { db in try checkIdentity(db, path: path) }
            try queue.close()
        } catch let error as PatronError {
            throw error
        } catch {
            throw PatronError(.incompatibleStore, "not a Patron database (\(error))", at: InputLocation(file: path))
        }
    }

    /// Throws unless the database is empty or a Patron store of a schema this build knows.
    static func checkIdentity(_ db: Database, path: String) throws {
        let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
        let version = try Int32.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        let tables = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master WHERE type = 'table'") ?? 0
        // A file is Patron's when it carries Patron's application id, or is entirely new (no
        // tables, no id, no version); anything else belongs to someone else.
        if applicationID != SQLiteSchema.applicationID && (tables > 0 || applicationID != 0 || version != 0) {
            throw PatronError(
                .incompatibleStore, "not a Patron database (an SQLite file of another application)",
                at: InputLocation(file: path))
        }
        if version > SQLiteSchema.version {
            throw PatronError(
                .incompatibleStore,
                "the store has schema version \(version), newer than this patron knows (\(SQLiteSchema.version)); "
                    + "upgrade patron", at: InputLocation(file: path))
        }
    }

    static func migrate(_ writer: any DatabaseWriter, path: String) throws {
        try writer.barrierWriteWithoutTransaction { db in
            try checkIdentity(db, path: path)
            let version = try Int32.fetchOne(db, sql: "PRAGMA user_version") ?? 0
            guard version < SQLiteSchema.version else { return }
            try db.inTransaction {
                for migration in SQLiteSchema.migrations.dropFirst(Int(version)) {
                    try db.execute(sql: migration.sql)
                }
                try db.execute(sql: "PRAGMA application_id = \(SQLiteSchema.applicationID)")
                try db.execute(sql: "PRAGMA user_version = \(SQLiteSchema.version)")
                return .commit
            }
        }
    }

    public func write<T>(_ body: (SQLiteTransaction) throws -> T) throws -> T {
        try writer.write { db in try body(SQLiteTransaction(db: db)) }
    }

    public func read<T>(_ body: (SQLiteTransaction) throws -> T) throws -> T {
        try writer.read { db in try body(SQLiteTransaction(db: db)) }
    }

    /// Like ``read(_:)`` without a transaction around the statements: each sees the latest
    /// commit. For hot single-record reads (the API's `GET /v1/customers/{id}`), where the
    /// BEGIN/COMMIT pair costs more than the lookups.
    public func quickRead<T>(_ body: (SQLiteTransaction) throws -> T) throws -> T {
        try writer.unsafeRead { db in try body(SQLiteTransaction(db: db)) }
    }

    /// Runs SQL against the store's database, for tests and tools that inspect the file.
    public func withDatabase<T>(_ body: (Database) throws -> T) throws -> T {
        try writer.read(body)
    }

    /// `PRAGMA integrity_check`: `"ok"` for a sound file.
    public func integrityCheck() throws -> String {
        try writer.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ") }
    }
}
