import Foundation
import PatronCore
import Testing

@testable import PatronPostgres

/// Two `patron-scheduler` processes on one PostgreSQL database: the leader is killed with
/// SIGKILL mid-round, the one standing by takes the lease and the abandoned claims over, and the
/// gateway keeps every planned message exactly once.
extension SchedulerProcessTests {
    static var postgresURL: String? { ProcessInfo.processInfo.environment["PATRON_PG_URL"] }
    static var postgresAvailable: Bool {
        postgresURL != nil || ProcessInfo.processInfo.environment["PATRON_REQUIRE_SERVICES"] == "1"
    }

    @Test(.enabled(if: postgresAvailable, "no PostgreSQL server (PATRON_PG_URL)"))
    func twoSchedulersOnPostgreSQLSendEveryPlannedMessageOnceThroughAKillNine() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary("patron-scheduler")) else {
            Issue.record("no patron-scheduler binary: run `swift build` first")
            return
        }
        let base = try PostgresServer(url: try #require(Self.postgresURL, "PATRON_PG_URL is not set"))
        let name = "patron_schedulers_\(getpid())"
        try base.dropDatabase(name)
        try base.createDatabase(name)
        let server = base.with(database: name)
        let url = server.description
        let store = try PostgresStore(server: server, access: .create, connections: 2)
        defer { store.close() }

        let hour = Int64(Calendar(identifier: .gregorian).dateComponents(in: .gmt, from: Date()).hour ?? 12)
        let planAt = CampaignFixture.t0 - 10 * 3600 + hour * 3600 + 1800
        let t0 = planAt - 4 * 3600
        for n in 0..<24 {
            let phone = String(format: "+1415%03d0555", n)  // answered two seconds late
            try CampaignFixture.ingest(
                CampaignFixture.customerEvents("c\(n)", phone: phone, zone: CampaignFixture.daytimeZone()),
                at: CampaignFixture.t0 - 30 * 86_400, into: store)
            try CampaignFixture.ingest(
                CampaignFixture.cartEvents("cart-\(n)", customer: "c\(n)", valueMinor: 5_000), at: t0, into: store)
        }
        let flow = try FlowFixture.parse(FlowFixture.cart)
        try store.saveFlow(id: flow.id, name: flow.name, source: FlowFixture.cart, path: nil, at: t0 - 3600)
        #expect(try store.setFlowStatus(flow.id, .active, at: t0 - 3600))
        let plan = try Self.start(
            "patron", ["campaigns", "tick", "--db", url, "--now", Timestamp.format(planAt), "--no-send"])
        await Self.exit(plan.0)
        #expect(plan.0.terminationStatus == 0, "\(plan.1.value)")
        let planned = try store.outboxRows()
        #expect(planned.count == 24 && planned.allSatisfy { $0.status == "planned" })

        let (stub, port) = try await Self.stub()
        defer { kill(stub.processIdentifier, SIGKILL) }
        let environment = Self.channelEnvironment(port: port)
        let common = [
            "--db", url, "--interval", "1", "--lease-seconds", "3", "--concurrency", "4", "--claim-timeout", "1",
        ]
        let (leader, leaderOutput) = try Self.start(
            "patron-scheduler", common + ["--holder", "leader"], environment: environment)
        defer { if leader.isRunning { kill(leader.processIdentifier, SIGKILL) } }
        #expect(await leaderOutput.wait(for: "tick", seconds: 30), "\(leaderOutput.value)")
        let (standby, standbyOutput) = try Self.start(
            "patron-scheduler", common + ["--holder", "standby"], environment: environment)
        defer { if standby.isRunning { kill(standby.processIdentifier, SIGKILL) } }
        #expect(await standbyOutput.wait(for: "standing by", seconds: 30), "\(standbyOutput.value)")

        // Killed once the gateway has kept a few: the rest of the round is in flight or waiting.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, (try? await Self.kept(port: port).count) ?? 0 < 4 {
            try await Task.sleep(for: .milliseconds(100))
        }
        kill(leader.processIdentifier, SIGKILL)
        await Self.exit(leader)
        #expect(try store.outboxRows().contains { $0.status == "sending" }, "the kill should leave claimed messages")

        #expect(await standbyOutput.wait(for: "lease taken", seconds: 20), "\(standbyOutput.value)")
        let finished = Date().addingTimeInterval(90)
        while Date() < finished, try store.outboxRows().contains(where: { $0.channel == "sms" && $0.status != "sent" })
        {
            try await Task.sleep(for: .milliseconds(200))
        }
        kill(standby.processIdentifier, SIGTERM)
        await Self.exit(standby, seconds: 15)
        #expect(standby.terminationReason == .exit && standby.terminationStatus == 0, "\(standbyOutput.value)")

        let final = try store.outboxRows().filter { $0.channel == "sms" }
        #expect(final.count == 24 && final.allSatisfy { $0.status == "sent" }, "\(final.map(\.status))")
        let tokens = try await Self.kept(port: port).compactMap { $0["IdempotencyToken"] }
        #expect(tokens.count == 24 && Set(tokens) == Set(planned.map(\.key)), "\(tokens.count) kept")
        #expect(Set(final.compactMap(\.providerID)).count == 24)
    }
}
