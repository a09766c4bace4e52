import Foundation
import GRDB
import Logging
import PatronCore

/// Deferring the indexes the ingest never reads during a long load (``Store/deferIndexes(forAbout:_:)``).
///
/// An aggregate change rewrites a customer's entry in the RFM index and in every channel's
/// audience index; at a million customers a batch of 50,000 orders touches nearly every page of
/// them, so a long import spends a third of its time keeping them up to date (measured at 3M
/// rows: 55.7 s per million rows with them, 39.8 s without, 3.5 s to build the three customer
/// indexes once). The SKU index of order lines goes with them.
///
/// How it stays safe:
/// - The indexes are dropped, and their definitions written to `meta` under
///   ``deferredKey``, in one transaction; they are built, and the row deleted, in another.
///   So the file always either has an index or says it owes it.
/// - A loader holds a shared `flock` on `<store>-load` (the store's real path) from deferring to
///   the end of its load. A process that opens the store for writing and finds indexes owed
///   takes that lock exclusively, without waiting: it gets it only when no loader is alive (one
///   killed with `kill -9` releases it as it dies), and then builds the indexes. A loader that
///   ends builds them the same way, unless another loader still holds its share. Whoever
///   builds removes the file while holding it; a lock taken on a file no longer at the path is
///   let go and taken again on the new one.
/// - An audience index for a channel first seen during the load is owed, not created.
extension SQLiteStore {
    /// The `meta` key of the owed indexes: a JSON array of `[name, sql]`.
    static let deferredKey = "deferred_indexes"

    /// The indexes a load may defer: read by segments, RFM and the catalogue, never by the ingest.
    static let deferrableIndexes = """
        type = 'index' AND sql IS NOT NULL AND tbl_name IN ('customers', 'order_lines')
          AND (name = 'customers_rfm' OR name = 'order_lines_by_sku' OR name LIKE 'customers\\_consent\\_%' ESCAPE '\\')
        """

    /// Whether an owed name and definition are one of ours: a deferrable name and a single
    /// `CREATE INDEX` of it (the record lives in the file, which anyone may have edited).
    static func isDeferrable(_ index: (name: String, sql: String)) -> Bool {
        let name = index.name
        let channel = name.hasPrefix("customers_consent_") ? name.dropFirst("customers_consent_".count) : ""
        let ours =
            name == "customers_rfm" || name == "order_lines_by_sku"
            || (!channel.isEmpty
                && channel.unicodeScalars.allSatisfy {
                    ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_"
                })
        let create = "CREATE INDEX \(name)"
        let sql = index.sql.replacingOccurrences(of: "CREATE INDEX IF NOT EXISTS ", with: "CREATE INDEX ")
        return ours && sql.hasPrefix(create) && sql.dropFirst(create.count).first?.isWhitespace == true
            && !sql.contains(";")
    }

    public func deferIndexes(forAbout events: Int, _ deferral: IndexDeferral) throws -> [String] {
        guard deferral != .never, !isReadOnly, path != ":memory:", !path.isEmpty else { return [] }
        if deferral == .auto {
            guard try worthDeferring(events: events) else { return [] }
        }
        guard loadLock.share(path: lockPath) else { return [] }
        do {
            let deferred = try writer.write { db -> [String] in
                if let owed = try Self.owedIndexes(db) { return owed.map(\.name) }
                // Only what a rebuild accepts back (not an index someone named like ours).
                let indexes = try Row.fetchAll(
                    db, sql: "SELECT name, sql FROM sqlite_schema WHERE \(Self.deferrableIndexes) ORDER BY name"
                ).map { (name: $0[0] as String, sql: $0[1] as String) }.filter(Self.isDeferrable)
                guard !indexes.isEmpty else { return [] }
                for index in indexes { try db.execute(sql: "DROP INDEX \(index.name)") }
                try Self.owe(indexes, db)
                return indexes.map(\.name)
            }
            if deferred.isEmpty {
                loadLock.release()
                let exclusive = LoadLock()
                if exclusive.lock(path: lockPath, exclusive: true) { exclusive.unlink(path: lockPath) }
            }
            return deferred
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
            // SQLite's sorter takes as much memory again as the page cache: a smaller cache
            // while building keeps the peak near the load's (generate of 10M orders: 479 MB,
            // 660 MB without), the sort spilling to a temporary file instead.
            try db.execute(sql: "PRAGMA cache_size = -65536")
            defer { try? db.execute(sql: "PRAGMA cache_size = -\(SQLiteStore.writerCacheKiB)") }
            for index in owed {
                let exists =
                    try Bool.fetchOne(
                        db, sql: "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ?)",
                        arguments: [index.name]) ?? false
                if !exists { try db.makeStatement(sql: index.sql).execute() }
            }
            try db.execute(sql: "DELETE FROM meta WHERE key = ?", arguments: [Self.deferredKey])
            return owed.map(\.name)
        }
        exclusive.unlink(path: lockPath)
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
        return events >= 10_000 && events >= rows / 4
    }

    /// The lock file beside the store that loaders share (see the extension's doc), by the
    /// store's real path, so that every name of one file gives one lock.
    var lockPath: String { URL(fileURLWithPath: path).resolvingSymlinksInPath().path + "-load" }

    /// The owed indexes, if a load deferred them. A record that is not ours alone (damaged,
    /// or edited by hand) is replaced by what the schema defines: the RFM and SKU indexes and
    /// the audience index of every channel in the consent ledger — each built only if missing.
    static func owedIndexes(_ db: Database) throws -> [(name: String, sql: String)]? {
        guard let json = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [deferredKey])
        else { return nil }
        if let pairs = try? JSONDecoder().decode([[String]].self, from: Data(json.utf8)),
            pairs.allSatisfy({ $0.count == 2 && isDeferrable((name: $0[0], sql: $0[1])) })
        {
            return pairs.map { (name: $0[0], sql: $0[1]) }
        }
        let channels = try String.fetchAll(db, sql: "SELECT DISTINCT channel FROM consent_events")
        return [
            (name: "customers_rfm", sql: SQLiteSchema.rfmIndex),
            (name: "order_lines_by_sku", sql: SQLiteSchema.skuIndex),
        ]
            + Set(SQLiteSchema.migratedAudienceChannels + channels.compactMap(ConsentChannel.init(rawValue:))).sorted()
            .map { channel in
                (name: "customers_consent_\(channel.rawValue)", sql: SQLiteSchema.consentIndex(for: channel))
            }
    }

    static func owe(_ indexes: [(name: String, sql: String)], _ db: Database) throws {
        let json = String(decoding: try JSONEncoder().encode(indexes.map { [$0.name, $0.sql] }), as: UTF8.self)
        try db.execute(
            sql: "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            arguments: [deferredKey, json])
    }

    /// On opening for writing: builds indexes a load deferred and never built (its process
    /// died), unless a loader is still at work. A failure here (the file busy, a damaged record)
    /// is logged and leaves the store open: the indexes only make reads fast, and the next
    /// open tries again.
    static func finishInterruptedLoad(_ store: SQLiteStore) {
        do {
            let built = try store.rebuildDeferredIndexes()
            if !built.isEmpty {
                Logger(label: "patron.store").notice(
                    "built indexes an interrupted load had deferred",
                    metadata: ["store": "\(store.path)", "indexes": "\(built.joined(separator: ","))"])
            }
        } catch {
            Logger(label: "patron.store").warning(
                "could not build the indexes a load deferred; reads stay correct but slower until they are",
                metadata: ["store": "\(store.path)", "error": "\(error)"])
        }
    }
}

/// An advisory `flock` on the store's `-load` file: shared by loaders, exclusive for building.
///
/// `@unchecked Sendable` is safe: its one piece of mutable state, `descriptor`, is read and
/// written only while `mutex` is held (every method takes it first), and `deinit` runs when no
/// other reference is left.
final class LoadLock: @unchecked Sendable {
    private let mutex = NSLock()
    private var descriptor: Int32 = -1

    /// Takes a shared lock (kept until ``release()``); `false` when someone builds the indexes
    /// right now or the file cannot be made.
    func share(path: String) -> Bool { lock(path: path, exclusive: false) }

    /// Takes the lock without waiting; `false` if it is held the other way (or exclusively).
    /// A file that cannot be made (a folder this process may not write) cannot be shared: no
    /// loader can hold it, so the exclusive lock is granted (without a descriptor) and the
    /// shared one refused. A file that exists but may not be opened (another user's) grants
    /// neither. A lock taken on a file removed meanwhile is let go and taken on the new one.
    func lock(path: String, exclusive: Bool) -> Bool {
        mutex.lock()
        defer { mutex.unlock() }
        if descriptor >= 0 { return true }
        for _ in 0..<8 {
            // Read-only is enough for flock, and opens a file another user made.
            let fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { return exclusive && access(path, F_OK) != 0 }
            guard flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0 else {
                close(fd)
                return false
            }
            var held = stat()
            var named = stat()
            if fstat(fd, &held) == 0, stat(path, &named) == 0, held.st_dev == named.st_dev, held.st_ino == named.st_ino
            {
                descriptor = fd
                return true
            }
            close(fd)
        }
        return false
    }

    /// Removes the lock file while holding it exclusively (so no loader holds a share of it).
    func unlink(path: String) {
        mutex.lock()
        defer { mutex.unlock() }
        guard descriptor >= 0 else { return }
        Foundation.unlink(path)
    }

    @discardableResult
    func release() -> Bool {
        mutex.lock()
        defer { mutex.unlock() }
        guard descriptor >= 0 else { return false }
        close(descriptor)
        descriptor = -1
        return true
    }

    deinit { if descriptor >= 0 { close(descriptor) } }
}
