import Foundation
import PatronCore
import Testing

@testable import PatronPostgres

/// Opening a PostgreSQL store: URLs, servers that are not there, databases that are not
/// Patron's or are newer, and what is kept across openings and connections.
@Suite struct PostgresURLTests {
    @Test func aURLNamesServerUserDatabaseAndTLS() throws {
        let server = try PostgresServer(url: "postgres://shop%40ops:s%3Acret@db.example.com:6543/shop?sslmode=require")
        #expect(server.host == "db.example.com" && server.port == 6543)
        #expect(server.username == "shop@ops" && server.password == "s:cret" && server.database == "shop")
        #expect(server.sslMode == .require)
        #expect(server.description == "postgres://shop@ops@db.example.com:6543/shop")
        let plain = try PostgresServer(url: "postgresql://patron@127.0.0.1")
        #expect(plain.port == 5432 && plain.database == "patron" && plain.password == nil && plain.sslMode == .disable)
    }

    @Test func aBadURLIsOneLineNamingWhatIsWrong() {
        for (url, words) in [
            ("mysql://x@h/db", "not a PostgreSQL URL"),
            ("postgres:///shop", "names no host"),
            ("postgres://u@h/db?sslmode=sometimes", "sslmode=sometimes"),
            ("postgres://u@h/db?pool=9", "unknown PostgreSQL URL parameter 'pool'"),
        ] {
            #expect {
                try PostgresServer(url: url)
            } throws: { error in
                "\(error)".contains(words)
            }
        }
        // The password never appears in an error.
        #expect {
            try PostgresServer(url: "postgres://u:hunter2@h/db?x=1")
        } throws: { error in
            !"\(error)".contains("hunter2")
        }
    }
}

@Suite(.enabled(if: PostgresTestServer.available, PostgresTestServer.skipReason))
struct PostgresStoreOpeningTests {
    init() { TestChannels.register() }

    @Test func aServerThatIsNotThereIsOneClearLine() throws {
        // A port nothing listens on (1 needs root to listen on, and no test server uses it).
        var server = try PostgresTestServer.server()
        server.port = 1
        let started = Date()
        #expect {
            try PostgresStore(server: server, access: .write)
        } throws: { error in
            let text = "\(error)"
            return text.contains("postgres://postgres@127.0.0.1:1/") && text.contains("cannot connect")
        }
        #expect(Date().timeIntervalSince(started) < 15)
    }

    @Test func aMissingDatabaseSaysSo() throws {
        let server = try PostgresTestServer.server().with(database: "patron_no_such_\(getpid())")
        #expect {
            try PostgresStore(server: server, access: .create)
        } throws: { error in
            "\(error)".contains("does not exist")
        }
    }

    @Test func anotherApplicationsDatabaseIsRefusedAndLeftAlone() throws {
        let server = try PostgresTestServer.freshDatabase()
        try PostgresTestServer.run("CREATE TABLE wp_posts (id BIGINT PRIMARY KEY)", on: server)
        #expect {
            try PostgresStore(server: server, access: .create)
        } throws: { error in
            let text = "\(error)"
            return text.contains("not a Patron database") && text.contains("wp_posts")
        }
        #expect(try PostgresTestServer.tables(on: server) == ["wp_posts"])
    }

    @Test func anEmptyDatabaseIsAStoreOnlyWhenCreating() throws {
        let server = try PostgresTestServer.freshDatabase()
        #expect {
            try PostgresStore(server: server, access: .write)
        } throws: { error in
            "\(error)".contains("no Patron store")
        }
        #expect(try PostgresTestServer.tables(on: server).isEmpty)
        _ = try PostgresStore(server: server, access: .create)
        #expect(try PostgresTestServer.tables(on: server).contains("customers"))
    }

    @Test func aNewerStoreIsRefusedAndAnOlderOneMigrated() throws {
        let server = try PostgresTestServer.freshDatabase()
        _ = try PostgresStore(server: server, access: .create)
        try PostgresTestServer.run("UPDATE patron_schema SET version = 999", on: server)
        #expect {
            try PostgresStore(server: server, access: .read)
        } throws: { error in
            "\(error)".contains("schema version 999, newer than this patron's")
        }
    }

    @Test func whatIsWrittenIsThereOnTheNextOpening() throws {
        let server = try PostgresTestServer.freshDatabase()
        let first = try PostgresStore(server: server, access: .create)
        let report = try Ingestor(store: first).ingest([
            IngestEvent(
                id: "1", source: "shop", occurredAt: 1_700_000_000,
                kind: .orderPlaced(
                    OrderData(
                        ref: "o1", customer: CustomerIdentity(email: "Ann@Example.com"), placedAt: 1_700_000_000,
                        currency: .eur, totalMinor: 1_250,
                        lines: [OrderLine(sku: "A", quantity: 1, unitPriceMinor: 1_250)])))
        ])
        #expect(report.ordersPlaced == 1)
        first.close()
        let again = try PostgresStore(server: server, access: .read)
        let customer = try again.read { t in try t.customerID(email: "ann@example.com").flatMap(t.customer) }
        #expect(customer?.aggregates.orderCount == 1 && customer?.aggregates.revenueMinor == 1_250)
        #expect(try again.reportingCurrency() == .eur)
    }

    /// Writers on many connections (threads here; processes share the same advisory lock) never
    /// lose an update of a customer's aggregates.
    @Test func concurrentWritersLoseNoUpdate() async throws {
        let store = try PostgresTestServer.freshStore(connections: 6)
        let writers = 6
        let perWriter = 25
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    for n in 0..<perWriter {
                        try Ingestor(store: store).ingest([
                            IngestEvent(
                                id: "w\(writer)-\(n)", source: "shop", occurredAt: 1_700_000_000 + Int64(n),
                                kind: .orderPlaced(
                                    OrderData(
                                        ref: "w\(writer)-\(n)", customer: CustomerIdentity(email: "same@example.com"),
                                        placedAt: 1_700_000_000 + Int64(n), currency: .usd, totalMinor: 100,
                                        lines: [])))
                        ])
                    }
                }
            }
            try await group.waitForAll()
        }
        let customer = try store.read { t in try t.customerID(email: "same@example.com").flatMap(t.customer) }
        #expect(customer?.aggregates.orderCount == writers * perWriter)
        #expect(customer?.aggregates.revenueMinor == Int64(writers * perWriter * 100))
    }
}
