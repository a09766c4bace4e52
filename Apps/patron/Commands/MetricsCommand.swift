import ArgumentParser
import Foundation
import PatronCore

struct MetricsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Retention metrics: customers, active, AOV, frequency, repeat rate, churn, CLV, cohorts.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

    @OptionGroup var store: StoreOptions

    @Option(help: "As of this day, YYYY-MM-DD (default: today, UTC).")
    var asOf: String?

    @Option(parsing: .unconditional, help: "The period, in days, for active customers and churn.")
    var period: Int = 365

    @Option(help: "table | json.")
    var format: Format = .table

    @Option(name: [.short, .customLong("output")], help: "Write to FILE (- for stdout).")
    var output: String?

    func run() async throws {
        try await reportingErrors {
            guard period > 0 else { throw PatronError(.invalidArgument, "--period must be positive") }
            let sqlite = try store.open(.read)
            let currency = try sqlite.reportingCurrency()
            noteStaleAsOf(sqlite, asOf: asOf)
            let metrics = try RetentionMetrics.compute(
                store: sqlite, asOf: try parseDay(asOf, option: "--as-of"), periodDays: period)
            let out = try OutputFile(path: output)
            out.write(format == .table ? metrics.renderTable(currency: currency) : metrics.json(currency: currency))
            try out.commit()
        }
    }
}
