import ArgumentParser
import Foundation
import PatronCore
import PatronSQLite

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import a file in a shop or data-set format.",
        subcommands: [CDNOWImport.self])

    struct CDNOWImport: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cdnow",
            abstract: "Import the CDNOW purchase file (customer_id date number_of_cds dollar_value).",
            discussion: """
                Each row becomes one order in USD; the customer's id is its number. The file is one \
                transaction; importing it again changes nothing.
                """)

        @OptionGroup var store: StoreOptions

        @Argument(help: "CDNOW_master.txt (or the 1/10 sample), or - for standard input.")
        var file: String

        func run() throws {
            Patron.bootstrapLogging()
            try reportingErrors {
                let reader = try CDNOWReader(path: file)
                var first = try reader.next()  // a bad or empty file must not create a store
                let sqlite = try store.open(create: true)
                let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.doubleValue
                let progress = Progress(label: "import", total: size)
                let result = try runBatches(Ingestor(store: sqlite), batchSize: nil) { () throws -> IngestEvent? in
                    if let event = first {
                        first = nil
                        return event
                    }
                    return try reader.next()
                } progress: { rows in
                    progress.update(rows: rows, done: Double(reader.bytesRead))
                }
                progress.finish()
                summarize(result.report, seconds: result.seconds, what: file)
            }
        }
    }
}
