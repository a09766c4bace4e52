import Foundation
import GRDB
import Testing

/// Runs the built `patron` binary as a user would.
enum CLI {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// `.build/debug/patron`, or `PATRON_BIN`.
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["PATRON_BIN"] { return path }
        return root.appendingPathComponent(".build/debug/patron").path
    }

    struct Result: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
        /// From the process's start to its exit (not counting the wait for a slot).
        var seconds: Double = 0
    }

    /// Runs patron with `arguments` in `directory`, feeding `stdin`; with `unprivileged`, as the
    /// user `nobody` when the tests run as root (so that file permissions apply).
    ///
    /// The wait happens on a thread of its own (``offThePool(_:)``), never on one of Swift's
    /// cooperative threads.
    @discardableResult
    static func run(
        _ arguments: [String], in directory: URL, stdin: String? = nil, unprivileged: Bool = false,
        environment: [String: String] = [:]
    ) async throws -> Result {
        await ProcessSlots.shared.acquire()
        defer { Task { await ProcessSlots.shared.release() } }
        return try await offThePool {
            try runBlocking(
                arguments, in: directory, stdin: stdin, unprivileged: unprivileged, environment: environment)
        }
    }

    /// Runs blocking work (waiting for a process, sleeping) on a Dispatch thread and suspends
    /// until it is done. A test that blocks instead holds one of the cooperative pool's threads,
    /// of which a 2-core machine has two: two such tests at once stall every async test that
    /// serves or reads a socket (the SMS stub gateway's requests timed out after 10 s that way,
    /// but only in the full suite).
    static func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Swift.Result { try body() }) }
        }
    }

    /// Waits for `process` to end without holding a cooperative thread.
    static func waitForExit(_ process: Process) async {
        _ = try? await offThePool { process.waitUntilExit() }
    }

    /// Sleeps without holding a cooperative thread.
    static func pause(seconds: Double) async {
        try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
    }

    private static func runBlocking(
        _ arguments: [String], in directory: URL, stdin: String?, unprivileged: Bool,
        environment extra: [String: String]
    ) throws -> Result {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            Issue.record("no patron binary at \(binary): run `swift build` first (Scripts/test.sh does)")
            return Result(status: -1, stdout: "", stderr: "")
        }
        let process = Process()
        if unprivileged && getuid() == 0 {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", binary] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = arguments
        }
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "PATRON_DB")
        environment.merge(extra) { $1 }
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        let started = Date()
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Read both pipes fully before waiting, so a large output cannot block the child.
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            outData = out.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        errData = err.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self), seconds: Date().timeIntervalSince(started))
    }

    /// Starts patron with `arguments` and kills it with SIGKILL as soon as it is writing (its
    /// store's WAL has grown past 400 kB) or, with `after`, once that many seconds have passed
    /// (a single large transaction keeps its pages in the writer's cache, so its WAL grows only
    /// at the commit); records an issue if it finished first.
    static func killWhileWriting(
        _ arguments: [String], wal: String, after seconds: Double? = nil, in directory: URL
    ) async throws {
        let due = seconds.map { Date().addingTimeInterval($0) }
        try await killWhen(arguments, in: directory) {
            if let due, Date() >= due { return true }
            return ((try? FileManager.default.attributesOfItem(atPath: wal)[.size] as? NSNumber)?.intValue ?? 0)
                > 400_000
        }
    }

    /// Starts patron with `arguments` and kills it with SIGKILL once `condition` holds (checked
    /// every 10 ms, for at most 60 s); records an issue if it finished or the time ran out first.
    static func killWhen(
        _ arguments: [String], in directory: URL, condition: () throws -> Bool
    ) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        var held = false
        while Date() < deadline, process.isRunning {
            if (try? condition()) == true {
                held = true
                break
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(held && process.isRunning, "the command finished before the condition held; make the input larger")
        Foundation.kill(process.processIdentifier, SIGKILL)
        await waitForExit(process)
        #expect(process.terminationReason == .uncaughtSignal)
    }

    /// Everything in the store, table by table, in a stable order, then its indexes: equal dumps
    /// mean equal stores.
    static func dump(_ path: String) throws -> [String] {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read { db in
            var lines: [String] = []
            let tables = try String.fetchAll(
                db,
                sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            for table in tables {
                let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))").count
                let order = (1...columns).map(String.init).joined(separator: ", ")
                let rows = try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY \(order)")
                lines.append("\(table): \(rows.count) rows")
                lines += rows.map { "\(table) \($0)" }
            }
            lines += try Row.fetchAll(
                db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
            ).map { "index \($0)" }
            return lines
        }
    }

    static func integrity(_ path: String) throws -> String {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: ";") }
    }
}

/// A temporary working directory.
final class Workspace {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("patron-cli-\(UUID().uuidString)")
    init() { try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    func write(_ name: String, _ text: String) throws {
        try text.write(toFile: path(name), atomically: true, encoding: .utf8)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
}

/// ../shared beside the repo; see Shared in PatronCoreTests.
enum Shared {
    static func path(_ relative: String) -> String? {
        let path = CLI.root.deletingLastPathComponent().appendingPathComponent("shared").appendingPathComponent(
            relative
        ).path
        if FileManager.default.fileExists(atPath: path) { return path }
        if ProcessInfo.processInfo.environment["PATRON_REQUIRE_SHARED"] == "1" {
            Issue.record("missing shared file \(path) (PATRON_REQUIRE_SHARED=1)")
        } else {
            print("skipped: \(relative) not found beside the repo (../shared)")
        }
        return nil
    }
}

/// At most one `patron` process per core at a time: the suite starts every test at once, and
/// dozens of processes on two cores made the timing tests (a refused login answered within
/// seconds, a retry schedule) measure the machine's queue instead of the code.
actor ProcessSlots {
    static let shared = ProcessSlots(count: max(2, ProcessInfo.processInfo.activeProcessorCount))
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(count: Int) { free = count }

    func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty {
            free += 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}
