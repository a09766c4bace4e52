import Foundation
import PatronCore
import PatronSQLite
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `patron-scheduler` as ops run it: real processes against a real store file and the stub
/// gateway on a real socket — killed with SIGKILL mid-send, a second instance standing by,
/// SIGTERM.
@Suite(.serialized) struct SchedulerProcessTests {
    init() { TestChannels.register() }

    static func binary(_ name: String) -> String {
        CampaignFixture.root.appendingPathComponent(".build/debug/\(name)").path
    }

    /// Starts `name` with `arguments`; stderr is collected in the returned box.
    static func start(_ name: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (
        Process, Output
    ) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary(name))
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = pipe
        let output = Output()
        pipe.fileHandleForReading.readabilityHandler = { handle in output.append(handle.availableData) }
        try process.run()
        return (process, output)
    }

    /// Waits for the process to end without blocking a thread of the cooperative pool (the
    /// in-process servers of other tests need those).
    static func exit(_ process: Process, seconds: Double = 120) async {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
    }

    /// Starts the stub gateway as its own process (`patron sms-stub`); returns it and its port.
    static func stub() async throws -> (Process, Int) {
        let (process, output) = try start(
            "patron",
            [
                "sms-stub", "--port", "0", "--account-sid", CampaignFixture.sid, "--auth-token", CampaignFixture.token,
                "--no-callbacks",
            ])
        _ = await output.wait(for: "listening on", seconds: 30)
        let text = output.value
        guard let range = text.range(of: #"listening on http://127\.0\.0\.1:(\d+)"#, options: .regularExpression),
            let port = Int(text[range].split(separator: ":").last ?? "")
        else {
            kill(process.processIdentifier, SIGKILL)
            throw CancellationError()
        }
        return (process, port)
    }

    /// What the stub kept: each message's fields.
    static func kept(port: Int) async throws -> [[String: String]] {
        (try await stubState(port: port)["messages"] as? [[String: String]]) ?? []
    }

    static func stubState(port: Int) async throws -> [String: Any] {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/_stub/messages")!)
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }

    final class Output: @unchecked Sendable {
        // @unchecked: `text` is only touched while `lock` is held.
        private let lock = NSLock()
        private var text = ""
        func append(_ data: Data) {
            lock.lock()
            text += String(decoding: data, as: UTF8.self)
            lock.unlock()
        }
        var value: String {
            lock.lock()
            defer { lock.unlock() }
            return text
        }
        /// Waits up to `seconds` for `needle` to appear.
        func wait(for needle: String, seconds: Double) async -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if value.contains(needle) { return true }
                try? await Task.sleep(for: .milliseconds(50))
            }
            return value.contains(needle)
        }
    }

    static func channelEnvironment(port: Int) -> [String: String] {
        [
            "PATRON_SMS_URL": "http://127.0.0.1:\(port)", "PATRON_SMS_ACCOUNT_SID": CampaignFixture.sid,
            "PATRON_SMS_AUTH_TOKEN": CampaignFixture.token, "PATRON_SMS_FROM": "+15005550006",
            "PATRON_SMS_STATUS_CALLBACK": "http://127.0.0.1:\(port)/webhooks/twilio/status", "PATRON_LOG_LEVEL": "info",
        ]
    }

    @Test func killNineWhileSendingThenARestartSendsEveryPlannedMessageExactlyOnce() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary("patron-scheduler")) else {
            Issue.record("no patron-scheduler binary: run `swift build` first")
            return
        }
        let shop = try CampaignFixture()
        // The scheduler sends at the wall clock and re-checks quiet hours then: customers live
        // where it is early afternoon now, and the plan is made at today's time of day in March.
        let hour = Int64(Calendar(identifier: .gregorian).dateComponents(in: .gmt, from: Date()).hour ?? 12)
        let planAt = CampaignFixture.t0 - 10 * 3600 + hour * 3600 + 1800
        let t0 = planAt - 4 * 3600
        // 24 carts; every number is answered two seconds late, so with four in flight the round
        // takes about twelve seconds and a kill finds sends in flight.
        for n in 0..<24 {
            let phone = String(format: "+1415%03d0555", n)
            try shop.customer("c\(n)", phone: phone, zone: CampaignFixture.daytimeZone())
            try shop.cart("cart-\(n)", customer: "c\(n)", valueMinor: 5_000, at: t0)
        }
        try shop.activate(FlowFixture.cart, at: t0 - 3600)
        let plan = try Self.start(
            "patron", ["campaigns", "tick", "--db", shop.path, "--now", Timestamp.format(planAt), "--no-send"])
        await Self.exit(plan.0)
        #expect(plan.0.terminationStatus == 0, "\(plan.1.value)")
        let planned = try shop.outbox()
        #expect(planned.count == 24 && planned.allSatisfy { $0.status == "planned" })

        let (stub, port) = try await Self.stub()
        defer { kill(stub.processIdentifier, SIGKILL) }
        // A stable holder name: the restarted instance takes its own lease back at once.
        let arguments = [
            "--db", shop.path, "--once", "--concurrency", "4", "--claim-timeout", "1", "--holder", "node-1",
        ]
        let environment = Self.channelEnvironment(port: port)
        let (first, firstOutput) = try Self.start("patron-scheduler", arguments, environment: environment)
        // Killed once the gateway has kept a few: the rest of the round is in flight or waiting.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, (try? await Self.kept(port: port).count) ?? 0 < 4 {
            try await Task.sleep(for: .milliseconds(100))
        }
        kill(first.processIdentifier, SIGKILL)
        await Self.exit(first)
        #expect(first.terminationReason == .uncaughtSignal, "\(firstOutput.value)")
        let afterKill = try shop.outbox()
        #expect(afterKill.contains { $0.status == "sending" }, "the kill should leave claimed messages")
        // Past the claim timeout, a new run takes the abandoned claims over.
        try await Task.sleep(for: .milliseconds(1_100))
        let (second, secondOutput) = try Self.start("patron-scheduler", arguments, environment: environment)
        await Self.exit(second)
        #expect(second.terminationStatus == 0, "\(secondOutput.value)")
        // (The scheduler's own tick, at the wall clock, also plans the email step a day later;
        // with no email channel those wait in the outbox.)
        let final = try shop.outbox().filter { $0.channel == "sms" }
        #expect(
            final.allSatisfy { $0.status == "sent" },
            "\(final.map { "\($0.status) \($0.attempts) \($0.lastError ?? "")" }) \(secondOutput.value)")
        // The gateway kept each key once: a resend after the kill carried the same token.
        let tokens = try await Self.kept(port: port).compactMap { $0["IdempotencyToken"] }
        #expect(tokens.count == 24 && Set(tokens).count == 24)
        #expect(Set(tokens) == Set(planned.map(\.key)))
        #expect(Set(final.compactMap(\.providerID)).count == 24)
        // Those the gateway had taken before the kill were sent again with their key and answered
        // with their first sid, not kept twice.
        #expect((try await Self.stubState(port: port)["duplicates"] as? Int ?? 0) >= 4)
        // A further run has nothing to do.
        let (third, thirdOutput) = try Self.start("patron-scheduler", arguments, environment: environment)
        await Self.exit(third)
        #expect(thirdOutput.value.contains("sent 0,"), "\(thirdOutput.value)")
        #expect(try await Self.kept(port: port).count == 24)
    }

    @Test func aSecondInstanceStandsByTakesOverWhenTheFirstDiesAndStopsOnSIGTERM() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary("patron-scheduler")) else {
            Issue.record("no patron-scheduler binary: run `swift build` first")
            return
        }
        let shop = try CampaignFixture()
        try shop.customer("ann", phone: "+14155550101")
        let common = ["--db", shop.path, "--interval", "1", "--lease-seconds", "2"]
        let (first, firstOutput) = try Self.start("patron-scheduler", common + ["--holder", "first"])
        defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }
        #expect(await firstOutput.wait(for: "tick", seconds: 20), "\(firstOutput.value)")
        let (second, secondOutput) = try Self.start("patron-scheduler", common + ["--holder", "second"])
        defer { if second.isRunning { kill(second.processIdentifier, SIGKILL) } }
        #expect(await secondOutput.wait(for: "standing by", seconds: 20), "\(secondOutput.value)")
        kill(first.processIdentifier, SIGKILL)
        await Self.exit(first)
        #expect(await secondOutput.wait(for: "lease taken", seconds: 10), "\(secondOutput.value)")
        kill(second.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while second.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!second.isRunning)
        #expect(second.terminationReason == .exit && second.terminationStatus == 0, "\(secondOutput.value)")
        #expect(secondOutput.value.contains("lease released"))
        // The lease is free again: the next instance does not wait for it to expire.
        #expect(
            try shop.store.acquireLease(
                "scheduler", holder: "third", now: Int64(Date().timeIntervalSince1970), seconds: 5))
    }
}
