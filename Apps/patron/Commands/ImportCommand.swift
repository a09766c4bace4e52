import ArgumentParser
import Foundation
import PatronCore
import PatronSQLite

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import a file in a shop or data-set format.",
        subcommands: [
            CDNOWImport.self, Customers.self, Orders.self, OrderLines.self, ShopifyCustomers.self, ShopifyOrders.self,
            OnlineRetail.self, Scan.self,
        ])

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
                let result = try ingestFile(
                    file, label: "import", into: store, batchSize: nil, bytesRead: { reader.bytesRead },
                    next: reader.next)
                summarize(result.report, seconds: result.seconds, what: file)
            }
        }
    }
}
