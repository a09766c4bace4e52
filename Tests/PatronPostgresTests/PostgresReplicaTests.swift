import Foundation
import PatronCore
import Testing

@testable import PatronPostgres

/// Reads through a streaming replica (`PATRON_DB_READ`): a process reads its own writes at once,
/// most reads are served by the replica, and a replica that cannot be reached sends reads to the
/// primary instead of failing them.
@Suite(.enabled(if: PostgresTestServer.replicaAvailable, PostgresTestServer.replicaSkipReason))
struct PostgresReplicaTests {
    init() { TestChannels.register() }

    static func order(_ n: Int) -> IngestEvent {
        IngestEvent(
            id: "o\(n)", source: "shop", occurredAt: 1_700_000_000 + Int64(n),
            kind: .orderPlaced(
                OrderData(
                    ref: "o\(n)", customer: CustomerIdentity(email: "c\(n % 5)@example.com"),
                    placedAt: 1_700_000_000 + Int64(n), currency: .eur, totalMinor: 1_000, lines: [])))
    }

    @Test func aProcessReadsItsOwnWritesThroughTheReplica() throws {
        let primary = try PostgresTestServer.freshDatabase()
        let replica = try PostgresTestServer.replica().with(database: primary.database)
        let store = try PostgresStore(server: primary, replica: replica, access: .create, connections: 2)
        defer { store.close() }
        for n in 0..<40 {
            try Ingestor(store: store).ingest([Self.order(n)])
            // Read at once, through the replica when it has caught up, else the primary.
            let count = try store.read { t in
                try t.customerID(email: "c\(n % 5)@example.com").flatMap(t.customer)?.aggregates.orderCount
            }
            #expect(count == n / 5 + 1, "after order \(n)")
        }
        #expect(store.readsServed.replica > 0, "\(store.readsServed)")

        // The replica alone: it reads what the primary wrote, and refuses writes in one line.
        let standby = try PostgresStore(server: replica, access: .read, connections: 1)
        defer { standby.close() }
        var seen = 0
        for _ in 0..<100 where seen != 40 {
            seen = try standby.read { t in
                try t.storedOrderRefs((0..<40).map { ExternalRef(source: "shop", id: "o\($0)") }).count
            }
            if seen != 40 { Thread.sleep(forTimeInterval: 0.05) }
        }
        #expect(seen == 40)
        #expect {
            try Ingestor(store: standby).ingest([Self.order(99)])
        } throws: { error in
            "\(error)".contains("read-only") && "\(error)".contains(replica.description)
        }
    }

    @Test func aReplicaThatCannotBeReachedSendsReadsToThePrimary() throws {
        let primary = try PostgresTestServer.freshDatabase()
        var gone = try PostgresTestServer.replica().with(database: primary.database)
        gone.port = 1
        let store = try PostgresStore(server: primary, replica: gone, access: .create, connections: 2)
        defer { store.close() }
        try Ingestor(store: store).ingest([Self.order(1)])
        #expect(try store.read { try $0.storedOrderRefs([ExternalRef(source: "shop", id: "o1")]).count } == 1)
        #expect(store.readsServed == (replica: 0, primary: 1))
    }
}
