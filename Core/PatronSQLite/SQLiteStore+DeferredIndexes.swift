import Foundation
import GRDB
import PatronCore

/// Deferring the indexes the ingest never reads during a long load (``Store/deferIndexes(forAbout:_:)``).
///
/// An aggregate change rewrites a customer's entry in the RFM index and in every channel's
/// audience index; at a million customers a batch of 50,000 orders touches nearly every page of
/// them, so a long import spends a third of its time keeping them up to date (measured at 3M
/// rows: 55.7 s per million rows with them, 39.8 s without, 3.5 s to build the three once).
///
/// How it stays safe:
/// - The indexes are dropped, and their definitions written to `meta` under
///   ``deferredKey``, in one transaction; they are built, and the row deleted, in another.
///   So the file always either has an index or says it owes it.
/// - A loader holds a shared `flock` on `<store>-load` from deferring to the end of its load. A
///   process that opens the store and finds indexes owed takes that lock exclusively, without
///   waiting: it gets it only when no loader is alive (one killed with `kill -9` releases it as
///   it dies), and then builds the indexes before doing anything else. A loader that ends
///   builds them the same way, unless another loader still holds its share.
/// - An audience index for a channel first seen during the load is owed, not created.
extension SQLiteStore {
    /// The `meta` key of the owed indexes: a JSON array of `[name, sql]`.
    static let deferredKey = "deferred_indexes"

    /// The indexes a load may defer: read by segments, RFM and the catalogue, never by the ingest.
    static let deferrableIndexes = """
        type = 'index' AND sql IS NOT NULL
          AND (name = 'customers_rfm' OR name = 'order_lines_by_sku' OR name LIKE 'customers\\_consent\\_%' ESCAPE '\\')
        """

    public func deferIndexes(forAbout events: Int, _ deferral: IndexDeferral) throws -> [String] {
        guard deferral != .never, !isReadOnly, path != ":memory:", !path.isEmpty else { return [] }
        if deferral == .auto {
            guard try worthDeferring(events: events) else { return [] }
        }
        guard loadLock.share(path: lockPath) else { return [] }
        do {
            return try writer.write { db in
                if let owed = try Self.owedIndexes(db) { return owed.map(\.name) }
                let indexes = try Row.fetchAll(
                    db, sql: "SELECT name, sql FROM sqlite_schema WHERE \(Self.deferrableIndexes) ORDER BY name"
                ).map { (name: $0[0] as String, sql: $0[1] as String) }
                guard !indexes.isEmpty else { return [] }
                for index in indexes { try db.execute(sql: "DROP INDEX \(index.name)") }
                try Self.owe(indexes, db)
                return indexes.map(\.name)
            }
        } catch {
            loadLock.release()
            throw error
        }
    }

    public func rebuildDeferredIndexes() throws -> [String] {
        loadLock.release()
        guard !isReadOnly, path != ":memory:", !path.isEmpty else { return [] }
        let owed = try writer.read { db in try Self.owedIndexes(db) }
        guard owed != nil else { return [] }
        // Only when no loader holds its share: the last one to finish builds them.
        let exclusive = LoadLock()
        guard exclusive.lock(path: lockPath, exclusive: true) else { return [] }
        defer { exclusive.release() }
        let built = try writer.write { db -> [String] in
            guard let owed = try Self.owedIndexes(db) else { return [] }
            for index in owed {
                let exists =
                    try Bool.fetchOne(
                        db, sql: "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ?)",
                        arguments: [index.name]) ?? false
                if !exists { try db.execute(sql: index.sql) }
            }
            try db.execute(sql: "DELETE FROM meta WHERE key = ?", arguments: [Self.deferredKey])
            return owed.map(\.name)
        }
        try? FileManager.default.removeItem(atPath: lockPath)
        return built
    }

    /// Whether building the indexes once costs less than keeping them up to date for `events`:
    /// building takes about 1 µs a row (measured: 3.5 s for the three customer indexes at 1.25M
    /// customers), and an event saves at least 4 µs of updates (measured: 2.7 µs at 100k
    /// customers, 16 µs at a million, where the indexes no longer fit in the cache).
    func worthDeferring(events: Int) throws -> Bool {
        let rows = try writer.read { db -> Int in
            let customers = try Int.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM customers") ?? 0
            let customerIndexes =
                try Int.fetchOne(
                    db,
                    sql: "SELECT count(*) FROM sqlite_schema WHERE \(Self.deferrableIndexes) AND tbl_name = 'customers'"
                )
                ?? 0
            // Lines: the orders times the lines of the last thousand (a range of the primary key).
            let orders = try Int.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM orders") ?? 0
            let recent =
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM order_lines WHERE order_id > ?", arguments: [orders - 1_000]) ?? 0
            return customers * customerIndexes + orders * recent / max(min(orders, 1_000), 1)
        }
        return events >= 10_000 && events * 4 >= rows
    }

    /// The lock file beside the store that loaders share (see the extension's doc).
    var lockPath: String { path + "-load" }

    /// The owed indexes, if a load deferred them.
    static func owedIndexes(_ db: Database) throws -> [(name: String, sql: String)]? {
        guard let json = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [deferredKey])
        else { return nil }
        guard let pairs = try? JSONDecoder().decode([[String]].self, from: Data(json.utf8)),
            pairs.allSatisfy({ $0.count == 2 })
        else {
            throw PatronError(.storeFailure, "the store's record of deferred indexes is damaged: \(json)")
        }
        return pairs.map { (name: $0[0], sql: $0[1]) }
    }

    static func owe(_ indexes: [(name: String, sql: String)], _ db: Database) throws {
        let json = String(decoding: try JSONEncoder().encode(indexes.map { [$0.name, $0.sql] }), as: UTF8.self)
        try db.execute(
            sql: "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            arguments: [deferredKey, json])
    }

    /// On opening for writing: builds indexes a load deferred and never built (its process
    /// died), unless a loader is still at work.
    static func finishInterruptedLoad(_ store: SQLiteStore) throws {
        _ = try store.rebuildDeferredIndexes()
    }
}

/// An advisory `flock` on the store's `-load` file: shared by loaders, exclusive for building.
final class LoadLock: @unchecked Sendable {
    private let mutex = NSLock()
    private var descriptor: Int32 = -1

    /// Takes a shared lock (kept until ``release()``); `false` when someone builds the indexes
    /// right now or the file cannot be made.
    func share(path: String) -> Bool { lock(path: path, exclusive: false) }

    /// Takes the lock without waiting; `false` if it is held the other way (or exclusively).
    /// A file that cannot be made cannot be shared: no loader can hold it, so the exclusive
    /// lock is granted (without a descriptor) and the shared one refused.
    func lock(path: String, exclusive: Bool) -> Bool {
        mutex.lock()
        defer { mutex.unlock() }
        if descriptor >= 0 { return true }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return exclusive }
        guard flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0 else {
            close(fd)
            return false
        }
        descriptor = fd
        return true
    }

    func release() {
        mutex.lock()
        defer { mutex.unlock() }
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }

    deinit { if descriptor >= 0 { close(descriptor) } }
}
