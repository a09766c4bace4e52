import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PatronAuth
import PatronCore
import PatronHTTP
import PatronPostgres
import PatronSQLite
import Testing

/// The dashboard on PostgreSQL shows exactly what it shows on SQLite: the same generated shop in
/// both stores, every page fetched through a session on each, compared byte for byte (but for
/// the CSRF tokens, which are the session's).
@Suite(
    .enabled(
        if: ProcessInfo.processInfo.environment["PATRON_PG_URL"] != nil
            || ProcessInfo.processInfo.environment["PATRON_REQUIRE_SERVICES"] == "1",
        "no PostgreSQL server: eval \"$(Scripts/postgres/start.sh DIR)\" sets PATRON_PG_URL"))
struct DashboardPostgresTests {
    init() { TestChannels.register() }

    static func postgresStore() throws -> PostgresStore {
        let url = try #require(ProcessInfo.processInfo.environment["PATRON_PG_URL"], "PATRON_PG_URL is not set")
        let server = try PostgresServer(url: url)
        let name = "patron_dashboard_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
        try server.createDatabase(name)
        return try PostgresStore(server: server.with(database: name), access: .create, connections: 4)
    }

    /// The page without its CSRF tokens.
    static func masked(_ html: String) -> String {
        html.replacingOccurrences(
            of: #"name="csrf" value="[^"]*""#, with: #"name="csrf" value="""#, options: .regularExpression)
    }

    @Test func everyPageIsTheSameOnPostgreSQLAsOnSQLite() async throws {
        let sqlite = try SQLiteStore()
        let postgres = try Self.postgresStore()
        let generator = try ShopGenerator(
            options: .init(customers: 300, seed: 5, until: Day(epochSeconds: DashboardTests.Shop.now - 86_400)))
        let events = Array(generator)
        let key = APIKeys.generate()
        let flow = try DashboardTests.welcome()
        func fill(_ store: some PatronStore) async throws {
            try Ingestor(store: store).ingest(events)
            try await store.createAPIKey(name: "admin", hash: APIKeys.hash(key), scopes: ["admin"], at: 0)
            try await store.saveSegment(name: "repeat", expression: "orders.count >= 2", currencyDigits: 2, at: 0)
            _ = try await store.saveFlow(id: "welcome", name: "Welcome", source: flow, path: nil, at: 0)
        }
        try await fill(sqlite)
        try await fill(postgres)
        let pages = [
            "/app", "/app/rfm", "/app/rfm/cell?r=5&f=5", "/app/rfm/cell?r=1&f=1&page=1", "/app/rfm/cell.csv?r=3&f=3",
            "/app/cohorts", "/app/segments", "/app/segments?expression=orders.count%20%3E%3D%203",
            "/app/segments?expression=ordrs.count%20%3E%201", "/app/segments/count?expression=orders.count%20%3E%201",
            "/app/segments/export.csv?expression=orders.count%20%3E%3D%205", "/app/flows", "/app/flows/welcome",
            "/app/customers/1", "/app/customers/150",
        ]
        let answers = [
            try await Self.fetch(pages, from: sqlite, key: key), try await Self.fetch(pages, from: postgres, key: key),
        ]
        for (index, page) in pages.enumerated() {
            let (a, b) = (answers[0][index], answers[1][index])
            let first = zip(a.split(separator: "\n"), b.split(separator: "\n")).first { $0 != $1 }
            #expect(a == b, "\(page): first difference \(first.map { "\($0.0)\n  vs \($0.1)" } ?? "in length")")
            #expect(!a.contains("Internal Server Error"), "\(page)")
        }
    }

    static func fetch(_ pages: [String], from store: some PatronStore, key: String) async throws -> [String] {
        try await DashboardTests.app(store).test(.router) { client in
            let session = try await DashboardTests.signIn(client, key: key)
            var bodies: [String] = []
            for page in pages {
                let (status, body) = try await DashboardTests.get(client, page, session: session)
                bodies.append("\(status.code)\n" + masked(body))
            }
            return bodies
        }
    }
}
