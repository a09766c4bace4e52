import Foundation
import GRDB
import PatronCore
import Testing

@testable import PatronSQLite

/// A temporary directory removed when the test ends.
final class TempDir {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("patron-\(UUID().uuidString)")
    init() { try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    deinit { try? FileManager.default.removeItem(at: url) }
}

@Suite struct SQLiteStoreTests {
    init() { TestChannels.register() }

    @Test func createsAMarkedWALStoreAndReopensIt() throws {
        let dir = TempDir()
        let path = dir.path("shop.sqlite")
        do {
            let store = try SQLiteStore(path: path)
            try Ingestor(store: store).ingest([
                IngestEvent(
                    id: "e1", source: "shop", occurredAt: 86_400,
                    kind: .orderPlaced(
                        OrderData(
                            ref: "1", customer: CustomerIdentity(email: "a@example.com"), placedAt: 86_400,
                            currency: .eur, totalMinor: 995)))
            ])
        }
        let queue = try DatabaseQueue(path: path)
        try queue.read { db in
            let value1 = try Int32.fetchOne(db, sql: "PRAGMA application_id")
            #expect(value1 == 0x5041_5452)
            let value2 = try Int.fetchOne(db, sql: "PRAGMA user_version")
            #expect(value2 == SQLiteSchema.migrations.count)
            let value3 = try String.fetchOne(db, sql: "PRAGMA journal_mode")
            #expect(value3 == "wal")
        }
        try queue.close()
        let reopened = try SQLiteStore(path: path, create: false)
        #expect(try reopened.customerCount(createdThrough: nil) == 1)
        #expect(try reopened.reportingCurrency() == .eur)
        #expect(try reopened.integrityCheck() == "ok")
    }

    @Test func refusesAFileThatIsNotSQLite() throws {
        let dir = TempDir()
        let path = dir.path("notes.sqlite")
        try "hello, this is not a database at all".write(toFile: path, atomically: true, encoding: .utf8)
        let error = try #require(throws: PatronError.self) { try SQLiteStore(path: path) }
        #expect(error.code == .incompatibleStore)
        #expect(error.description == "\(path): not a Patron database (not an SQLite file)")
        #expect(try String(contentsOfFile: path, encoding: .utf8).hasPrefix("hello"))
    }

    @Test func refusesAnotherApplicationsDatabaseWithoutTouchingIt() throws {
        let dir = TempDir()
        let path = dir.path("other.sqlite")
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: "CREATE TABLE notes(text TEXT)") }
        try queue.close()
        let error = try #require(throws: PatronError.self) { try SQLiteStore(path: path) }
        #expect(error.message.contains("not a Patron database"))
        let check = try DatabaseQueue(path: path)
        try check.read { db in
            let value4 = try String.fetchOne(db, sql: "PRAGMA journal_mode")
            #expect(value4 == "delete")
            let value5 = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master")
            #expect(value5 == 1)
        }
    }

    @Test func refusesANewerSchema() throws {
        let dir = TempDir()
        let path = dir.path("future.sqlite")
        _ = try SQLiteStore(path: path)
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA user_version = 99") }
        try queue.close()
        let error = try #require(throws: PatronError.self) { try SQLiteStore(path: path) }
        #expect(
            error.message.contains("schema version 99, newer than this patron knows (\(SQLiteSchema.migrations.count))")
        )
    }

    @Test func upgradesAnOlderSchemaInPlace() throws {
        let dir = TempDir()
        let path = dir.path("v1.sqlite")
        // A store as the first release wrote it: migration 1 only.
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: SQLiteSchema.migrations[0].sql)
            try db.execute(sql: "PRAGMA application_id = \(SQLiteSchema.applicationID)")
            try db.execute(sql: "PRAGMA user_version = 1")
            try db.execute(
                sql:
                    "INSERT INTO customers(created_at, order_count, last_order_at, revenue_minor) VALUES (0, 1, 86400, 500)"
            )
        }
        try queue.close()
        let store = try SQLiteStore(path: path)
        #expect(try store.rfmFacts(asOf: Day(rawValue: 10), windowDays: nil).map(\.monetaryMinor) == [500])
        let check = try DatabaseQueue(path: path)
        try check.read { db in
            let version = try Int.fetchOne(db, sql: "PRAGMA user_version")
            #expect(version == SQLiteSchema.migrations.count)
            let index = try String.fetchOne(db, sql: "SELECT name FROM sqlite_master WHERE name = 'customers_rfm'")
            #expect(index == "customers_rfm")
        }
    }

    @Test func textWithANulByteIsRefusedWithItsField() throws {
        let store = try SQLiteStore()
        let who = CustomerIdentity(refs: [ExternalRef(source: "", id: "c1")])
        let error = try #require(throws: PatronError.self) {
            try Ingestor(store: store).ingest([
                IngestEvent(
                    id: "evt1", source: "s", occurredAt: 100,
                    kind: .orderPlaced(
                        OrderData(
                            ref: "o1", customer: who, placedAt: 100, currency: .usd, totalMinor: 5,
                            lines: [OrderLine(sku: "A\u{0}B", quantity: 1, unitPriceMinor: 5)])))
            ])
        }
        #expect(error.description == "field 'order.lines[0]': contains a NUL character")
        #expect(try store.customerCount(createdThrough: nil) == 0)
    }

    @Test func anEmptyFileWithAVersionIsNotPatrons() throws {
        let dir = TempDir()
        let path = dir.path("versioned.sqlite")
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA user_version = 2") }
        try queue.close()
        let error = try #require(throws: PatronError.self) { try SQLiteStore(path: path) }
        #expect(error.message.contains("not a Patron database"))
    }

    @Test func aMissingStoreIsAnErrorForReaders() throws {
        let dir = TempDir()
        let error = try #require(throws: PatronError.self) {
            try SQLiteStore(path: dir.path("none.sqlite"), create: false)
        }
        #expect(error.message.contains("no Patron store here"))
        #expect(!FileManager.default.fileExists(atPath: dir.path("none.sqlite")))
    }

    @Test func aFailedBatchRollsBack() throws {
        let store = try SQLiteStore()
        let ingestor = Ingestor(store: store)
        let who = CustomerIdentity(refs: [ExternalRef(source: "", id: "c1")])
        try ingestor.ingest([
            IngestEvent(
                id: "1", source: "s", occurredAt: 100,
                kind: .orderPlaced(OrderData(ref: "o1", customer: who, placedAt: 100, currency: .usd, totalMinor: 500)))
        ])
        #expect(throws: PatronError.self) {
            try ingestor.ingest([
                IngestEvent(
                    id: "2", source: "s", occurredAt: 200,
                    kind: .orderPlaced(
                        OrderData(ref: "o2", customer: who, placedAt: 200, currency: .usd, totalMinor: 700))),
                IngestEvent(
                    id: "3", source: "s", occurredAt: 300,
                    kind: .orderPlaced(
                        OrderData(ref: "o3", customer: who, placedAt: 300, currency: .eur, totalMinor: 700))),
            ])
        }
        try store.withDatabase { db in
            let value6 = try Int.fetchOne(db, sql: "SELECT count(*) FROM orders")
            #expect(value6 == 1)
            let value7 = try Int.fetchOne(db, sql: "SELECT count(*) FROM applied_events")
            #expect(value7 == 1)
            let value8 = try Int.fetchOne(db, sql: "SELECT order_count FROM customers")
            #expect(value8 == 1)
        }
    }
}
