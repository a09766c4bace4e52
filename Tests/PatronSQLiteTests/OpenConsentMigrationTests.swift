import Foundation
import GRDB
import PatronCore
import PatronSQL
import Testing

@testable import PatronSQLite

/// Schema v13 keeps consent per channel for any channel: a store written with the email and SMS
/// columns keeps every stated consent, its ledger starts from it, and segments read it through
/// the channels' audience indexes.
@Suite struct OpenConsentMigrationTests {
    init() { TestChannels.register() }

    @Test func aV12StoreKeepsItsConsentAndGainsALedger() throws {
        let dir = TempDir()
        let path = dir.path("v12.sqlite")
        let v13 = try #require(SQLiteSchema.migrations.firstIndex { $0.name.hasPrefix("v13-") })
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in
            for migration in SQLiteSchema.migrations[..<v13] { try db.execute(sql: migration.sql) }
            try db.execute(sql: "PRAGMA application_id = \(SQLiteSchema.applicationID)")
            try db.execute(sql: "PRAGMA user_version = \(v13)")
            try db.execute(
                sql: """
                    INSERT INTO customers(id, email, created_at, consent_email, consent_email_at, consent_sms,
                        consent_sms_at) VALUES
                      (1, 'a@x.com', 0, 'granted', 100, 'revoked', 200),
                      (2, 'b@x.com', 0, 'bounced', 300, 'unknown', NULL),
                      (3, 'c@x.com', 0, 'unknown', NULL, 'unknown', NULL)
                    """)
        }
        try queue.close()
        let store = try SQLiteStore(path: path)
        let (a, b, c) = try store.read { t in
            (try t.customer(CustomerID(1))!, try t.customer(CustomerID(2))!, try t.customer(CustomerID(3))!)
        }
        #expect(a.consent[.email] == ConsentEntry(status: .granted, at: 100))
        #expect(a.consent["sms"] == ConsentEntry(status: .revoked, at: 200))
        #expect(b.consent[.email] == ConsentEntry(status: .bounced, at: 300) && b.consent.channels == [.email])
        #expect(c.consent.channels.isEmpty)
        let history = try store.read { try $0.consentHistory(of: CustomerID(1)) }
        #expect(history.map(\.channel) == [.email, "sms"] && history.allSatisfy { $0.source == "migration" })
        for (expression, expected) in [
            (#"consent.email = "granted""#, [1]), (#"consent.sms = "revoked""#, [1]),
            (#"consent.email = "unknown""#, [3]), (#"consent.sms = "unknown""#, [2, 3]),
        ] {
            let members = try store.members(try SegmentParser.parse(expression), now: 1_000)
            #expect(members.map(\.rawValue) == expected.map(Int64.init), "\(expression)")
        }
        // The audience index serves a consent count.
        let plan = try store.explainSegment(
            try SegmentParser.parse(#"consent.email = "granted" and orders.count >= 0"#), now: 1_000
        ).plan.joined(separator: " ")
        #expect(plan.contains("customers_consent_email"), "\(plan)")
    }
}

/// A writer killed before its write-ahead log was folded in leaves a log only a writable
/// connection can recover: the next open recovers it and keeps every committed write.
@Suite struct CrashedWriterRecoveryTests {
    init() { TestChannels.register() }

    @Test func aStoreWithALogToRecoverOpensAndKeepsItsCommits() throws {
        let dir = TempDir()
        let path = dir.path("live.sqlite")
        let store = try SQLiteStore(path: path)
        let who = CustomerIdentity(refs: [ExternalRef(source: "", id: "c1")], email: "a@x.com")
        try Ingestor(store: store).ingest([
            IngestEvent(
                id: "o1", source: "shop", occurredAt: 1_700_000_000,
                kind: .orderPlaced(
                    OrderData(
                        ref: "o1", customer: who, placedAt: 1_700_000_000, currency: .eur, totalMinor: 1200, lines: []))
            )
        ])
        // The files as a crash leaves them: the database, its log, and a shared-memory index
        // no live connection vouches for (here: zeroed), which only a writer may rebuild.
        let crashed = dir.path("crashed.sqlite")
        try FileManager.default.copyItem(atPath: path, toPath: crashed)
        try FileManager.default.copyItem(atPath: path + "-wal", toPath: crashed + "-wal")
        let shm = try FileManager.default.attributesOfItem(atPath: path + "-shm")[.size] as? NSNumber
        try Data(count: shm?.intValue ?? 32_768).write(to: URL(fileURLWithPath: crashed + "-shm"))
        let wal = try FileManager.default.attributesOfItem(atPath: crashed + "-wal")[.size] as? NSNumber
        #expect((wal?.int64Value ?? 0) > 0, "the log holds the commit")
        let reopened = try SQLiteStore(path: crashed, access: .write)
        #expect(try reopened.customerCount(createdThrough: nil) == 1)
        #expect(try reopened.read { try $0.customerID(email: "a@x.com") } != nil)
    }

    /// Killed while the store was being made (before the write-ahead log was switched on): a
    /// hot rollback journal that a read-only look cannot roll back. The next open rolls it back
    /// and makes the store.
    @Test func aStoreKilledWhileBeingMadeOpensAndIsMade() throws {
        let dir = TempDir()
        let path = dir.path("half.sqlite")
        let crashed = dir.path("crashed.sqlite")
        let queue = try DatabaseQueue(path: path)
        try queue.inDatabase { db in
            try db.execute(sql: "PRAGMA cache_size = 1")
            try db.execute(sql: "BEGIN IMMEDIATE")
            try db.execute(sql: "CREATE TABLE filler (x BLOB)")
            for _ in 0..<200 { try db.execute(sql: "INSERT INTO filler VALUES (randomblob(4000))") }
            // Mid-transaction, pages have spilled: the database and its journal as a kill leaves them.
            try FileManager.default.copyItem(atPath: path, toPath: crashed)
            try FileManager.default.copyItem(atPath: path + "-journal", toPath: crashed + "-journal")
            try db.execute(sql: "ROLLBACK")
        }
        try queue.close()
        let store = try SQLiteStore(path: crashed, access: .create)
        #expect(try store.customerCount(createdThrough: nil) == 0)
        #expect(!FileManager.default.fileExists(atPath: crashed + "-journal"))
    }
}

/// The consent column is read by hand in the form it is written, and through JSON otherwise:
/// both paths agree.
@Suite struct ConsentColumnTests {
    @Test func theHandReaderAndJSONAgreeOnWhatTheWriterWrites() throws {
        var random = SystemRandomNumberGenerator()
        let channels: [ConsentChannel] = ["email", "sms", "push", "kit_mail", "a1_b"]
        for _ in 0..<500 {
            var state = ConsentState()
            for channel in channels where Bool.random(using: &random) {
                let status = ConsentStatus.allCases.randomElement(using: &random)!
                let at: Int64? =
                    Bool.random(using: &random) ? Int64.random(in: -5_000...2_000_000_000, using: &random) : nil
                state[channel] = ConsentEntry(status: status, at: at ?? (status == .unknown ? 1 : nil))
            }
            let text = StoredColumns.encode(state)
            let fast = try #require(StoredColumns.decodeCanonical(text), "\(text)")
            #expect(fast == state, "\(text)")
            #expect(StoredColumns.decode(text) == state)
        }
        // Written by someone else (spaces, other order): the JSON path reads it.
        let loose = #"{ "sms" : {"at": 5, "status": "granted"}, "email": {"status": "revoked", "at": null} }"#
        #expect(StoredColumns.decodeCanonical(loose) == nil)
        let state = StoredColumns.decode(loose)
        #expect(state["sms"] == ConsentEntry(status: .granted, at: 5) && state[.email].status == .revoked)
        #expect(StoredColumns.decode(#"{"email":{"status":"granted","at":1"#).entries.isEmpty)
    }
}
