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

    @OptionGroup var load: LoadOptions

    func run() async throws {
        Patron.bootstrapLogging()
        try await reportingErrors {
            if let batchSize, batchSize <= 0 { throw PatronError(.invalidArgument, "--batch-size must be positive") }
            let reader = try NDJSONEventReader(path: file)
            let report = try ingestFile(
                file, label: "ingest", into: store, batchSize: batchSize, deferral: load.deferIndexes,
                bytesRead: { reader.bytesRead },
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
/// file the events read so far took up), unless `reading` says better (a CSV file's rows). The
/// same reading estimates how many events are still to come, for the store's choice to defer
/// its indexes (``IndexDeferral``).
func ingestFile(
    _ file: String, label: String, into store: StoreOptions, batchSize: Int?, deferral: IndexDeferral,
    bytesRead: () -> Int64, progress: Progress? = nil, reading: (Int) -> ProgressReading? = { _ in nil },
    next: () throws -> IngestEvent?
) throws -> LoadResult {
    let total = fileSize(file)
    let progress = progress ?? Progress(label: label, total: total)
    func current(_ events: Int) -> ProgressReading {
        var current = reading(events) ?? ProgressReading(count: events, unit: "events", done: Double(bytesRead()))
        current.total = current.total ?? total
        return current
    }
    var first = try next()
    let sqlite = try store.open(.create)
    var events = 0
    let result = try loadEvents(
        into: sqlite, batchSize: batchSize, deferral: deferral,
        remaining: {
            let reading = current(events)
            guard let done = reading.done, let total = reading.total, done > 0, events > 0 else { return nil }
            return Int(Double(events) * max(0, total - done) / done)
        },
        next: { () throws -> IngestEvent? in
            let event: IngestEvent?
            if let pending = first {
                event = pending
                first = nil
            } else {
                event = try next()
            }
            if event != nil { events += 1 }
            return event
        },
        progress: { state in progress.show(state, reading: current) })
    progress.finish()
    noteDeferredIndexes(result)
    return result
}

/// ``Ingestor/load(batchSize:deferral:remaining:next:progress:)`` into an opened store.
func loadEvents(
    into store: some Store, batchSize: Int?, deferral: IndexDeferral, remaining: () -> Int?,
    next: () throws -> IngestEvent?, progress: (LoadProgress) -> Void
) throws -> LoadResult {
    try Ingestor(store: store).load(
        batchSize: batchSize, deferral: deferral, remaining: remaining, next: next, progress: progress)
}

/// Says which indexes a load deferred and how long building them took, or who builds them.
func noteDeferredIndexes(_ result: LoadResult) {
    guard !result.deferredIndexes.isEmpty else { return }
    let deferred = result.deferredIndexes.joined(separator: ", ")
    let line =
        if let failure = result.rebuildFailure {
            "warning: building the indexes deferred during the load (\(deferred)) failed: \(failure); every event "
                + "was committed, and the store builds them when next opened for writing (reads are slower until then)\n"
        } else if result.builtIndexes.isEmpty {
            "indexes deferred during the load (\(deferred)) were built by another process, or are left to a load "
                + "still running, which builds them at its end\n"
        } else {
            "indexes built after the load: \(result.builtIndexes.joined(separator: ", ")) "
                + "in \(String(format: "%.2f", result.rebuildSeconds)) s\n"
        }
    FileHandle.standardError.write(Data(line.utf8))
}

extension IndexDeferral: ExpressibleByArgument {}

/// The options of a command that loads many events: whether the store may defer indexes.
struct LoadOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Whether a long load may drop the indexes the import never reads and build them at its end: auto, always or never.",
            discussion:
                "auto leaves it to the store's estimate; never keeps every index up to date as rows go in (other readers stay fast during the load)."
        ))
    var deferIndexes: IndexDeferral = .auto
}

extension Progress {
    /// Shows a load's state: its events as `reading` puts them, or the indexes being built.
    func show(_ state: LoadProgress, reading: (Int) -> ProgressReading) {
        switch state {
        case .events(let events):
            let reading = reading(events)
            update(
                count: reading.count, unit: reading.unit, done: reading.done, total: reading.total,
                phase: reading.phase)
        case .rebuildingIndexes(let names):
            status("building \(names.count) indexes deferred for the load")
        }
    }
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
