import ArgumentParser
import Foundation
import PatronCore

struct RFMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rfm",
        abstract: "Score customers by recency, frequency and monetary value, and name their segments.",
        discussion: """
            recency_days = days from the last order to --as-of; frequency = orders; monetary = order \
            totals less refunds. Cancelled orders never count. Scores run 1..k, k best. \
            Methods: quantile (tie-aware, default), ntile (SQL NTILE(k), ties by customer id), \
            thresholds (fixed bounds from --thresholds FILE).
            """)

    enum Method: String, ExpressibleByArgument, CaseIterable { case quantile, ntile, thresholds }
    enum Format: String, ExpressibleByArgument, CaseIterable { case table, csv, json }

    @OptionGroup var store: StoreOptions

    @Option(help: "Score as of this day, YYYY-MM-DD (default: today, UTC). Later orders are ignored.")
    var asOf: String?

    // `.unconditional`: a negative value is read as the value (and refused with its reason),
    // not taken for an option and reported as "Missing value".
    @Option(parsing: .unconditional, help: "Count frequency and monetary over the last DAYS days only.")
    var window: Int?

    @Option(parsing: .unconditional, help: "Scores per dimension (k).")
    var bins: Int = 5

    @Option(help: "quantile | ntile | thresholds (default: quantile, or thresholds with --thresholds).")
    var method: Method?

    @Option(help: "JSON bounds for --method thresholds: {\"recency_days\":[..],\"frequency\":[..],\"monetary\":[..]}.")
    var thresholds: String?

    @Option(help: "JSON segment map (default: the standard 5-bin map on R and F).")
    var map: String?

    @Option(help: "table | csv | json.")
    var format: Format = .table

    @Option(name: [.short, .customLong("output")], help: "Write to FILE (- for stdout).")
    var output: String?

    @Option(help: "Only customers in this segment (csv and json; any letter case).")
    var segment: String?

    @Flag(help: "Save this computation as a snapshot; later runs report moves against it.")
    var save = false

    func run() async throws {
        try await reportingErrors {
            let sqlite = try store.open(save ? .write : .read)
            let currency = try sqlite.reportingCurrency()
            let configuration = try makeConfiguration(currency: currency)
            noteStaleAsOf(sqlite, asOf: asOf)
            let run = try RFMRun.compute(
                store: sqlite, asOf: try parseDay(asOf, option: "--as-of"), windowDays: window,
                configuration: configuration, currency: currency)
            var chosen: String?
            if let segment {
                guard format != .table else {
                    throw PatronError(
                        .invalidArgument,
                        "--segment selects rows of --format csv or json; the table shows every segment")
                }
                chosen = try run.report.segment(matching: segment)
            }
            let out = try OutputFile(path: output)
            switch format {
            case .table: out.write(renderTable(run))
            case .csv: writeCSV(run, segment: chosen, to: out)
            case .json: writeJSON(run, segment: chosen, to: out)
            }
            try out.commit()
            if save {
                let id = try run.save(to: sqlite, takenAt: Int64(Date().timeIntervalSince1970))
                FileHandle.standardError.write(
                    Data("saved RFM snapshot #\(id) (\(run.moves.count) segment moves)\n".utf8))
            }
        }
    }

    func makeConfiguration(currency: CurrencyCode?) throws -> RFMConfiguration {
        let (configuration, notes) = try RFMConfiguration.choose(
            bins: bins, method: method.flatMap { RFMMethodName(rawValue: $0.rawValue) },
            thresholds: try thresholds.map { NamedJSON(name: $0, data: try readFile($0)) },
            map: try map.map { NamedJSON(name: $0, data: try readFile($0)) }, currency: currency)
        for note in notes { FileHandle.standardError.write(Data("patron: note: \(note)\n".utf8)) }
        return configuration
    }

    func readFile(_ path: String) throws(PatronError) -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PatronError(.io, "cannot read the file", at: InputLocation(file: path))
        }
        return data
    }

    func renderTable(_ run: RFMRun) -> String {
        var title = "RFM as of \(run.asOf) — \(run.parameters), \(run.report.customers) customers"
        if let window = run.windowDays { title += " (F and M over the last \(window) days)" }
        var text = run.report.renderTable(currency: run.currency, title: title, notes: run.gridNotes)
        if let previous = run.previousSnapshot {
            if run.comparable {
                text += "\nMoves since snapshot #\(previous.id) (as of \(previous.asOf)): "
                text += "\(RFMReport.grouped(String(run.moves.count))) customers\n"
                for move in SegmentMove.summary(run.moves).prefix(15) {
                    text +=
                        "  \(move.from ?? "(new)") → \(move.to ?? "(gone)"): \(RFMReport.grouped(String(move.customers)))\n"
                }
            } else {
                text +=
                    "\nNo moves: the last snapshot (#\(previous.id), \(previous.parameters)) was computed with other settings.\n"
            }
        }
        return text
    }

    func writeCSV(_ run: RFMRun, segment: String?, to out: OutputFile) {
        out.write(RFMRun.csvHeader + "\n")
        for part in run.csvParts(segment: segment) { out.write(bytes: part) }
    }

    func writeJSON(_ run: RFMRun, segment: String?, to out: OutputFile) {
        out.write(PatronJSON.encode(RFMRunDocument(run, segment: segment)) + "\n")
    }
}
