import ArgumentParser
import Foundation
import PatronCore

/// `patron feedback nps|csat|reviews`, `export-reviews`, the moderation commands, `record`,
/// `responses`: survey results and answers on the command line (see docs/feedback.md).
struct FeedbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feedback", abstract: "Survey results (NPS, CSAT, reviews) and a customer's answers.",
        subcommands: [
            NPS.self, CSAT.self, Reviews.self, ExportReviews.self, Moderation.self, Approve.self, Hide.self,
            Unmoderate.self, Record.self, Responses.self,
        ])

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

    /// What the three reports take.
    struct ReportOptions: ParsableArguments {
        @OptionGroup var store: StoreOptions
        @Option(help: "First day answered, YYYY-MM-DD (default: the first answer).") var from: String?
        @Option(help: "Last day answered, YYYY-MM-DD, included (default: today).") var to: String?
        @Option(help: "A row per: none | month | flow | sku.") var by: FeedbackGrouping = .none
        @Option(help: "table | json.") var format: Format = .table

        func run(_ kind: SurveyKind) async throws {
            try await reportingErrors {
                let start = try parseDay(from, option: "--from")?.epochSeconds ?? Int64.min
                let end = try parseDay(to, option: "--to").map { ($0 + 1).epochSeconds } ?? Int64.max
                guard start < end else { throw PatronError(.invalidArgument, "--from \(from ?? "") is after --to") }
                let report = try FeedbackDesk.report(try store.open(.read), kind: kind, from: start, to: end, by: by)
                switch format {
                case .table: print(FeedbackCLI.table(report), terminator: "")
                case .json: print(try report.json())
                }
            }
        }
    }

    struct NPS: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "nps", abstract: "Net Promoter Score: promoters (9–10) less detractors (0–6), in %.")
        @OptionGroup var options: ReportOptions
        func run() async throws { try await options.run(.nps) }
    }

    struct CSAT: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "csat", abstract: "Customer satisfaction: the % of answers that are 4 or 5.")
        @OptionGroup var options: ReportOptions
        func run() async throws { try await options.run(.csat) }
    }

    struct Reviews: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Product reviews: how many, the average stars, how many are verified by an order.")
        @OptionGroup var options: ReportOptions
        func run() async throws { try await options.run(.review) }
    }

    struct ExportReviews: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export-reviews",
            abstract: "Product reviews for a storefront, per SKU: count, average stars and each review (no emails).")
        enum ExportFormat: String, ExpressibleByArgument, CaseIterable { case json, csv }
        @OptionGroup var store: StoreOptions
        @Option(help: "json | csv (one row per review).") var format: ExportFormat = .json
        @Option(help: "Only this SKU's reviews.") var sku: String?
        @Flag(help: "Only reviews tied to an order of the SKU by the reviewer.") var verifiedOnly = false
        @Option(help: "Only reviews with at least this many stars (1–5).") var minStars = 1
        @Flag(help: "Pending reviews too, for a shop that does not moderate (hidden ones never).")
        var includePending = false

        func run() async throws {
            try await reportingErrors {
                guard (1...5).contains(minStars) else {
                    throw PatronError(.invalidArgument, "--min-stars: \(minStars) is not 1 to 5")
                }
                let products = try ProductReviews.export(
                    try store.open(.read), sku: sku, verifiedOnly: verifiedOnly, minScore: minStars,
                    includePending: includePending)
                switch format {
                case .json: print(try ProductReviews.json(products))
                case .csv: print(ProductReviews.csv(products), terminator: "")
                }
            }
        }
    }

    struct Record: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record an answer by hand (a phone call, an import); again with the same key replaces it.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The customer: an id or an email address.") var customer: String
        @Option(help: "nps | csat | review.") var kind: SurveyKind
        @Option(help: "The score: 0–10 for nps, 1–5 for csat and review.") var score: Int
        @Option(help: "The customer's words.") var text: String?
        @Option(help: "The SKU a review is about (required for a review).") var sku: String?
        @Option(help: "What the answer is to, once (default: review:CUSTOMER:SKU for a review, else a new cli:UUID).")
        var key: String?

        func run() async throws {
            try await reportingErrors {
                let opened = try store.open(.write)
                let id = try LoyaltyDesk.customer(customer, in: opened)
                let now = Int64(Date().timeIntervalSince1970)
                let key =
                    key
                    ?? (kind == .review && sku != nil
                        ? FeedbackResponse.reviewKey(customer: id, sku: sku!) : "cli:\(UUID().uuidString.lowercased())")
                let (response, replaced) = try FeedbackDesk.record(
                    opened,
                    FeedbackResponse(
                        key: key, customerID: id, kind: kind, score: score, text: text, sku: sku, channel: "cli"),
                    at: now)
                print("\(replaced ? "replaced" : "recorded") \(FeedbackCLI.line(response))")
            }
        }
    }

    struct Responses: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A customer's answers, oldest first.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The customer: an id or an email address.") var customer: String
        @Option(help: "table | json.") var format: Format = .table

        func run() async throws {
            try await reportingErrors {
                let opened = try store.open(.read)
                let responses = try FeedbackDesk.responses(opened, of: try LoyaltyDesk.customer(customer, in: opened))
                switch format {
                case .table: for response in responses { print(FeedbackCLI.line(response)) }
                case .json: print(try FeedbackResponse.json(responses))
                }
            }
        }
    }
}

extension SurveyKind: ExpressibleByArgument {}
extension FeedbackGrouping: ExpressibleByArgument {}

/// How the feedback commands print.
enum FeedbackCLI {
    static func table(_ report: FeedbackReport) -> String {
        let rows = [report.columns] + report.rows.map(report.values)
        let widths = report.columns.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, value in
                column == 0
                    ? value.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - value.count) + value
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    static func line(_ response: FeedbackResponse) -> String {
        var text = "\(Timestamp.format(response.answeredAt))  \(response.kind.rawValue) \(response.score)"
        if let sku = response.sku { text += "  \(sku)\(response.orderRef == nil ? "" : " (verified)")" }
        text += "  via \(response.channel)  [\(response.key)]"
        if let words = response.text { text += "  \"\(words)\"" }
        return text
    }
}
