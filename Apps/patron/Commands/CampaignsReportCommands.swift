import ArgumentParser
import Foundation
import PatronAuth
import PatronCore
import PatronFlows
import PatronScheduler

/// A time option: RFC 3339 or `YYYY-MM-DD` (midnight UTC).
func parseTime(_ text: String, option: String) throws -> Int64 {
    guard let at = Timestamp.parse(text) else {
        throw PatronError(.invalidArgument, "\(option): '\(text)' is not a time (2026-11-23T10:00:00Z or 2026-11-23)")
    }
    return at
}

/// A duration option: `90s`, `15m`, `1h`, `1d`.
func parseDuration(_ text: String, option: String) throws -> Int64 {
    let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
    guard let unit = text.last.flatMap({ units[$0] }), let value = Int64(text.dropLast()), value > 0 else {
        throw PatronError(.invalidArgument, "\(option): '\(text)' is not a duration like 15m, 1h or 1d")
    }
    return value * unit
}

struct FlowStatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract:
            "A flow's messages by status, what was not sent and why, conversions, revenue, and lift over the holdout.")
    @OptionGroup var store: StoreOptions
    @Argument(help: "The flow id.") var flow: String

    func run() async throws {
        try await reportingErrors {
            let sqlite = try store.open(.read)
            guard let stored = try await sqlite.flows().first(where: { $0.id == flow }) else {
                throw PatronError(.notFound, "no flow '\(flow)'")
            }
            let digits = CurrencyCode.minorUnitDigits(of: try sqlite.reportingCurrency())
            let parsed = try? FlowFile.parseStored(
                id: stored.id, source: stored.source, path: stored.path, currencyDigits: digits,
                savedSegment: { try sqlite.savedSegment(named: $0)?.expression })
            let attribution = parsed?.attributionSeconds ?? Flow.defaultAttributionSeconds
            let stats = try await sqlite.flowStats(flow, attributionSeconds: attribution)
            let currency = try sqlite.reportingCurrency()?.code ?? ""
            print("flow \(flow) (\(stored.status.rawValue)): \(stored.name)")
            print("messages:")
            for status in OutboxMessage.Status.allCases {
                print("  \(status.rawValue.padding(11)) \(stats.messages[status] ?? 0)")
            }
            print("not sent, by reason:")
            for (reason, count) in stats.decisions.sorted(by: { $0.key < $1.key }) {
                print("  \(reason.padding(16)) \(count)")
            }
            print(
                "conversions (an order within \(attribution / 86_400) days of a message): \(stats.attributedOrders) orders, "
                    + "\(Money.decimalString(stats.attributedRevenueMinor, digits: digits)) \(currency)")
            func rate(_ r: Double?) -> String { r.map { String(format: "%.2f%%", $0 * 100) } ?? "-" }
            print(
                "treated: \(stats.treated) entered, \(stats.treatedConverted) ordered within the window: \(rate(stats.treatedRate))"
            )
            print(
                "holdout: \(stats.holdout) held out, \(stats.holdoutConverted) ordered within the window: \(rate(stats.holdoutRate))"
            )
            print(
                "lift: " + (stats.lift.map { String(format: "%+.1f%%", $0 * 100) } ?? "- (no holdout conversions yet)"))
        }
    }
}

struct SimulateFlows: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract:
            "Replay a period with a virtual clock on a copy of the store: what would be sent, to whom, and why not.",
        discussion: """
            Sends nothing and leaves the store as it is. Uses the active flows, plus any FILEs given, all active \
            from --from. Ticks every --step.
            """)
    @OptionGroup var store: StoreOptions
    @Option(help: "Start (RFC 3339 or YYYY-MM-DD).") var from: String
    @Option(help: "End (RFC 3339 or YYYY-MM-DD).") var to: String
    @Option(help: "Virtual time between ticks (15m, 1h, 1d).") var step = "1h"
    @Option(help: "Write every simulated message as CSV to FILE.") var messages: String?
    @Option(help: "The shop's name for templates.") var shopName = "our shop"
    @Flag(help: "Skip the nightly RFM snapshot at each virtual 02:00 UTC.") var noRFM = false
    @Argument(help: "Flow files to add to the active flows.") var files: [String] = []

    func run() async throws {
        Patron.bootstrapLogging()
        let sqlite: any PatronStore
        let window: (Int64, Int64, Int64)
        var flows: [(id: String, name: String, source: String, path: String?)] = []
        do {
            sqlite = try store.open(.read)
            window = (
                try parseTime(from, option: "--from"), try parseTime(to, option: "--to"),
                try parseDuration(step, option: "--step")
            )
            guard window.0 < window.1 else { throw PatronError(.invalidArgument, "--from must be before --to") }
            for file in files {
                let (flow, text) = try loadFlowFile(file, store: sqlite)
                flows.append((flow.id, flow.name, text, file))
            }
        } catch let errors as FlowFileErrors {
            FileHandle.standardError.write(Data((errors.description + "\n").utf8))
            throw ExitCode.failure
        } catch {
            FileHandle.standardError.write(Data("patron: \(error)\n".utf8))
            throw ExitCode.failure
        }
        var simulation = CampaignSimulation(
            from: window.0, to: window.1, step: window.2, shopName: shopName, nightlyRFM: !noRFM)
        simulation.surveyLinks = try SurveyLinkSigner.fromEnvironment(ProcessInfo.processInfo.environment)
        let report = try await simulation.run(store: sqlite, flows: flows)
        print("simulated \(Timestamp.format(window.0)) → \(Timestamp.format(window.1)) in \(report.ticks) ticks")
        let keys = try await sqlite.allReportKeys()
        let byFlow = Dictionary(grouping: report.messages, by: \.flowID)
        let decisions = Dictionary(grouping: report.decisions, by: \.flowID)
        for id in Set(byFlow.keys).union(decisions.keys).sorted() {
            let sent = byFlow[id] ?? []
            let channels = Dictionary(grouping: sent, by: \.channel).mapValues(\.count)
            let reasons = Dictionary(grouping: decisions[id] ?? [], by: \.reason).mapValues(\.count)
            func list(_ counts: [String: Int]) -> String {
                counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            }
            let byChannel = channels.isEmpty ? "" : " (\(list(channels)))"
            print("\(id): \(sent.count) messages\(byChannel); not sent: \(reasons.isEmpty ? "-" : list(reasons))")
        }
        if let messages {
            var csv = CSVBuffer()
            csv.header(OutboxCommand.leadingColumns + ["key"])
            for m in report.messages {
                OutboxCommand.appendLeadingColumns(m, key: keys[m.customerID], to: &csv)
                csv.text(m.key)
                csv.endRow()
            }
            let out = try OutputFile(path: messages)
            out.write(bytes: csv.bytes)
            try out.commit()
        }
    }
}

struct TickCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tick",
        abstract:
            "Run one flow tick and send what is due, through the channels in the environment (as patron-scheduler --once).",
        discussion: "--now replays a tick at another time (tests, catching up); sends are still real.")
    @OptionGroup var store: StoreOptions
    @Option(help: "The tick's time (default: now).") var now: String?
    @Flag(help: "Plan only; leave the outbox for the scheduler.") var noSend = false
    @Option(help: "The shop's name for templates (default: $PATRON_SHOP_NAME).") var shopName: String?
    @Option(help: "Sends in flight at once.") var concurrency = 32

    func run() async throws {
        Patron.bootstrapLogging()
        let at: Int64
        let opened: any PatronStore
        let channels: [ConsentChannel: any ChannelConnector]
        do {
            opened = try store.open(.write)
            at = try now.map { try parseTime($0, option: "--now") } ?? Int64(Date().timeIntervalSince1970)
            channels = try ChannelSettings(ProcessInfo.processInfo.environment).channels()
        } catch {
            FileHandle.standardError.write(Data("patron: \(error)\n".utf8))
            throw ExitCode.failure
        }
        try await tick(at: at, store: opened, channels: channels)
    }

    /// Ticks (and sends) on the opened store.
    func tick<S: PatronStore>(at: Int64, store: S, channels: [ConsentChannel: any ChannelConnector]) async throws {
        var runtime = CampaignRuntime(
            store: store, channels: channels,
            shopName: shopName ?? ProcessInfo.processInfo.environment["PATRON_SHOP_NAME"] ?? "our shop",
            concurrency: concurrency)
        runtime.surveyLinks = try SurveyLinkSigner.fromEnvironment(ProcessInfo.processInfo.environment)
        let report = try await runtime.tick(now: at)
        var line =
            "tick \(Timestamp.format(at)): \(report.entered.values.reduce(0, +)) entered, \(report.plannedTotal) planned"
        if !report.decisions.isEmpty {
            line +=
                "; decisions: "
                + report.decisions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
        print(line)
        guard !noSend else { return }
        // Sending takes the scheduler's lease, so a tick by hand never sends beside a scheduler.
        let lease = SchedulerLease(runtime: runtime, holder: "patron-cli:\(ProcessInfo.processInfo.processIdentifier)")
        guard await lease.hold() else {
            print("a scheduler holds the lease: planned only, it sends")
            return
        }
        let sent: OutboxSender<S>.RoundReport
        do {
            sent = try await runtime.drain(now: { at })
        } catch {
            await lease.release()
            throw error
        }
        await lease.release()
        print(
            "sent \(sent.sent), retry later \(sent.retried), failed \(sent.failed), dead \(sent.dead), suppressed \(sent.suppressed)"
        )
    }
}

struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox", abstract: "The outbox's messages (dead letters with --status dead), oldest first.")
    @OptionGroup var store: StoreOptions
    @Option(help: "Only this flow.") var flow: String?
    @Option(help: "Only this status (planned, sending, sent, delivered, failed, dead, suppressed).") var status: String?

    func run() async throws {
        try await reportingErrors {
            let sqlite = try store.open(.read)
            let keys = try await sqlite.allReportKeys()
            var csv = CSVBuffer()
            csv.header(Self.leadingColumns + ["status", "attempts", "provider_id", "error"])
            for m in try await sqlite.outboxRows(flowID: flow, from: .min, to: .max)
            where status == nil || m.status == status {
                Self.appendLeadingColumns(m, key: keys[m.customerID], to: &csv)
                csv.field(m.status)
                csv.field(m.attempts)
                csv.text(m.providerID ?? "")
                csv.text(m.lastError ?? "")
                csv.endRow()
            }
            FileHandle.standardOutput.write(Data(csv.bytes))
        }
    }
}

extension OutboxCommand {
    /// The columns every outbox listing starts with.
    static let leadingColumns = ["planned_at", "flow", "step", "customer_id", "channel", "recipient"]

    /// A message's leading columns; `key` is the customer's report key when it has one.
    static func appendLeadingColumns(_ m: OutboxRow, key: String?, to csv: inout CSVBuffer) {
        csv.timestamp(m.plannedAt)
        csv.text(m.flowID)
        csv.field(m.step)
        csv.text(key ?? m.customerID.reportKey)
        csv.field(m.channel)
        csv.address(m.recipient)
    }
}

struct DecisionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decisions",
        abstract:
            "Why messages were not sent (or not yet): holdout, consent, quiet hours, caps, cooldown, goal, audience.")
    @OptionGroup var store: StoreOptions
    @Option(help: "Only this flow.") var flow: String?
    @Option(help: "Only this customer (source:id or patron:N).") var customer: String?

    func run() async throws {
        try await reportingErrors {
            let sqlite = try store.open(.read)
            var id: CustomerID?
            if let customer {
                if customer.hasPrefix("patron:"), let n = Int64(customer.dropFirst(7)) {
                    id = CustomerID(rawValue: n)
                } else if let colon = customer.firstIndex(of: ":") {
                    let ref = ExternalRef(
                        source: String(customer[..<colon]), id: String(customer[customer.index(after: colon)...]))
                    id = try sqlite.read { try $0.customerID(ref: ref) }
                }
                guard id != nil else { throw PatronError(.notFound, "no customer '\(customer)'") }
            }
            let keys = try await sqlite.allReportKeys()
            var csv = CSVBuffer()
            csv.header(["at", "flow", "customer_id", "trigger", "step", "reason", "detail"])
            for d in try await sqlite.campaignDecisions(flowID: flow, customerID: id, from: .min, to: .max) {
                csv.timestamp(d.at)
                csv.text(d.flowID)
                csv.text(keys[d.customerID] ?? d.customerID.reportKey)
                csv.text(d.triggerKey)
                csv.text(d.step.map(String.init) ?? "")
                csv.field(d.reason)
                csv.text(d.detail)
                csv.endRow()
            }
            FileHandle.standardOutput.write(Data(csv.bytes))
        }
    }
}

struct NightlyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nightly",
        abstract:
            "Run the scheduler's nightly jobs now: a saved RFM snapshot (its moves trigger flows) and replenishment due days."
    )
    @OptionGroup var store: StoreOptions
    @Option(help: "As of this time (default: now).") var now: String?

    func run() async throws {
        try await reportingErrors {
            Patron.bootstrapLogging()
            let sqlite = try store.open(.write)
            let at = try now.map { try parseTime($0, option: "--now") } ?? Int64(Date().timeIntervalSince1970)
            let started = Date()
            try await Self.nightly(store: sqlite, at: at)
            print(
                String(
                    format: "nightly jobs as of \(Timestamp.format(at)) done in %.2f s",
                    Date().timeIntervalSince(started)))
        }
    }

    static func nightly(store: some PatronStore, at: Int64) async throws {
        try await CampaignRuntime(store: store, channels: [:]).nightly(now: at)
    }
}
