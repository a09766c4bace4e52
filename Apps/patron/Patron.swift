import ArgumentParser
import Foundation
import Logging
import PatronChannels
import PatronCore
import PatronStoreFactory

/// `patron`: the command line of the Patron retention kernel.
@main
struct Patron: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patron",
        abstract: "Patron: customer retention for online shops — ingest, RFM, metrics.",
        discussion: """
            The store is an SQLite file (./patron.sqlite) unless --db or PATRON_DB names another file or a
            PostgreSQL database (postgres://USER@HOST:PORT/DATABASE).
            Quick start: patron generate --customers 10000 && patron rfm
            """,
        version: "patron \(PatronVersion.current) (\(StoreFactory.schemas))",
        subcommands: [
            InitCommand.self, IngestCommand.self, ImportCommand.self, RFMCommand.self, MetricsCommand.self,
            GenerateCommand.self, SegmentCommand.self, FieldsCommand.self, PredictCommand.self, ExportCommand.self,
            LoyaltyCommand.self,
            FeedbackCommand.self, RecommendCommand.self,
            APIKeyCommand.self, MailCommand.self, SMSStubCommand.self, CampaignsCommand.self, PushBenchCommand.self,
        ])

    /// Registers the linked channels, then runs the command.
    static func main() async {
        ChannelCatalog.bootstrap()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }

    /// Sends logs to stderr at `PATRON_LOG_LEVEL` (default warning); safe to call more than once.
    static func bootstrapLogging() { _ = loggingBootstrapped }

    private static let loggingBootstrapped: Bool = {
        let level =
            ProcessInfo.processInfo.environment["PATRON_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return true
    }()
}
