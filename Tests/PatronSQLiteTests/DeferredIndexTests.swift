import Foundation
import GRDB
import PatronCore
import Testing

@testable import PatronSQLite

/// A long load's deferred indexes on a store file: which are dropped, that they come back
/// exactly, that a channel first seen meanwhile is owed, and that a store whose loader died
/// builds them when next opened — never while a loader is alive.
@Suite struct DeferredIndexTests {
    init() { TestChannels.register() }

    static func indexes(_ store: SQLiteStore) throws -> [String] {
        try store.withDatabase { db in
            try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_schema WHERE type = 'index' ORDER BY name")
                .map { "\($0[0] as String): \(($0[1] as String?) ?? "")" }
        }
    }

    static func owed(_ store: SQLiteStore) throws -> String? {
        try store.withDatabase { db in
            try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'deferred_indexes'")
        }
    }

    static func shop(_ customers: Int, consent channel: ConsentChannel = .email, ids: String = "") -> [IngestEvent] {
        (0..<customers).flatMap { n -> [IngestEvent] in
            let who = CustomerIdentity(refs: [ExternalRef(source: "", id: "c\(n)")], email: "c\(n)@x.com")
            return [
                IngestEvent(
                    id: "\(ids)o\(n)", source: "shop", occurredAt: 1_700_000_000 + Int64(n),
                    kind: .orderPlaced(
                        OrderData(
                            ref: "o\(n)", customer: who, placedAt: 1_700_000_000 + Int64(n), currency: .usd,
                            totalMinor: 100, lines: [OrderLine(sku: "TEA", quantity: 1, unitPriceMinor: 100)]))),
                IngestEvent(
                    id: "\(ids)k\(n)", source: "shop", occurredAt: 1_700_000_000 + Int64(n),
                    kind: .consentChanged(ConsentChange(customer: who, channel: channel, status: .granted))),
            ]
        }
    }

    @Test func theReadOnlyIndexesAreDroppedOwedAndBuiltBackAsTheyWere() throws {
        let dir = TempDir()
        let store = try SQLiteStore(path: dir.path("s.sqlite"), access: .create)
        try Ingestor(store: store).ingest(Self.shop(20))
        let before = try Self.indexes(store)
        let deferred = try store.deferIndexes(forAbout: .max, .always)
        #expect(
            deferred == ["customers_consent_email", "customers_consent_sms", "customers_rfm", "order_lines_by_sku"])
        let during = try Self.indexes(store)
        #expect(during.count == before.count - 4)
        #expect(!during.contains { $0.hasPrefix("customers_rfm") || $0.hasPrefix("order_lines_by_sku") })
        #expect(try Self.owed(store)?.contains("CREATE INDEX customers_rfm") == true)
        #expect(FileManager.default.fileExists(atPath: dir.path("s.sqlite-load")))
        // Deferring again while deferred changes nothing and names the same.
        #expect(try store.deferIndexes(forAbout: .max, .always) == deferred)
        #expect(try store.rebuildDeferredIndexes() == deferred)
        #expect(try Self.indexes(store) == before)
        #expect(try Self.owed(store) == nil)
        #expect(!FileManager.default.fileExists(atPath: dir.path("s.sqlite-load")))
        #expect(try store.integrityCheck() == "ok")
    }

    @Test func aChannelFirstSeenDuringTheLoadIsOwedItsAudienceIndex() throws {
        let dir = TempDir()
        let store = try SQLiteStore(path: dir.path("s.sqlite"), access: .create)
        try Ingestor(store: store).ingest(Self.shop(3))
        _ = try store.deferIndexes(forAbout: .max, .always)
        let push: ConsentChannel = "push"
        // Two transactions name the new channel: owed once.
        for batch in 0..<2 {
            try Ingestor(store: store).ingest(
                Self.shop(5, consent: push).map { event in
                    IngestEvent(
                        id: "\(batch)-\(event.id)", source: event.source, occurredAt: event.occurredAt,
                        kind: event.kind)
                })
        }
        #expect(!(try Self.indexes(store)).contains { $0.hasPrefix("customers_consent_push") })
        let built = try store.rebuildDeferredIndexes()
        #expect(built.filter { $0 == "customers_consent_push" }.count == 1)
        #expect(try Self.indexes(store).contains { $0.hasPrefix("customers_consent_push:") })
    }

    @Test func aStoreWhoseLoaderDiedBuildsThemWhenOpenedButNotWhileItLives() throws {
        let dir = TempDir()
        let path = dir.path("s.sqlite")
        var loader: SQLiteStore? = try SQLiteStore(path: path, access: .create)
        try Ingestor(store: loader!).ingest(Self.shop(10))
        let before = try Self.indexes(loader!)
        #expect(try loader!.deferIndexes(forAbout: .max, .always).count == 4)
        // Another process opens the store during the load: the indexes stay owed.
        let other = try SQLiteStore(path: path, access: .write)
        #expect(try Self.owed(other) != nil)
        #expect(try other.rebuildDeferredIndexes() == [])
        // A second loader joins; the first ending leaves the building to the second.
        #expect(try other.deferIndexes(forAbout: .max, .always).count == 4)
        #expect(try loader!.rebuildDeferredIndexes() == [])
        #expect(try Self.owed(other) != nil)
        // The second dies (its lock goes with it, as with kill -9): the next open builds them.
        #expect(try SQLiteStore(path: path, access: .write) != nil)
        #expect(try Self.owed(loader!) != nil)
        loader = nil
        other.loadLock.release()
        let reopened = try SQLiteStore(path: path, access: .write)
        #expect(try Self.owed(reopened) == nil)
        #expect(try Self.indexes(reopened) == before)
    }

    /// 20,000 customers with a line each: about 80,000 rows to build (three customer indexes
    /// and the SKU index), so `auto` defers for a quarter of that in events and more.
    @Test func autoWeighsTheLoadAgainstTheBuild() throws {
        let dir = TempDir()
        let store = try SQLiteStore(path: dir.path("s.sqlite"), access: .create)
        try Ingestor(store: store).ingest(Self.shop(20_000))
        #expect(try store.deferIndexes(forAbout: 15_000, .auto) == [])
        #expect(try store.deferIndexes(forAbout: 25_000, .auto).count == 4)
        #expect(try store.rebuildDeferredIndexes().count == 4)
        #expect(try store.deferIndexes(forAbout: .max, .auto).count == 4)
        #expect(try store.rebuildDeferredIndexes().count == 4)
    }

    /// The record of owed indexes lives in the file: anything but our own `CREATE INDEX` of a
    /// deferrable name is never run; the schema's own definitions are built instead (the
    /// audience index of every channel in the consent ledger), and the store opens.
    @Test func aDamagedRecordIsReplacedByTheSchemasDefinitions() throws {
        let dir = TempDir()
        let path = dir.path("s.sqlite")
        let store = try SQLiteStore(path: path, access: .create)
        try Ingestor(store: store).ingest(Self.shop(3) + Self.shop(2, consent: "push", ids: "p"))
        let before = try Self.indexes(store)
        for damaged in [
            #"[["customers_rfm","DROP TABLE orders"]]"#, #"[["orders_x","CREATE INDEX orders_x ON orders(id)"]]"#,
            #"[["customers_rfm","CREATE INDEX customers_rfm ON customers(id); DROP TABLE orders"]]"#, "not json",
        ] {
            _ = try store.deferIndexes(forAbout: .max, .always)
            try store.write { t in
                try t.db.execute(sql: "UPDATE meta SET value = ? WHERE key = 'deferred_indexes'", arguments: [damaged])
            }
            store.loadLock.release()
            let reopened = try SQLiteStore(path: path, access: .write)
            #expect(try reopened.withDatabase { try Int.fetchOne($0, sql: "SELECT count(*) FROM orders") } == 3)
            #expect(try Self.owed(reopened) == nil)
            #expect(try Self.indexes(reopened) == before, "\(damaged)")
        }
    }

    /// An index someone made with a name like ours but not ours is left alone.
    @Test func onlyOurOwnIndexesAreDeferred() throws {
        let dir = TempDir()
        let store = try SQLiteStore(path: dir.path("s.sqlite"), access: .create)
        try Ingestor(store: store).ingest(Self.shop(3))
        try store.write { t in try t.db.execute(sql: "CREATE INDEX CUSTOMERS_CONSENT_X ON customers(country)") }
        #expect(try store.deferIndexes(forAbout: .max, .always).count == 4)
        #expect(try Self.indexes(store).contains { $0.hasPrefix("CUSTOMERS_CONSENT_X") })
        #expect(try store.rebuildDeferredIndexes().count == 4)
    }

    @Test func autoDefersOnlyWhenTheLoadOutweighsTheBuild() throws {
        let dir = TempDir()
        let store = try SQLiteStore(path: dir.path("s.sqlite"), access: .create)
        try Ingestor(store: store).ingest(Self.shop(2_000))
        #expect(try store.deferIndexes(forAbout: 5_000, .auto) == [])
        #expect(try store.deferIndexes(forAbout: 10_000_000, .never) == [])
        #expect(try store.deferIndexes(forAbout: 10_000_000, .auto).count == 4)
        #expect(try store.rebuildDeferredIndexes().count == 4)
        let memory = try SQLiteStore()
        #expect(try memory.deferIndexes(forAbout: .max, .always) == [])
    }
}
