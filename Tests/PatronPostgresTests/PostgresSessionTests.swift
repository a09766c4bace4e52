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

    /// A prepared statement the server no longer holds (a `DEALLOCATE ALL`, a pooler's `DISCARD`)
    /// fails once and is prepared again, under a new name, on the next call.
    @Test func aPreparedStatementTheServerLostIsPreparedAgain() throws {
        let store = try PostgresTestServer.freshStore(connections: 1)
        defer { store.close() }
        let id = try store.write { t in
            try t.insertCustomer(CustomerRecord(id: CustomerID(0), email: "a@example.com", createdAt: 1_700_000_000))
        }
        let first = try store.quickRead { try $0.customerSheet(id) }
        #expect(first?.customer.email == "a@example.com")
        let names = {
            try store.quickRead { t in try t.session.values(String.self, "SELECT name FROM pg_prepared_statements") }
        }
        #expect(try names().count == 1)
        try store.quickRead { t in try t.session.execute("DEALLOCATE ALL") }
        #expect(throws: PatronError.self) { try store.quickRead { try $0.customerSheet(id) } }
        #expect(try store.quickRead { try $0.customerSheet(id) } == first)
        #expect(try store.quickRead { try $0.customerSheet(id) } == first)
        #expect(try names().count == 1)
    }
}
