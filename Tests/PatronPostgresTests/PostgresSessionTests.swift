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

    /// A quick read's hot statement is prepared once per connection; a transaction's runs plain.
    @Test func aQuickReadPreparesItsStatementOnceAndATransactionDoesNot() throws {
        let store = try PostgresTestServer.freshStore(connections: 1)
        defer { store.close() }
        let id = try store.write { t in
            try t.insertCustomer(CustomerRecord(id: CustomerID(0), email: "a@example.com", createdAt: 1_700_000_000))
        }
        let names = {
            try store.quickRead { t in try t.session.values(String.self, "SELECT name FROM pg_prepared_statements") }
        }
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
        let store = try PostgresTestServer.freshStore(connections: 1)
        defer { store.close() }
        let id = try store.write { t in
            try t.insertCustomer(CustomerRecord(id: CustomerID(0), email: "a@example.com", createdAt: 1_700_000_000))
        }
        let names = {
            try store.quickRead { t in try t.session.values(String.self, "SELECT name FROM pg_prepared_statements") }
        }
        let first = try store.quickRead { try $0.customerSheet(id) }
        #expect(first?.customer.email == "a@example.com")
        #expect(try names().count == 1)
        try store.quickRead { t in try t.session.execute("DEALLOCATE ALL") }
        #expect(try store.quickRead { try $0.customerSheet(id) } == first)
        #expect(try store.quickRead { try $0.customerSheet(id) } == first)
        #expect(try names().isEmpty)
    }
}
