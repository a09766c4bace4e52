import Foundation
import GRDB
import PatronCore
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
