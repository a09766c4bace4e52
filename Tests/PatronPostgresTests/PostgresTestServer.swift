import Foundation
import PatronCore
import PostgresNIO
import Testing

@testable import PatronPostgres

/// The PostgreSQL server the suites run against: `PATRON_PG_URL` (and `PATRON_PG_READ_URL` for
/// its replica), as `Scripts/postgres/start.sh` prints them and `Scripts/test.sh` exports them.
/// Without it the suites are skipped, unless `PATRON_REQUIRE_SERVICES=1` (CI), in which case
/// they run and fail on the missing variable.
enum PostgresTestServer {
    static let environment = ProcessInfo.processInfo.environment
    static let requireServices = environment["PATRON_REQUIRE_SERVICES"] == "1"
    static let available = environment["PATRON_PG_URL"] != nil || requireServices
    static let skipReason: Comment =
        "no PostgreSQL server: eval \"$(Scripts/postgres/start.sh DIR)\" sets PATRON_PG_URL, or PATRON_REQUIRE_SERVICES=1"

    static let replicaAvailable = environment["PATRON_PG_READ_URL"] != nil || requireServices
    static let replicaSkipReason: Comment =
        "no PostgreSQL replica: Scripts/postgres/start_replica.sh sets PATRON_PG_READ_URL, or PATRON_REQUIRE_SERVICES=1"

    /// The replica's server (its databases are the primary's).
    static func replica() throws -> PostgresServer {
        try PostgresServer(
            url: try #require(
                environment["PATRON_PG_READ_URL"], "PATRON_PG_READ_URL is not set (PATRON_REQUIRE_SERVICES=1)"))
    }

    /// The server's URL.
    static func url() throws -> String {
        try #require(environment["PATRON_PG_URL"], "PATRON_PG_URL is not set (PATRON_REQUIRE_SERVICES=1 demands it)")
    }

    static func server() throws -> PostgresServer { try PostgresServer(url: url()) }

    /// A new, empty database on the server (named for this process and a counter).
    static func freshDatabase() throws -> PostgresServer {
        let server = try server()
        let name = "patron_test_\(getpid())_\(counter.next())"
        try server.createDatabase(name)
        return server.with(database: name)
    }

    /// A new store in a new database.
    static func freshStore(connections: Int = 4) throws -> PostgresStore {
        try PostgresStore(server: freshDatabase(), access: .create, connections: connections)
    }

    static let counter = Counter()

    // @unchecked: `value` is only touched while `lock` is held.
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func next() -> Int {
            lock.lock()
            defer { lock.unlock() }
            value += 1
            return value
        }
    }
}

extension PostgresTestServer {
    /// Runs one statement on a database outside any store.
    static func run(_ sql: String, on server: PostgresServer) throws {
        try server.withAdminSession { session throws(PatronError) in
            try session.execute(PostgresQuery(unsafeSQL: sql))
        }
    }

    /// The tables of the database's current schema, by name.
    static func tables(on server: PostgresServer) throws -> [String] {
        var names: [String] = []
        try server.withAdminSession { session throws(PatronError) in
            names = try session.values(
                String.self,
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1"
            )
        }
        return names
    }
}
