import Foundation
import GRDB
import Testing

/// Stores a new user meets: read-only ones, empty files, damaged schema versions, hostile
/// segments. Each is one line on stderr and a non-zero exit, never a crash, and nothing is
/// written that was not asked for.
@Suite(.serialized) struct StoreAccessCLITests {
    func shop(_ work: Workspace) async throws {
        let result = try await CLI.run(
            ["generate", "--customers", "300", "--seed", "9", "--until", "2025-06-30"], in: work.url)
        #expect(result.status == 0, "\(result.stderr)")
    }

    func files(_ work: Workspace) async throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: work.url.path).sorted()
    }

    /// The read commands an analyst runs, each expected to succeed on a store they may only read.
    static let reads: [[String]] = [
        ["rfm", "--as-of", "2025-06-30"],
        ["metrics", "--as-of", "2025-06-30"],
        ["segment", "count", "orders.count >= 2"],
        ["segment", "export", "orders.count >= 2"],
        ["export", "customers"],
        ["predict", "customers"],
        ["segment", "list"],
    ]

    @Test(arguments: [false, true])
    func aStoreOneMayOnlyReadCanBeRead(folderWritable: Bool) async throws {
        let work = Workspace()
        try await shop(work)
        #expect(try await CLI.run(["segment", "save", "loyal", "orders.count >= 2"], in: work.url).status == 0)
        let store = work.path("patron.sqlite")
        #expect(!FileManager.default.fileExists(atPath: store + "-wal"), "the writer checkpointed and closed")
        // The file may only be read; the folder may be written by anyone, or by its owner only.
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: store)
        try FileManager.default.setAttributes(
            [.posixPermissions: folderWritable ? 0o777 : 0o555], ofItemAtPath: work.url.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: work.url.path) }
        let before = try await files(work)
        for command in Self.reads {
            let result = try await CLI.run(command, in: work.url, unprivileged: true)
            #expect(result.status == 0, "\(command.joined(separator: " ")): \(result.stderr)")
            #expect(!result.stdout.isEmpty, "\(command.joined(separator: " "))")
        }
        await #expect(try files(work) == before, "a reader leaves no -wal or -shm file behind")
        for command in [
            ["rfm", "--as-of", "2025-06-30", "--save"], ["segment", "save", "vip", "orders.count >= 3"],
            ["campaigns", "nightly"],
        ] {
            let result = try await CLI.run(command, in: work.url, unprivileged: true)
            #expect(result.status == 1, "\(command.joined(separator: " "))")
            #expect(result.stderr.contains("read-only"), "\(command.joined(separator: " ")): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        }
        await #expect(try files(work) == before)
    }

    @Test func readCommandsDoNotTurnAnEmptyOrMissingFileIntoAStore() async throws {
        let work = Workspace()
        _ = FileManager.default.createFile(atPath: work.path("empty.sqlite"), contents: Data())
        for command in Self.reads {
            let result = try await CLI.run(command + ["--db", "empty.sqlite"], in: work.url)
            #expect(result.status == 1, "\(command.joined(separator: " "))")
            #expect(result.stderr.contains("empty.sqlite: the file is empty, not a Patron store"), "\(result.stderr)")
            let missing = try await CLI.run(command + ["--db", "missing.sqlite"], in: work.url)
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("no Patron store here"), "\(missing.stderr)")
        }
        let size = try FileManager.default.attributesOfItem(atPath: work.path("empty.sqlite"))[.size] as? NSNumber
        #expect(size?.intValue == 0)
        await #expect(try files(work) == ["empty.sqlite"])
        // init does turn it into a store.
        #expect(try await CLI.run(["init", "--db", "empty.sqlite"], in: work.url).status == 0)
        #expect(
            try await CLI.run(["segment", "count", "--db", "empty.sqlite", "orders.count > 0"], in: work.url).status
                == 0)
    }

    @Test(arguments: [-1, -7, Int32.min])
    func aSchemaVersionNoPatronWroteIsAClearError(version: Int32) async throws {
        let work = Workspace()
        try await shop(work)
        let queue = try DatabaseQueue(path: work.path("patron.sqlite"))
        try await queue.writeWithoutTransaction { try $0.execute(sql: "PRAGMA user_version = \(version)") }
        try queue.close()
        for command in [["rfm"], ["segment", "count", "orders.count > 1"], ["init"], ["campaigns", "nightly"]] {
            let result = try await CLI.run(command, in: work.url)
            #expect(result.status == 1, "\(command): \(result.stderr.prefix(300))")
            #expect(
                result.stderr.contains("schema version \(version), which no patron writes"),
                "\(result.stderr.prefix(300))")
            #expect(result.stderr.split(separator: "\n").count == 1)
        }
    }

    @Test func hostileSegmentsAreOneLineNeverACrash() async throws {
        let work = Workspace()
        try await shop(work)
        let nested = String(repeating: "(", count: 20_000) + "orders.count > 1" + String(repeating: ")", count: 20_000)
        let deep = try await CLI.run(["segment", "count", nested], in: work.url)
        #expect(deep.status == 1)
        #expect(deep.stderr.contains("nested deeper than"), "\(deep.stderr.prefix(300))")
        #expect(deep.stderr.utf8.count < 1_000)
        let nots = try await CLI.run(
            ["segment", "count", String(repeating: "not ", count: 24_000) + "orders.count > 1"], in: work.url)
        let plain = try await CLI.run(["segment", "count", "orders.count > 1"], in: work.url)
        #expect(nots.status == 0 && nots.stdout == plain.stdout, "\(nots.stderr.prefix(300))")
        for joiner in [" or ", " and "] {
            let wide = (0..<2_000).map { "orders.count != \($0 + 50)" }.joined(separator: joiner)
            let result = try await CLI.run(["segment", "count", wide], in: work.url)
            #expect(result.status == 0, "\(result.stderr.prefix(300))")
            #expect(result.stderr.isEmpty)
        }
    }
}

@Suite struct StoreLocationCLITests {
    @Test func dbTakesAPathOrAnSQLiteURLAndSaysWhatItCannotOpen() async throws {
        let work = Workspace()
        #expect(try await CLI.run(["init", "--db", "sqlite:shop.sqlite"], in: work.url).status == 0)
        #expect(FileManager.default.fileExists(atPath: work.path("shop.sqlite")))
        let count = try await CLI.run(["segment", "count", "--db", "shop.sqlite", "orders.count >= 0"], in: work.url)
        #expect(count.status == 0 && count.stdout == "0\n", "\(count.stderr)")
        // A server that is not there: one line naming it (never the password), exit 1.
        let postgres = try await CLI.run(["rfm", "--db", "postgres://patron:secret@127.0.0.1:1/shop"], in: work.url)
        #expect(postgres.status == 1)
        #expect(postgres.stderr.contains("postgres://patron@127.0.0.1:1/shop: cannot connect"), "\(postgres.stderr)")
        #expect(!postgres.stderr.contains("secret"))
        #expect(postgres.stderr.split(separator: "\n").count == 1, "\(postgres.stderr)")
        let unknown = try await CLI.run(["rfm"], in: work.url, environment: ["PATRON_DB": "mysql://db/shop"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("unknown store 'mysql://'"), "\(unknown.stderr)")
    }
}
