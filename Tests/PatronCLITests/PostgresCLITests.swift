import Foundation
import PatronCore
import Testing

@testable import PatronPostgres

/// The CLI on a `postgres://` URL answers exactly as on an SQLite file: the same generated shop
/// through both, then every report, segment and export compared byte for byte.
@Suite(
    .enabled(
        if: ProcessInfo.processInfo.environment["PATRON_PG_URL"] != nil
            || ProcessInfo.processInfo.environment["PATRON_REQUIRE_SERVICES"] == "1",
        "no PostgreSQL server: eval \"$(Scripts/postgres/start.sh DIR)\" sets PATRON_PG_URL"))
struct PostgresCLITests {
    static func freshDatabaseURL() throws -> String {
        let url = try #require(ProcessInfo.processInfo.environment["PATRON_PG_URL"], "PATRON_PG_URL is not set")
        let server = try PostgresServer(url: url)
        let name = "patron_cli_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
        try server.createDatabase(name)
        return server.with(database: name).description
    }

    @Test func everyReportAndExportIsTheSameOnPostgreSQLAsOnSQLite() async throws {
        let work = Workspace()
        let stores = ["shop.sqlite", try Self.freshDatabaseURL()]
        for db in stores {
            let made = try await CLI.run(
                ["generate", "--customers", "300", "--seed", "3", "--until", "2025-06-30", "--db", db], in: work.url)
            #expect(made.status == 0, "\(db): \(made.stderr)")
        }
        let commands: [[String]] = [
            ["rfm", "--as-of", "2025-06-30", "--format", "csv"],
            ["rfm", "--as-of", "2025-03-31", "--window", "180", "--format", "json"],
            ["metrics", "--as-of", "2025-06-30", "--format", "json"],
            ["rfm", "--as-of", "2025-06-30", "--save"],
            ["segment", "count", "--as-of", "2025-06-30", "orders.count >= 2 and consent.email = \"granted\""],
            ["segment", "count", "--as-of", "2025-06-30", "rfm.segment = \"Champions\" or bought(sku: \"SKU-0001\")"],
            [
                "segment", "export", "--as-of", "2025-06-30", "tags contains \"vip\" or orders.last_at within 90 days",
                "--fields", "email,orders.count,orders.total,rfm.segment,tags",
            ],
            ["export", "customers"],
            ["export", "orders"],
            ["predict", "summary", "--calibration-end", "2025-06-30"],
            ["predict", "fit", "--calibration-end", "2025-06-30", "--save", "--format", "json"],
            ["segment", "count", "--as-of", "2025-06-30", "predicted.p_alive >= 500000"],
        ]
        for command in commands {
            var outputs: [String] = []
            for db in stores {
                let result = try await CLI.run(command + ["--db", db], in: work.url)
                #expect(result.status == 0, "\(command) on \(db): \(result.stderr)")
                outputs.append(result.stdout)
            }
            #expect(!outputs[0].isEmpty, "\(command)")
            let first = zip(outputs[0].split(separator: "\n"), outputs[1].split(separator: "\n")).first { $0 != $1 }
            #expect(
                outputs[0] == outputs[1],
                "\(command): first difference \(first.map { "\($0.0)\n  vs \($0.1)" } ?? "in length")")
        }
    }
}
