import Foundation
import PatronCore
import Testing

@testable import PatronPostgres

/// A PostgreSQL server that goes away in the middle of a long write: one line naming the
/// server, exit 1, only whole batches kept; once it is back, running the same command again
/// completes the job with nothing lost or doubled (the store then equals a clean SQLite run).
@Suite(
    .enabled(
        if: ProcessInfo.processInfo.environment["PATRON_PG_URL"] != nil
            || ProcessInfo.processInfo.environment["PATRON_REQUIRE_SERVICES"] == "1",
        "no PostgreSQL (Scripts/test.sh starts one)"))
struct PostgresFaultTests {
    static let scripts = CLI.root.appendingPathComponent("Scripts/postgres")

    /// Runs a script of `Scripts/postgres`, returning its stdout (through a file: the server it
    /// starts inherits the descriptor, so a pipe would never reach its end).
    static func script(_ name: String, _ arguments: [String]) async throws -> String {
        try await CLI.offThePool {
            let output = FileManager.default.temporaryDirectory.appendingPathComponent("patron-pg-\(UUID()).out")
            FileManager.default.createFile(atPath: output.path, contents: nil)
            defer { try? FileManager.default.removeItem(at: output) }
            let handle = try FileHandle(forWritingTo: output)
            defer { try? handle.close() }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = [scripts.appendingPathComponent(name).path] + arguments
            process.standardOutput = handle
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw PatronError(.io, "\(name) failed") }
            return try String(contentsOf: output, encoding: .utf8)
        }
    }

    @Test func aServerGoingAwayMidGenerateIsOneLineAndTheRerunCompletesIt() async throws {
        // A server of its own: stopping the shared one would fail the other suites.
        let dir = "/tmp/patron-pg-fault-\(getpid())-\(UInt16.random(in: 0...UInt16.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        chmod(dir, 0o755)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let started = try await Self.script("start.sh", [dir + "/primary"])
        let url = try #require(
            started.split(separator: " ").first { $0.hasPrefix("PATRON_PG_URL=") }.map { String($0.dropFirst(14)) })
        var stopped = false
        defer { if !stopped { _ = try? Self.runSync("stop.sh", [dir + "/primary"]) } }
        let server = try PostgresServer(url: url)

        let work = Workspace()
        let generate = [
            "generate", "--customers", "6000", "--seed", "5", "--until", "2025-06-30", "--batch-size", "2000",
        ]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = generate + ["--db", url]
        process.currentDirectoryURL = work.url
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Stopped once the first batches are committed (the generate runs about 60,000 orders; one
        // store is opened for the polls, so each poll is one statement, not a connection).
        var watcher: PostgresStore?
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, process.isRunning {
            // Until generate has made the schema, opening fails; then one store serves every poll.
            if watcher == nil {
                watcher = try? await CLI.offThePool { try PostgresStore(server: server, access: .read, connections: 1) }
            }
            if let store = watcher {
                let orders = try? await CLI.offThePool {
                    try store.read { try $0.session.value(Int64.self, "SELECT count(*) FROM orders") } ?? 0
                }
                if (orders ?? 0) >= 2_000 { break }
            }
            await CLI.pause(seconds: 0.05)
        }
        watcher?.close()
        #expect(process.isRunning, "generate finished before the server could be stopped")
        _ = try await Self.script("stop.sh", [dir + "/primary"])
        stopped = true
        await CLI.waitForExit(process)
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 1, "\(stderr)")
        let lines = stderr.split(separator: "\n").filter { $0.hasPrefix("patron:") }
        #expect(lines.count == 1 && lines[0].contains(server.description), "\(stderr)")

        _ = try await Self.script("resume.sh", [dir + "/primary"])
        stopped = false
        let again = try await CLI.run(generate + ["--db", url], in: work.url)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try await CLI.run(generate + ["--db", "clean.sqlite"], in: work.url).status == 0)
        for export in [
            ["export", "orders"], ["export", "customers"], ["rfm", "--as-of", "2025-06-30", "--format", "csv"],
        ] {
            let postgres = try await CLI.run(export + ["--db", url], in: work.url)
            let sqlite = try await CLI.run(export + ["--db", "clean.sqlite"], in: work.url)
            #expect(postgres.status == 0 && !postgres.stdout.isEmpty, "\(postgres.stderr)")
            #expect(postgres.stdout == sqlite.stdout, "\(export): the re-run store differs from a clean run")
        }
    }

    static func runSync(_ name: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [scripts.appendingPathComponent(name).path] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
    }
}
