import ArgumentParser
import Foundation
import PatronCore

struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Create the store (or check that an existing one is usable).")

    @OptionGroup var store: StoreOptions

    @Option(help: "The shop's currency (ISO 4217); otherwise the first order sets it.")
    var currency: String?

    func run() async throws {
        try await reportingErrors {
            let existed = FileManager.default.fileExists(atPath: store.path)
            let sqlite = try store.open(.create)
            if let currency {
                guard let code = CurrencyCode(currency) else {
                    throw PatronError(.invalidArgument, "--currency: unknown currency '\(currency)'")
                }
                try sqlite.write { transaction in
                    if let existing = try transaction.reportingCurrency(), existing != code {
                        throw PatronError(.conflict, "the store's currency is already \(existing)")
                    }
                    try transaction.setReportingCurrency(code)
                }
            }
            print("\(existed ? "store is ready" : "created store"): \(store.path)")
        }
    }
}
