import ArgumentParser
import Foundation
import PatronCore
import PatronFlows

/// `patron campaigns`: flow files in, flows on and off, and what they did.
struct CampaignsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaigns",
        abstract: "Campaign flows: validate, activate, pause, list, stats, simulate, tick, outbox, decisions.",
        discussion: """
            Flows are YAML files (see docs/flows.md; six ready ones in flows/). `activate FILE` validates the \
            file and stores it; a file with errors is not activated. The scheduler (patron-scheduler) runs \
            active flows; `patron campaigns tick` runs one tick by hand.
            """,
        subcommands: [
            ValidateFlows.self, ActivateFlows.self, PauseFlows.self, ListFlows.self, FlowStatsCommand.self,
            SimulateFlows.self, TickCommand.self, NightlyCommand.self, OutboxCommand.self, DecisionsCommand.self,
        ])
}

/// Parses flow files with the store's currency and saved segments when there is a store.
func loadFlowFile(_ path: String, store: (any PatronStore)?) throws(FlowFileErrors) -> (Flow, String) {
    let digits = CurrencyCode.minorUnitDigits(of: (try? store?.reportingCurrency()) ?? nil)
    return try FlowFile.read(
        path: path, currencyDigits: digits, savedSegment: { try store?.savedSegment(named: $0)?.expression })
}

struct ValidateFlows: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate", abstract: "Check flow files; every error with file:line:column. Exit 1 on any error.")
    @OptionGroup var store: StoreOptions
    @Argument(help: "Flow files (YAML).") var files: [String]

    func run() async throws {
        let sqlite = FileManager.default.fileExists(atPath: store.path) ? try? store.open(.read) : nil
        var failed = false
        for file in files {
            switch Result(catching: { () throws(FlowFileErrors) -> (Flow, String) in
                try loadFlowFile(file, store: sqlite)
            }) {
            case .success(let (flow, _)):
                print(
                    "\(file): ok — flow '\(flow.id)': \(flow.triggers.map(\.kind).joined(separator: " or ")), "
                        + "\(FlowProgram(flow.steps).instructions.count) instructions, \(flow.templates.count) templates"
                )
            case .failure(let errors):
                failed = true
                FileHandle.standardError.write(Data((errors.description + "\n").utf8))
            }
        }
        if failed { throw ExitCode.failure }
    }
}

struct ActivateFlows: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "activate",
        abstract: "Store and activate flows: FILE (validated first) or the id of a stored flow.",
        discussion: """
            Firings count from the moment of activation: old orders and carts do not flood a new flow. \
            --since moves that moment back (a backfill) or sets it for a replay.
            """)
    @OptionGroup var store: StoreOptions
    @Option(help: "Count firings from this time instead of now (RFC 3339 or YYYY-MM-DD).") var since: String?
    @Argument(help: "Flow files or ids.") var flows: [String]

    func run() async throws {
        try await reportingErrors {
            let sqlite = try store.open(.write)
            let now = try since.map { try parseTime($0, option: "--since") } ?? Int64(Date().timeIntervalSince1970)
            var failed = false
            for item in flows {
                if FileManager.default.fileExists(atPath: item) {
                    switch Result(catching: { () throws(FlowFileErrors) -> (Flow, String) in
                        try loadFlowFile(item, store: sqlite)
                    }) {
                    case .success(let (flow, text)):
                        try await sqlite.saveFlow(id: flow.id, name: flow.name, source: text, path: item, at: now)
                        _ = try await sqlite.setFlowStatus(flow.id, .active, at: now)
                        print("activated '\(flow.id)' from \(item)")
                    case .failure(let errors):
                        failed = true
                        FileHandle.standardError.write(Data((errors.description + "\n\(item): not activated\n").utf8))
                    }
                } else if let stored = try await sqlite.flows().first(where: { $0.id == item }) {
                    let digits = CurrencyCode.minorUnitDigits(of: try sqlite.reportingCurrency())
                    switch Result(catching: { () throws(FlowFileErrors) -> Flow in
                        try FlowFile.parseStored(
                            id: stored.id, source: stored.source, path: stored.path, currencyDigits: digits,
                            savedSegment: { try sqlite.savedSegment(named: $0)?.expression })
                    }) {
                    case .success:
                        _ = try await sqlite.setFlowStatus(item, .active, at: now)
                        print("activated '\(item)'")
                    case .failure(let errors):
                        failed = true
                        FileHandle.standardError.write(Data((errors.description + "\n\(item): not activated\n").utf8))
                    }
                } else {
                    throw PatronError(.notFound, "'\(item)' is neither a file nor a stored flow")
                }
            }
            if failed { throw ExitCode.failure }
        }
    }
}

struct PauseFlows: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause", abstract: "Pause flows: no new entries, runs wait where they are until activated again.")
    @OptionGroup var store: StoreOptions
    @Argument(help: "Flow ids.") var ids: [String]

    func run() async throws {
        try await reportingErrors {
            let sqlite = try store.open(.write)
            for id in ids {
                guard try await sqlite.setFlowStatus(id, .paused, at: Int64(Date().timeIntervalSince1970)) else {
                    throw PatronError(.notFound, "no flow '\(id)'")
                }
                print("paused '\(id)'")
            }
        }
    }
}

struct ListFlows: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The stored flows and their outbox.")
    @OptionGroup var store: StoreOptions

    func run() async throws {
        try await reportingErrors {
            let sqlite = try store.open(.read)
            let flows = try await sqlite.flows()
            print("id                     status  activated             planned  sent  delivered  failed  dead  name")
            for flow in flows {
                let stats = try await sqlite.flowStats(flow.id, attributionSeconds: 0)
                func n(_ s: OutboxMessage.Status) -> String { String(stats.messages[s] ?? 0) }
                let activated = flow.activatedAt.map(Timestamp.format) ?? "-"
                print(
                    [
                        flow.id.padding(22), flow.status.rawValue.padding(7), activated.padding(21),
                        (n(.planned)).padding(8), n(.sent).padding(5), n(.delivered).padding(10), n(.failed).padding(7),
                        n(.dead).padding(5), flow.name,
                    ].joined(separator: " "))
            }
        }
    }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
