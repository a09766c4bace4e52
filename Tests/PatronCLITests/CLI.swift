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

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs patron with `arguments` in `directory`, feeding `stdin`.
    @discardableResult
    static func run(_ arguments: [String], in directory: URL, stdin: String? = nil) throws -> Result {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            Issue.record("no patron binary at \(binary): run `swift build` first (Scripts/test.sh does)")
            return Result(status: -1, stdout: "", stderr: "")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "PATRON_DB")
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
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
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Starts patron with `arguments` and kills it with SIGKILL as soon as it is writing (its
    /// store's WAL has grown past 400 kB); records an issue if it finished first.
    static func killWhileWriting(_ arguments: [String], wal: String, in directory: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let size = (try? FileManager.default.attributesOfItem(atPath: wal)[.size] as? NSNumber)?.intValue ?? 0
            if size > 400_000 { break }
            usleep(5_000)
        }
        #expect(process.isRunning, "the command finished before it could be killed; make the input larger")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
    }

    /// Everything in the store, table by table, in a stable order: equal dumps mean equal stores.
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
