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

    /// How a command means to use the store it opens: `.create` makes a missing or empty file
    /// a store; `.read` opens a file this process may not write read-only, leaving no
    /// `-wal`/`-shm` file behind.
    public typealias Access = StoreAccess

    /// The schema version this build writes (`PRAGMA user_version`).
    public static var schemaVersion: Int { Int(SQLiteSchema.version) }

    /// Whether the store was opened read-only (no write will succeed).
    public let isReadOnly: Bool
    /// The writer's page cache, in KiB (see `prepareDatabase`).
    static let writerCacheKiB = 262_144
    /// This process's share of the `-load` lock while a load defers indexes.
    let loadLock = LoadLock()

    /// Opens (and with `create`, creates) the store at `path`.
    public convenience init(path: String, create: Bool = true) throws(PatronError) {
        try self.init(path: path, access: create ? .create : .write)
    }

    /// Opens the store at `path` for `access`.
    ///
    /// Only `.create` turns a missing or empty file into a store. A file this process may not
    /// write is refused for `.create` and `.write` (one line: the store is read-only here) and
    /// opened read-only for `.read`.
    public init(path: String, access: Access) throws(PatronError) {
        self.path = path
        let location = InputLocation(file: path)
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let size = (attributes?[.size] as? NSNumber)?.int64Value
        if access != .create {
            guard let size else {
                throw PatronError(
                    .io, "no Patron store here (run `patron init`, or give --db / PATRON_DB)", at: location)
            }
            guard size > 0 else {
                throw PatronError(
                    .incompatibleStore, "the file is empty, not a Patron store (`patron init` makes one)", at: location)
            }
        }
        let writable = size == nil ? Self.folderIsWritable(of: path) : Self.isWritable(path)
        guard writable else {
            guard access == .read else {
                throw PatronError(
                    .readOnlyStore,
                    size == nil
                        ? "cannot create the store: its folder may not be written"
                        : "the store is read-only here (no write permission on the file or its folder); "
                            + "commands that only read it still work", at: location)
            }
            isReadOnly = true
            writer = try Self.openReadOnly(path)
            return
        }
        isReadOnly = false
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // The one writer holds a large batch's dirty pages in memory (a smaller cache spills
            // them to the WAL mid-transaction: +29 % ingest time at 64 MB on the generated shop);
            // readers, of which a pool has several, keep 64 MB each. Pages are taken as used.
            try db.execute(sql: "PRAGMA cache_size = -\(db.configuration.readonly ? 65_536 : Self.writerCacheKiB)")
        }
        configuration.busyMode = .timeout(10)
        do {
            if size != nil { try Self.checkHeader(path: path) }
            let pool = try DatabasePool(path: path, configuration: configuration)
            writer = pool
            try Self.migrate(pool, path: path)
            Self.finishInterruptedLoad(self)
        } catch let error as PatronError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw PatronError(.incompatibleStore, "not a Patron database (not an SQLite file)", at: location)
        } catch {
            throw PatronError(.io, "cannot open the store: \(error)", at: location)
        }
    }

    /// Whether this process may write the file and create the journal files beside it.
    static func isWritable(_ path: String) -> Bool {
        guard access(path, W_OK) == 0 else { return false }
        if folderIsWritable(of: path) { return true }
        // A folder that may not be written still works when both journal files exist and may be.
        return ["-wal", "-shm"].allSatisfy { access(path + $0, W_OK) == 0 }
    }

    static func folderIsWritable(of path: String) -> Bool {
        let folder = (path as NSString).deletingLastPathComponent
        return access(folder.isEmpty ? "." : folder, W_OK) == 0
    }

    /// Opens a store this process may not write. With no write-ahead log in use (a store whose
    /// writers have all closed), the file is opened immutable: no lock, no `-shm`, nothing
    /// created. With a log in use, SQLite's read-only mode reads through the existing log.
    static func openReadOnly(_ path: String) throws(PatronError) -> DatabaseQueue {
        let location = InputLocation(file: path)
        try checkHeader(path: path, readOnly: true)
        var configuration = Configuration()
        configuration.readonly = true
        do {
            let queue = try DatabaseQueue(path: readOnlyURI(path), configuration: configuration)
            try queue.read { db in
                try checkIdentity(db, path: path)
                let version = try Int32.fetchOne(db, sql: "PRAGMA user_version") ?? 0
                guard version == SQLiteSchema.version else {
                    throw PatronError(
                        .incompatibleStore,
                        "the store has schema version \(version), older than this patron's (\(SQLiteSchema.version)), "
                            + "and may only be read here: its owner upgrades it by running any write command",
                        at: location)
                }
            }
            return queue
        } catch let error as PatronError {
            throw error
        } catch {
            throw PatronError(.io, "cannot read the store: \(error)", at: location)
        }
    }

    /// The SQLite URI that reads `path` without writing anything beside it.
    static func readOnlyURI(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%")
        let escaped = absolute.addingPercentEncoding(withAllowedCharacters: allowed) ?? absolute
        let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? NSNumber
        let logInUse = (wal?.int64Value ?? 0) > 0
        return "file:\(escaped)?" + (logInUse ? "mode=ro" : "immutable=1")
    }

    /// A store in memory with the real schema, for tests.
    public init(inMemory: Void = ()) throws {
        path = ":memory:"
        isReadOnly = false
        let queue = try DatabaseQueue()
        writer = queue
        try Self.migrate(queue, path: path)
    }

    /// Rejects, before SQLite touches it, a file that is not an SQLite database at all.
    static func checkHeader(path: String, readOnly: Bool = false) throws(PatronError) {
        // Killed while the store was being made: a hot rollback journal beside a file whose
        // pages are half written. Opening it for writing rolls the journal back (SQLite does so
        // on the first read), leaving the file as it was before: empty.
        if !readOnly, let journal = try? FileManager.default.attributesOfItem(atPath: path + "-journal"),
            ((journal[.size] as? NSNumber)?.int64Value ?? 0) > 0
        {
            if let queue = try? DatabaseQueue(path: path) {
                _ = try? queue.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") }
                try? queue.close()
            }
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw PatronError(.io, "cannot read the store file", at: InputLocation(file: path))
        }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        if header.isEmpty { return }  // an empty file becomes a new store (`.create` only)
        guard header.elementsEqual("SQLite format 3\0".utf8) else {
            throw PatronError(
                .incompatibleStore, "not a Patron database (not an SQLite file)", at: InputLocation(file: path))
        }
        // Look at the file read-only first: opening a pool would switch a foreign file to WAL.
        var configuration = Configuration()
        configuration.readonly = true
        do {
            let queue = try DatabaseQueue(path: readOnly ? readOnlyURI(path) : path, configuration: configuration)
            try queue.read { db in try checkIdentity(db, path: path) }
            try queue.close()
        } catch let error as PatronError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_READONLY && !readOnly {
            // A writer died with its write-ahead log not yet folded in (kill -9 while a store was
            // made or written): a read-only look cannot recover the log. A writable one can; the
            // file is in WAL mode already, so nothing of a foreign file changes.
            do {
                let queue = try DatabaseQueue(path: path)
                try queue.read { db in try checkIdentity(db, path: path) }
                try queue.close()
            } catch let error as PatronError {
                throw error
            } catch {
                throw PatronError(.incompatibleStore, "not a Patron database (\(error))", at: InputLocation(file: path))
            }
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
        if version < 0 {
            throw PatronError(
                .incompatibleStore,
                "the store has schema version \(version), which no patron writes (1 to \(SQLiteSchema.version)); "
                    + "the file is damaged or was changed by hand", at: InputLocation(file: path))
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

    /// Reads like ``read(_:)``, with an SQLite error turned into one line that names the engine's
    /// message but never the statement (a compiled segment can run to tens of kilobytes).
    func conciseRead<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try writer.read(body)
        } catch let error as DatabaseError {
            throw PatronError(
                error.resultCode == .SQLITE_READONLY ? .readOnlyStore : .storeFailure,
                "SQLite error \(error.resultCode.rawValue): \(error.message ?? "no message")",
                at: InputLocation(file: path))
        }
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
