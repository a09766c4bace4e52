import Foundation
import GRDB
import PatronMail
import Testing

/// `patron mail fetch` against the real Dovecot, killed with SIGKILL again and again while it
/// fetches: after a last run, every message is stored exactly once and the store equals one
/// fetched without interruption. And `patron mail reply` threads its answer.
@Suite(
    .enabled(
        if: ProcessInfo.processInfo.environment["PATRON_IMAP_PORT"] != nil,
        "no IMAP server (Scripts/test.sh starts one)"))
struct MailCLITests {
    static let environment = ProcessInfo.processInfo.environment

    /// A fresh mailbox holding every fixture mail (the mbox files' messages included).
    static func mailbox() async throws -> String {
        let name = "Fetch-\(UUID().uuidString.prefix(8))"
        let server = try MailServer(
            url: "imap://127.0.0.1:\(environment["PATRON_IMAP_PORT"] ?? "")",
            username: environment["PATRON_IMAP_USER"] ?? "patron",
            password: environment["PATRON_IMAP_PASSWORD"] ?? "patron-test-password")
        let client = try IMAPClient(server: server, mailbox: name)
        try client.createMailbox(name)
        let folder = CLI.root.appendingPathComponent("../shared/fixtures/email").standardizedFileURL
        let files = FileManager.default.enumerator(atPath: folder.path)?.compactMap { $0 as? String } ?? []
        for file in files.sorted() where file.hasSuffix(".eml") {
            try client.append([UInt8](try Data(contentsOf: folder.appendingPathComponent(file))), to: name)
        }
        return name
    }

    static func fetch(_ mailbox: String, db: String) -> [String] {
        [
            "mail", "fetch", "--once", "--db", db, "--url", "imap://127.0.0.1:\(environment["PATRON_IMAP_PORT"] ?? "")",
            "--user", environment["PATRON_IMAP_USER"] ?? "patron", "--mailbox", mailbox,
        ]
    }

    static func counts(_ path: String) async throws -> [Int] {
        try await DatabaseQueue(path: path).read { db in
            try ["messages", "tickets", "customers", "mailboxes"].map {
                try Int.fetchOne(db, sql: "SELECT count(*) FROM \($0)") ?? -1
            } + [try Int.fetchOne(db, sql: "SELECT count(DISTINCT message_id) FROM messages") ?? -1]
        }
    }

    @Test func killedFetchesLoseAndDoubleNothing() async throws {
        let workspace = Workspace()
        let mailbox = try await Self.mailbox()
        let reference = workspace.path("reference.sqlite")
        let clean = try await CLI.run(Self.fetch(mailbox, db: reference), in: workspace.url)
        #expect(clean.status == 0, "\(clean.stderr)")
        let expected = try await Self.counts(reference)
        #expect(expected[0] > 40 && expected[0] == expected[4])

        let killed = workspace.path("killed.sqlite")
        var kills = 0
        // Twelve kills at different moments; a run that ends at once (Dovecot holding logins back
        // for a moment on a busy machine) is not one of them, and is given a pause.
        for round in 0..<40 where kills < 12 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: CLI.binary)
            process.arguments = Self.fetch(mailbox, db: killed)
            process.standardError = FileHandle.nullDevice
            try process.run()
            try await Task.sleep(for: .microseconds(30_000 + (round * 37_000) % 250_000))
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                kills += 1
            }
            await CLI.waitForExit(process)
            if process.terminationReason == .exit, process.terminationStatus != 0 { await CLI.pause(seconds: 1) }
        }
        // The last run completes. (Dovecot may hold logins from this address back for a moment
        // after the wrong-password tests that run alongside: a failed pass is tried again.)
        var last = try await CLI.run(Self.fetch(mailbox, db: killed), in: workspace.url)
        for _ in 0..<3 where last.status != 0 {
            await CLI.pause(seconds: 2)
            last = try await CLI.run(Self.fetch(mailbox, db: killed), in: workspace.url)
        }
        #expect(last.status == 0, "\(last.stderr)")
        #expect(kills > 0, "no fetch was still running when killed")
        await #expect(try Self.counts(killed) == expected)
    }

    /// Two paths, one event: the same files imported with `patron mail import` and fetched from
    /// the mailbox give the same messages, tickets and customers, and fetching after importing
    /// stores nothing twice.
    @Test func importingTheFilesAndFetchingTheMailboxAgree() async throws {
        let workspace = Workspace()
        let mailbox = try await Self.mailbox()
        let folder = CLI.root.appendingPathComponent("../shared/fixtures/email").standardizedFileURL
        let files = (FileManager.default.enumerator(atPath: folder.path)?.compactMap { $0 as? String } ?? [])
            .filter { $0.hasSuffix(".eml") }.sorted().map { folder.appendingPathComponent($0).path }
        let imported = workspace.path("imported.sqlite")
        let run = try await CLI.run(["mail", "import", "--db", imported] + files, in: workspace.url)
        #expect(run.status == 0, "\(run.stderr)")
        let fetched = workspace.path("fetched.sqlite")
        #expect(try await CLI.run(Self.fetch(mailbox, db: fetched), in: workspace.url).status == 0)
        let byImport = try await Self.counts(imported)
        let byFetch = try await Self.counts(fetched)
        #expect(byImport[0] > 40)
        // messages, tickets, customers (the mailbox cursor is the fetch's own).
        #expect(byImport[0] == byFetch[0] && byImport[1] == byFetch[1] && byImport[2] == byFetch[2])
        let again = try await CLI.run(Self.fetch(mailbox, db: imported), in: workspace.url)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try await Self.counts(imported)[0] == byImport[0], "\(again.stderr)")
    }

    @Test func aWrongPasswordIsAClearErrorAtOnce() async throws {
        let workspace = Workspace()
        var arguments = Self.fetch("INBOX", db: workspace.path("s.sqlite"))
        arguments += ["--password-env", "PATRON_NO_SUCH_PASSWORD"]
        let result = try await CLI.run(arguments, in: workspace.url)
        #expect(result.status != 0)
        #expect(result.stderr.contains("login denied"), "\(result.stderr)")
        #expect(result.seconds < 10)
    }

    /// The answer goes out over SMTP threaded into the ticket, and is the ticket's first response.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["PATRON_SMTP_SINK_DIR"] != nil))
    func aReplyIsThreadedSentAndRecorded() async throws {
        let workspace = Workspace()
        let db = workspace.path("s.sqlite")
        #expect(try await CLI.run(Self.fetch(try Self.mailbox(), db: db), in: workspace.url).status == 0)
        let (ticket, subject, lastIn) = try await DatabaseQueue(path: db).read { db in
            let row = try #require(
                try Row.fetchOne(
                    db,
                    sql: "SELECT t.id, t.subject, (SELECT message_id FROM messages m WHERE m.ticket_id = t.id "
                        + "AND m.direction = 'inbound' ORDER BY sent_at DESC, id DESC LIMIT 1) FROM tickets t "
                        + "WHERE t.subject = 'Re: Saying Hello' OR t.subject = 'Saying Hello' ORDER BY t.id LIMIT 1"))
            return (row[0] as Int64, row[1] as String, row[2] as String)
        }
        let sink = Self.environment["PATRON_SMTP_SINK_DIR"] ?? ""
        let before = Set((try? FileManager.default.contentsOfDirectory(atPath: sink + "/messages")) ?? [])
        let result = try await CLI.run(
            [
                "mail", "reply", String(ticket), "--db", db, "--body", "It ships today.",
                "--smtp-url", "smtp://127.0.0.1:\(Self.environment["PATRON_SMTP_PORT"] ?? "")",
                "--from", "Shop Support <support@shop.example>",
            ], in: workspace.url)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("[#T-\(ticket)]"))
        let after = Set((try? FileManager.default.contentsOfDirectory(atPath: sink + "/messages")) ?? [])
        // Other tests write to the same sink: the new message that carries the answer.
        let sent = try #require(
            after.subtracting(before).filter { $0.hasSuffix(".eml") }
                .compactMap { try? String(contentsOfFile: sink + "/messages/" + $0, encoding: .utf8) }
                .first { $0.contains("[#T-\(ticket)]") && $0.contains("It ships today.") })
        #expect(sent.contains("In-Reply-To: <\(lastIn)>"))
        #expect(sent.contains("[#T-\(ticket)]") && sent.contains(subject.replacingOccurrences(of: "Re: ", with: "")))
        let recorded = try DatabaseQueue(path: db).read { db in
            try Row.fetchOne(db, sql: "SELECT status, first_response_at FROM tickets WHERE id = ?", arguments: [ticket])
        }
        #expect(recorded?["status"] as String? == "pending" && recorded?["first_response_at"] as Int64? != nil)
    }

    /// A server that is down: the poller says so in one line per attempt and waits longer each
    /// time (1 s, 2 s, …) instead of crashing or spinning.
    @Test func aServerThatIsDownIsRetriedWithBackoff() async throws {
        let workspace = Workspace()
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && getsockname(listener, $0, &length) == 0
            }
        }
        let port = UInt16(bigEndian: address.sin_port)
        close(listener)  // nothing listens there now
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = [
            "mail", "fetch", "--db", workspace.path("s.sqlite"), "--url", "imap://127.0.0.1:\(port)", "--user", "x",
        ]
        let err = Pipe()
        process.standardError = err
        try process.run()
        let started = Date()
        await CLI.pause(seconds: 4)
        #expect(process.isRunning, "the poller gave up or crashed")
        let elapsed = Date().timeIntervalSince(started)
        // SIGKILL: a child of the test runner inherits its blocked SIGTERM.
        kill(process.processIdentifier, SIGKILL)
        await CLI.waitForExit(process)
        let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let attempts = log.components(separatedBy: "\n").filter { $0.contains("mail server unavailable; retrying") }
        // 0 s, 1 s, 3 s, 7 s, 15 s…: three attempts in four seconds, not hundreds (counted
        // against the time that really passed: a busy machine sleeps longer than asked).
        // (The schedule goes on doubling: a pause of four seconds has been seen to last minutes
        // on a loaded machine.)
        let due = [0.0, 1, 3, 7, 15, 31, 63, 127, 255, 555].filter { $0 <= elapsed }.count
        #expect((due - 1...due + 1).contains(attempts.count), "\(attempts.count) attempts in \(elapsed) s: \(log)")
        #expect(attempts.first?.contains("connection refused") == true, "\(log)")
        #expect(attempts.last?.contains("retry_in_s=") == true)
    }
}
