import ArgumentParser
import Foundation
import PatronCore

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import a file in a shop or data-set format.",
        subcommands: [
            CDNOWImport.self, Customers.self, Orders.self, OrderLines.self, ShopifyCustomers.self, ShopifyOrders.self,
            OnlineRetail.self, Products.self, Scan.self,
        ])

    struct CDNOWImport: AsyncParsableCommand {
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

        @Flag(help: "Read and check everything; write nothing.") var dryRun = false
        @Option(help: "Commit every N rows instead of once for the whole file.") var batchSize: Int?

        func run() async throws {
            Patron.bootstrapLogging()
            try await reportingErrors {
                if let batchSize, batchSize <= 0 {
                    throw PatronError(.invalidArgument, "--batch-size must be positive")
                }
                let reader = try CDNOWReader(path: file)
                // The same summary and options as the CSV formats; a bad row stops the import (the
                // file is one data set: a partial one would skew every analysis).
                var rows = 0
                try CSVImportCommand.importEvents(
                    label: "cdnow", file: file, name: file, store: store, dryRun: dryRun,
                    batchSize: batchSize ?? Int.max, records: .orders, rows: { rows },
                    tally: { "\(rows) rows read, skipped 0, rejected 0" }, bytesRead: { reader.bytesRead },
                    next: {
                        let event = try reader.next()
                        if event != nil { rows += 1 }
                        return event
                    })
            }
        }
    }
}
