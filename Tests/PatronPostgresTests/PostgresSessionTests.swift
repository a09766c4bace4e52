import Foundation
import PatronCore
import PostgresNIO
import Testing

@testable import PatronPostgres

/// The session's two shortcuts: writes sent without waiting, and statements prepared once per
/// connection.
@Suite(.enabled(if: PostgresTestServer.available, PostgresTestServer.skipReason))
struct PostgresSessionTests {
    /// A sent write that fails is the error of the next statement that waits (not the "current
    /// transaction is aborted" of that statement), and the transaction leaves nothing.
    @Test func aSentWritesFailureIsTheNextWaitsErrorAndLeavesNothing() throws {
        let store = try PostgresTestServer.freshStore(connections: 1)
        defer { store.close() }
        var readAfterwards = false
        #expect {
            try store.write { t in
                try t.session.send("INSERT INTO meta(key, value) VALUES ('sent', 'kept?')")
                try t.session.send("INSERT INTO no_such_table VALUES (1)")
                try t.session.send("INSERT INTO meta(key, value) VALUES ('after', 'never')")
                _ = try t.session.value(Int64.self, "SELECT 1")
                readAfterwards = true
            }
        } throws: { error in
            "\(error)".contains("no_such_table") && !"\(error)".contains("aborted")
        }
        #expect(!readAfterwards)
        let kept = try store.read { t in
            try t.session.values(String.self, "SELECT key FROM meta WHERE key IN ('sent', 'after')")
        }
        #expect(kept.isEmpty)
        // The connection is usable again, with nothing left over from the failed transaction.
        try store.write { t in try t.session.send("INSERT INTO meta(key, value) VALUES ('next', 'yes')") }
        #expect(
            try store.read { t in try t.session.value(String.self, "SELECT value FROM meta WHERE key = 'next'") }
                == "yes")
    }

    /// A commit waits for what was sent: a failure there fails the write.
    @Test func aCommitWaitsForWhatWasSent() throws {
        let store = try PostgresTestServer.freshStore(connections: 1)
        defer { store.close() }
        #expect(throws: PatronError.self) {
            try store.write { t in try t.session.send("INSERT INTO customers(id) VALUES (NULL)") }
        }
        try store.write { t in try t.session.send("INSERT INTO meta(key, value) VALUES ('sent', 'kept')") }
        #expect(
            try store.read { t in try t.session.value(String.self, "SELECT value FROM meta WHERE key = 'sent'") }
                == "kept")
    }

    /// A store on one connection (so that the session's prepared statements are the store's)
    /// holding one customer.
    static func storeWithACustomer() throws -> (PostgresStore, CustomerID) {
        let store = try PostgresTestServer.freshStore(connections: 1)
        let id = try store.write { t in
            try t.insertCustomer(CustomerRecord(id: CustomerID(0), email: "a@example.com", createdAt: 1_700_000_000))
        }
        return (store, id)
    }

    /// The statements prepared on the store's connection.
    static func preparedNames(_ store: PostgresStore) throws -> [String] {
        try store.quickRead { t in try t.session.values(String.self, "SELECT name FROM pg_prepared_statements") }
    }

    /// A quick read's hot statement is prepared once per connection; a transaction's runs plain.
    @Test func aQuickReadPreparesItsStatementOnceAndATransactionDoesNot() throws {
        let (store, id) = try Self.storeWithACustomer()
        defer { store.close() }
        let names = { try Self.preparedNames(store) }
        let inTransaction = try store.read { try $0.customerSheet(id) }
        #expect(inTransaction?.customer.email == "a@example.com")
        #expect(try names().isEmpty)
        for _ in 0..<3 { #expect(try store.quickRead { try $0.customerSheet(id) } == inTransaction) }
        #expect(try names().count == 1)
        #expect(try store.quickRead { try $0.customerSheet(CustomerID(999)) } == nil)
    }

    /// A prepared statement the server no longer holds (a pooler in transaction mode, or its
    /// `DISCARD ALL`): the call still answers, with the plain statement, and the store prepares
    /// nothing from then on.
    @Test func aLostPreparedStatementTurnsThemOffAndTheCallStillAnswers() throws {
        let (store, id) = try Self.storeWithACustomer()
        defer { store.close() }
        let names = { try Self.preparedNames(store) }
        let first = try store.quickRead { try $0.customerSheet(id) }
        #expect(first?.customer.email == "a@example.com")
        #expect(try names().count == 1)
        try store.quickRead { t in try t.session.execute("DEALLOCATE ALL") }
        #expect(try store.quickRead { try $0.customerSheet(id) } == first)
        #expect(try store.quickRead { try $0.customerSheet(id) } == first)
        #expect(try names().isEmpty)
    }

    /// A cursor scan asks for the next batch early: every row comes once and in order whether the
    /// rows fill the last batch exactly or not, and a body that throws leaves a transaction that
    /// goes on (the cursor closed behind the batch asked for in advance).
    @Test func aCursorScanHandsOutEveryRowOnceAndSurvivesAThrowingBody() throws {
        let store = try PostgresTestServer.freshStore(connections: 1)
        defer { store.close() }
        for count in [0, 1, 5, 6, 7] {
            var seen: [Int64] = []
            try store.read { t in
                try t.session.forEachRow("SELECT g FROM generate_series(1, \(Int64(count))) AS g ORDER BY g", batch: 3)
                {
                    seen.append(try $0.decode(Int64.self))
                }
            }
            #expect(seen == (0..<count).map { Int64($0 + 1) }, "\(count) rows")
        }
        struct Stop: Error {}
        let after = try store.write { t -> Int64? in
            var handed = 0
            #expect(throws: Stop.self) {
                try t.session.forEachRow("SELECT g FROM generate_series(1, 10) AS g", batch: 3) { _ in
                    handed += 1
                    if handed == 4 { throw Stop() }
                }
            }
            // The same transaction, the same cursor name: the first scan's cursor is closed.
            var rows = 0
            try t.session.forEachRow("SELECT 1", batch: 3) { _ in rows += 1 }
            try t.session.send("INSERT INTO meta(key, value) VALUES ('after', 'yes')")
            return rows == 1 ? try t.session.value(Int64.self, "SELECT count(*) FROM meta WHERE key = 'after'") : nil
        }
        #expect(after == 1)
    }

    /// A write sent by a scan's body is waited for before the next FETCH and before the CLOSE:
    /// its failure is the scan's error, never lost (PostgreSQL answers COMMIT in a failed
    /// transaction with ROLLBACK, not an error).
    @Test func aWriteSentDuringAScanFailsTheScanAndNothingIsCommitted() throws {
        let store = try PostgresTestServer.freshStore(connections: 1)
        defer { store.close() }
        for rows in [2, 7] {
            #expect {
                try store.write { t in
                    try t.session.forEachRow("SELECT g FROM generate_series(1, \(Int64(rows))) AS g", batch: 3) { row in
                        let g = try row.decode(Int64.self)
                        try t.session.send("INSERT INTO meta(key, value) VALUES ('k' || \(g)::text, 'v')")
                        if g == 1 { try t.session.send("INSERT INTO no_such_table VALUES (1)") }
                    }
                }
            } throws: { error in
                "\(error)".contains("no_such_table")
            }
        }
        #expect(
            try store.read { t in try t.session.value(Int64.self, "SELECT count(*) FROM meta WHERE key LIKE 'k%'") }
                == 0)
    }

    /// A commit the server answers with ROLLBACK (a failure swallowed on the way) is a failure.
    @Test func aCommitTheServerRollsBackIsAFailure() throws {
        let store = try PostgresTestServer.freshStore(connections: 1)
        defer { store.close() }
        #expect {
            try store.write { t in
                try t.session.send("INSERT INTO meta(key, value) VALUES ('lost', 'v')")
                _ = try? t.session.execute("SELECT 1 / 0")
            }
        } throws: { error in
            "\(error)".contains("rolled the transaction back")
        }
        #expect(
            try store.read { t in try t.session.value(Int64.self, "SELECT count(*) FROM meta WHERE key = 'lost'") } == 0
        )
    }

    /// Schema scripts: a `DO` block's body keeps its `;` line ends; the statements around it run.
    @Test func aScriptKeepsADollarQuotedBodyWhole() throws {
        let server = try PostgresTestServer.freshDatabase()
        try server.withAdminSession { session throws(PatronError) in
            try session.script(
                """
                CREATE TABLE t (n INTEGER);
                DO $$
                BEGIN
                  INSERT INTO t VALUES (1);
                  INSERT INTO t VALUES (2);
                END
                $$;
                INSERT INTO t VALUES (3);
                """)
            #expect(try session.values(Int64.self, "SELECT n::bigint FROM t ORDER BY n") == [1, 2, 3])
        }
    }
}
