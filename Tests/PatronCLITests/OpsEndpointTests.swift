import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// What ops scrape and probe, over real sockets: `patron-api`'s `/health` and `/metrics` (a read
/// key) and `patron-scheduler --metrics-port`'s, on SQLite; on a PostgreSQL server that stops and
/// comes back, both processes keep running, `/health` answers 503 with the error, requests get
/// 503 with `Retry-After`, the logs say the store is unreachable, and all recovers by itself.
@Suite(.serialized) struct OpsEndpointTests {
    /// A daemon of this package on a real socket: its stderr goes to a file, read for the port
    /// it announces and for its logs.
    final class Daemon {
        let process = Process()
        let log: String

        init(_ name: String, _ arguments: [String], in work: Workspace, environment: [String: String] = [:]) throws {
            log = work.path("\(name)-\(UUID().uuidString.prefix(6)).log")
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            process.executableURL = CLI.root.appendingPathComponent(".build/debug/\(name)")
            process.arguments = arguments
            process.currentDirectoryURL = work.url
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            process.standardOutput = FileHandle.nullDevice
            try process.run()
        }

        deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        var output: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

        /// The port in the first line matching `pattern` (one capture: the port).
        func port(announcedBy pattern: String) async throws -> Int {
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline {
                let seen = output
                if let match = seen.firstMatch(of: try Regex(pattern)),
                    let port = match.output[1].substring.flatMap({ Int($0) })
                {
                    return port
                }
                guard process.isRunning else { break }
                await CLI.pause(seconds: 0.1)
            }
            throw TestFailure("no port announced: \(output)")
        }

        /// Waits until the log holds `text` (or `seconds` pass).
        func waitForLog(_ text: String, seconds: Double = 30) async -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if output.contains(text) { return true }
                await CLI.pause(seconds: 0.2)
            }
            return false
        }

        func stop() async -> Int32 {
            kill(process.processIdentifier, SIGTERM)
            await CLI.waitForExit(process)
            return process.terminationStatus
        }
    }

    struct TestFailure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    static func get(_ url: String, key: String? = nil) async throws -> (status: Int, body: String, retryAfter: String?)
    {
        var request = URLRequest(url: URL(string: url)!)
        request.timeoutInterval = 20
        if let key { request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as? HTTPURLResponse
        return (
            http?.statusCode ?? 0, String(decoding: data, as: UTF8.self), http?.value(forHTTPHeaderField: "Retry-After")
        )
    }

    static func post(_ url: String, key: String, body: String) async throws -> Int {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "POST"
        request.httpBody = Data(body.utf8)
        request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
        request.setValue("application/x-ndjson", forHTTPHeaderField: "Content-Type")
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }

    /// A key made by `patron apikey create` (its last line).
    static func key(_ name: String, scope: String, db: String, in work: Workspace) async throws -> String {
        let made = try await CLI.run(["apikey", "create", name, "--scope", scope, "--db", db], in: work.url)
        guard made.status == 0, let key = made.stdout.split(separator: "\n").last.map(String.init) else {
            throw TestFailure("apikey create: \(made.stderr)")
        }
        return key.trimmingCharacters(in: .whitespaces)
    }

    /// The value of the first sample of `metric` whose labels contain `labels`.
    static func sample(_ text: String, _ metric: String, _ labels: String = "") -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(metric) {
            let name = line.prefix { $0 != "{" && $0 != " " }
            guard name == metric, labels.isEmpty || line.contains(labels) else { continue }
            return line.split(separator: " ").last.flatMap { Double($0) }
        }
        return nil
    }

    static let events = (1...3).map {
        #"{"id":"e\#($0)","type":"order.placed","source":"shop","at":"2024-03-0\#($0)T10:00:00Z","order":{"id":"\#($0)","customer":{"id":"c\#($0)","email":"c\#($0)@example.com"},"currency":"EUR","total":"25.00"}}"#
    }.joined(separator: "\n")

    @Test func theAPIAndTheSchedulerServeHealthAndPrometheusMetrics() async throws {
        let work = Workspace()
        let db = work.path("ops.sqlite")
        #expect(try await CLI.run(["init", "--db", db], in: work.url).status == 0)
        let reader = try await Self.key("grafana", scope: "read", db: db, in: work)
        let writer = try await Self.key("shop", scope: "write", db: db, in: work)
        let api = try Daemon("patron-api", ["--db", db, "--port", "0"], in: work)
        let apiPort = try await api.port(announcedBy: #"listening on http://127\.0\.0\.1:(\d+)"#)
        let scheduler = try Daemon(
            "patron-scheduler", ["--db", db, "--metrics-port", "0", "--interval", "1", "--holder", "ops-test"], in: work
        )
        let schedulerPort = try await scheduler.port(announcedBy: #"metrics on http://127\.0\.0\.1:(\d+)/metrics"#)
        let base = "http://127.0.0.1:\(apiPort)"

        let health = try await Self.get(base + "/health")
        #expect(health.status == 200, "\(health.body)")
        #expect(
            health.body.contains(#""status":"ok""#) && health.body.contains(#""engine":"sqlite""#), "\(health.body)")
        #expect(try await Self.get(base + "/metrics").status == 401, "/metrics needs a key")
        #expect(try await Self.post(base + "/v1/events", key: writer, body: Self.events) == 200)
        #expect(try await Self.post(base + "/v1/events", key: writer, body: Self.events) == 200)
        let metrics = try await Self.get(base + "/metrics", key: reader)
        #expect(metrics.status == 200)
        let text = metrics.body
        #expect(Self.sample(text, "patron_ingest_events_total", #"outcome="applied""#) == 3, "\(text)")
        #expect(Self.sample(text, "patron_ingest_events_total", #"outcome="duplicate""#) == 3)
        #expect(Self.sample(text, "patron_store_up") == 1)
        #expect(Self.sample(text, "patron_outbox_depth", #"status="planned""#) == 0)
        #expect(
            Self.sample(text, "http_server_request_duration_count", #"http_route="/v1/events""#) == 2,
            "a latency histogram per route: \(text)")
        #expect(Self.sample(text, "hb_requests", #"http_route="/health""#) == 1)

        // The scheduler holds the lease and says so.
        var scraped = ""
        for _ in 0..<50 {
            scraped = try await Self.get("http://127.0.0.1:\(schedulerPort)/metrics").body
            if Self.sample(scraped, "patron_scheduler_leader") == 1 { break }
            await CLI.pause(seconds: 0.2)
        }
        #expect(Self.sample(scraped, "patron_scheduler_leader") == 1, "\(scraped)")
        #expect(Self.sample(scraped, "patron_lease_holder", #"holder="ops-test""#) == 1, "\(scraped)")
        #expect(Self.sample(scraped, "patron_store_up") == 1)
        let schedulerHealth = try await Self.get("http://127.0.0.1:\(schedulerPort)/health")
        #expect(
            schedulerHealth.status == 200 && schedulerHealth.body.contains(#""holder":"ops-test""#),
            "\(schedulerHealth.body)")

        #expect(await api.stop() == 0)
        #expect(await scheduler.stop() == 0, "\(scheduler.output)")
    }

    @Test(
        .enabled(
            if: ProcessInfo.processInfo.environment["PATRON_PG_URL"] != nil
                || ProcessInfo.processInfo.environment["PATRON_REQUIRE_SERVICES"] == "1",
            "no PostgreSQL (Scripts/test.sh starts one)"))
    func aServerThatStopsAndComesBackIsReportedAndRecoveredFrom() async throws {
        // A server of its own: stopping the shared one would fail the other suites.
        let dir = "/tmp/patron-pg-ops-\(getpid())-\(UInt16.random(in: 0...UInt16.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        chmod(dir, 0o755)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let started = try await PostgresFaultTests.script("start.sh", [dir + "/primary"])
        let url = try #require(
            started.split(separator: " ").first { $0.hasPrefix("PATRON_PG_URL=") }.map { String($0.dropFirst(14)) })
        defer { _ = try? PostgresFaultTests.runSync("stop.sh", [dir + "/primary"]) }
        let work = Workspace()
        #expect(try await CLI.run(["init", "--db", url], in: work.url).status == 0)
        let reader = try await Self.key("grafana", scope: "read", db: url, in: work)
        let api = try Daemon("patron-api", ["--db", url, "--port", "0"], in: work)
        let base = "http://127.0.0.1:\(try await api.port(announcedBy: #"listening on http://127\.0\.0\.1:(\d+)"#))"
        let scheduler = try Daemon(
            "patron-scheduler", ["--db", url, "--metrics-port", "0", "--interval", "1", "--holder", "pg-ops"],
            in: work)
        let schedulerPort = try await scheduler.port(announcedBy: #"metrics on http://127\.0\.0\.1:(\d+)/metrics"#)

        let before = try await Self.get(base + "/metrics", key: reader)
        #expect(Self.sample(before.body, "patron_store_connections", #"state="size""#) == 8, "\(before.body)")
        #expect(Self.sample(before.body, "patron_store_info", #"engine="postgresql""#) == 1)

        _ = try await PostgresFaultTests.script("stop.sh", [dir + "/primary"])
        var down = try await Self.get(base + "/health")
        for _ in 0..<40 where down.status == 200 {
            await CLI.pause(seconds: 0.25)
            down = try await Self.get(base + "/health")
        }
        #expect(down.status == 503 && down.body.contains(#""reachable":false"#), "\(down.body)")
        #expect(down.body.contains("cannot connect") || down.body.contains("closed"), "\(down.body)")
        let request = try await Self.get(base + "/v1/customers/1", key: reader)
        #expect(request.status == 503 && request.retryAfter == "5", "\(request.status) \(request.body)")
        #expect(await api.waitForLog("store unreachable"), "\(api.output)")
        #expect(await scheduler.waitForLog("the store does not answer"), "\(scheduler.output)")
        var schedulerDown = try await Self.get("http://127.0.0.1:\(schedulerPort)/health")
        for _ in 0..<40 where schedulerDown.status == 200 {
            await CLI.pause(seconds: 0.25)
            schedulerDown = try await Self.get("http://127.0.0.1:\(schedulerPort)/health")
        }
        #expect(schedulerDown.status == 503, "\(schedulerDown.body)")
        #expect(api.process.isRunning && scheduler.process.isRunning, "an outage must not stop a daemon")

        _ = try await PostgresFaultTests.script("resume.sh", [dir + "/primary"])
        var up = try await Self.get(base + "/health")
        for _ in 0..<120 where up.status != 200 {
            await CLI.pause(seconds: 0.5)
            up = try await Self.get(base + "/health")
        }
        #expect(up.status == 200, "\(up.body)")
        #expect(try await Self.get(base + "/v1/customers/1", key: reader).status == 404, "requests work again")
        #expect(await api.waitForLog("store reachable again", seconds: 60), "\(api.output)")
        #expect(await scheduler.waitForLog("lease taken", seconds: 60), "\(scheduler.output)")
        #expect(await api.stop() == 0)
        #expect(await scheduler.stop() == 0, "\(scheduler.output)")
    }
}
