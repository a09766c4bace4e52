import ArgumentParser
import Foundation
import PatronCore

struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Create a realistic synthetic shop, deterministic for a seed.",
        discussion: """
            Customers with different purchase rates and drop-out, orders with lines and SKUs, carts \
            (some abandoned), tickets, consent, birthdays and time zones. Written straight into the \
            store, or as NDJSON events with --ndjson. The same --seed and --until give the same shop.
            """)

    @OptionGroup var store: StoreOptions

    @Option(help: "How many customers.")
    var customers: Int

    @Option(help: "How many orders in all (default: 10 per customer).")
    var orders: Int?

    @Option(help: "The seed; the same seed gives the same shop.")
    var seed: UInt64 = 1

    @Option(help: "The last day of the shop's history, YYYY-MM-DD (default: today, UTC).")
    var until: String?

    @Option(help: "Days of history.")
    var days: Int = 1095

    @Option(help: "The shop's currency.")
    var currency: String = "USD"

    @Option(help: "Write NDJSON events to FILE (- for stdout) instead of the store.")
    var ndjson: String?

    @Option(help: "Events per transaction when writing to the store.")
    var batchSize: Int = 200_000

    @OptionGroup var load: LoadOptions

    func run() async throws {
        Patron.bootstrapLogging()
        try await reportingErrors {
            guard let code = CurrencyCode(currency) else {
                throw PatronError(.invalidArgument, "--currency: unknown currency '\(currency)'")
            }
            guard batchSize > 0 else { throw PatronError(.invalidArgument, "--batch-size must be positive") }
            let generator = try ShopGenerator(
                options: .init(
                    customers: customers, orders: orders, seed: seed,
                    until: try parseDay(until, option: "--until") ?? .today, days: days, currency: code))
            var iterator = generator.makeIterator()
            let progress = Progress(label: "generate", total: Double(customers))
            if let ndjson {
                let start = Date()
                let output = try OutputFile(path: ndjson)
                var count = 0
                while let event = iterator.next() {
                    output.write(NDJSONCodec.encode(event))
                    output.write("\n")
                    count += 1
                    if count % 4096 == 0 {
                        progress.update(count: count, unit: "events", done: Double(iterator.customer))
                    }
                }
                try output.commit()
                progress.finish()
                let seconds = Date().timeIntervalSince(start)
                FileHandle.standardError.write(
                    Data(
                        ("generate: \(count) events for \(customers) customers written to "
                            + "\(ndjson == "-" ? "standard output" : ndjson) in \(String(format: "%.2f", seconds)) s\n")
                            .utf8))
                return
            }
            let sqlite = try store.open(.create)
            var events = 0
            func reading(_ count: Int) -> ProgressReading {
                ProgressReading(count: count, unit: "events", done: Double(iterator.customer))
            }
            let result = try loadEvents(
                into: sqlite, batchSize: batchSize, deferral: load.deferIndexes,
                remaining: {
                    // Events per customer so far, times the customers still to come.
                    guard iterator.customer > 0 else { return nil }
                    return events * (customers - iterator.customer) / iterator.customer
                },
                next: { () -> IngestEvent? in
                    let event = iterator.next()
                    if event != nil { events += 1 }
                    return event
                },
                progress: { state in progress.show(state, reading: reading) })
            progress.finish()
            noteDeferredIndexes(result)
            summarize(result.report, seconds: result.seconds, what: "generate")
        }
    }
}
