import ArgumentParser
import Foundation
import Logging
import PatronCore

struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Apply an NDJSON events file (or - for stdin) to the store.",
        discussion: """
            One event per line (see docs/ndjson.md). The whole file is one transaction: on any bad \
            line nothing is applied and the error names the file, line and field. Events whose id \
            was applied before are skipped, so ingesting the same file twice changes nothing.
            """)

    @OptionGroup var store: StoreOptions

    @Argument(help: "The NDJSON file, or - for standard input.")
    var file: String

    @Option(help: "Commit every N events instead of once for the whole file (for very large files).")
    var batchSize: Int?

    func run() async throws {
        Patron.bootstrapLogging()
        try await reportingErrors {
            if let batchSize, batchSize <= 0 { throw PatronError(.invalidArgument, "--batch-size must be positive") }
            let reader = try NDJSONEventReader(path: file)
            let report = try ingestFile(
                file, label: "ingest", into: store, batchSize: batchSize, bytesRead: { reader.bytesRead },
                next: reader.next)
            summarize(report.report, seconds: report.seconds, what: reader.name)
        }
    }
}

/// Reads a file's events into the store with progress. The first event is read before the
/// store is opened (and perhaps created): an empty or broken file must not leave a new, empty
/// store behind.
///
/// Progress counts events, and its percentage and ETA come from `bytesRead` (the bytes of the
/// file the events read so far took up), unless `reading` says better (a CSV file's rows).
func ingestFile(
    _ file: String, label: String, into store: StoreOptions, batchSize: Int?, bytesRead: () -> Int64,
    progress: Progress? = nil, reading: (Int) -> ProgressReading? = { _ in nil },
    next: () throws -> IngestEvent?
) throws -> (report: IngestReport, seconds: Double) {
    let progress = progress ?? Progress(label: label, total: fileSize(file))
    var first = try next()
    let sqlite = try store.open(.create)
    let result = try runBatches(into: sqlite, batchSize: batchSize) { () throws -> IngestEvent? in
        if let event = first {
            first = nil
            return event
        }
        return try next()
    } progress: { events in
        let reading = reading(events) ?? ProgressReading(count: events, unit: "events", done: Double(bytesRead()))
        progress.update(
            count: reading.count, unit: reading.unit, done: reading.done, total: reading.total, phase: reading.phase)
    }
    progress.finish()
    return result
}

/// Feeds `next` into the ingestor in batches (or one), returning the sum of the reports.
func runBatches(
    into store: some Store, batchSize: Int?, next: () throws -> IngestEvent?, progress: (Int) -> Void
) throws -> (report: IngestReport, seconds: Double) {
    let ingestor = Ingestor(store: store)
    let start = Date()
    var total = IngestReport()
    var exhausted = false
    var count = 0
    repeat {
        var inBatch = 0
        let report: IngestReport
        do {
            report = try ingestor.ingest { () throws -> IngestEvent? in
                if let batchSize, inBatch >= batchSize { return nil }
                guard let event = try next() else {
                    exhausted = true
                    return nil
                }
                inBatch += 1
                count += 1
                if count % 512 == 0 { progress(count) }
                return event
            }
        } catch let error as PatronError where total.appliedCount + total.duplicates > 0 {
            // Earlier batches stay committed; say so, since the store is not as it was.
            var located = error
            located.message +=
                " (the \(total.appliedCount + total.duplicates) events before this batch were committed; "
                + "re-running the same input is safe)"
            throw located
        }
        total = total + report
    } while !exhausted
    return (total, Date().timeIntervalSince(start))
}

/// One line on stderr about what an ingest did, and a structured log entry.
func summarize(_ report: IngestReport, seconds: Double, what: String) {
    let rate = seconds > 0 ? Int(Double(report.ordersPlaced) / seconds) : 0
    let line = "\(what): \(report) in \(String(format: "%.2f", seconds)) s (\(rate) orders/s)\n"
    FileHandle.standardError.write(Data(line.utf8))
    Logger(label: "patron.ingest").info(
        "ingest finished",
        metadata: [
            "input": "\(what)", "applied": "\(report.appliedCount)", "duplicates": "\(report.duplicates)",
            "orders": "\(report.ordersPlaced)", "seconds": "\(seconds)",
        ])
}

/// What progress shows at a moment: `count` of `unit`, `done` of `total` (bytes, orders) for
/// the percentage and the ETA, in a named `phase` when there is more than one.
struct ProgressReading {
    var count: Int
    var unit: String
    var done: Double?
    var total: Double? = nil
    var phase: String? = nil
}

/// The size of a file in bytes (`nil` for standard input or a file that cannot be read).
func fileSize(_ path: String) -> Double? {
    guard path != "-" else { return nil }
    return (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.doubleValue
}
