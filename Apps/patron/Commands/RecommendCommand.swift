import ArgumentParser
import Foundation
import PatronCore

/// `patron recommend CUSTOMER | --sku SKU` and `patron recommend evaluate --cut DATE`: cross-sell
/// recommendations from co-purchases (see docs/recommendations.md).
struct RecommendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recommend", abstract: "What to suggest next: a customer's recommendations, a SKU's also-bought.",
        subcommands: [ForCustomer.self, Rebuild.self, Evaluate.self], defaultSubcommand: ForCustomer.self)

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

    struct ForCustomer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "for",
            abstract: "Up to N SKUs for a customer (never one they bought), or the SKUs most bought with --sku.",
            discussion: """
                Lists come from the stored model (`patron recommend rebuild`, or the scheduler's nightly \
                job), or from one learnt now when none is stored or a model setting is given.
                Examples:
                  patron recommend 42 --n 5 --explain
                  patron recommend ann@example.com
                  patron recommend --sku MUG-001
                """)
        @OptionGroup var store: StoreOptions
        @Argument(help: "The customer: an id or an email address.") var customer: String?
        @Option(help: "Instead of a customer: the SKUs customers who bought this SKU also bought.") var sku: String?
        @Option(help: "How many.") var n = 10
        @Flag(help: "Say why: the bought SKUs behind each suggestion and how many bought both.") var explain = false
        @OptionGroup var model: ModelOptions
        @Option(help: "table | json.") var format: Format = .table

        func run() async throws {
            try await reportingErrors {
                let opened = try store.open(.read)
                let now = Int64(Date().timeIntervalSince1970)
                switch (customer, sku) {
                case (let customer?, nil):
                    let id = try LoyaltyDesk.customer(customer, in: opened)
                    let list = try RecommendationDesk.forCustomer(
                        opened, id, n: n, at: now, from: try model.source())
                    switch format {
                    case .table: print(RecommendCLI.table(list, explain: explain), terminator: "")
                    case .json: print(try RecommendCLI.json(list.map(\.jsonObject)))
                    }
                case (nil, let sku?):
                    let list = try RecommendationDesk.alsoBought(
                        opened, sku: sku, n: n, at: now, from: try model.source())
                    switch format {
                    case .table:
                        for item in list {
                            print(
                                "\(item.sku)  \(String(format: "%.4f", item.score))  bought together by \(item.together)"
                            )
                        }
                    case .json: print(try RecommendCLI.json(list.map(\.jsonObject)))
                    }
                default: throw PatronError(.invalidArgument, "name a customer or --sku SKU (one of them)")
                }
            }
        }
    }

    struct Rebuild: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Learn the model from every purchase and store it (the scheduler's nightly job does too).")
        @OptionGroup var store: StoreOptions
        @OptionGroup var model: ModelOptions

        func run() async throws {
            try await reportingErrors {
                let start = Date()
                let info = try RecommendationDesk.rebuild(
                    try store.open(.write), at: Int64(Date().timeIntervalSince1970), options: try model.options())
                print(
                    "recommendation model: \(info.lines) lines of \(info.customers) customers learnt in "
                        + String(format: "%.2f s", Date().timeIntervalSince(start)))
            }
        }
    }

    struct Evaluate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Learn from orders before --cut, recommend to those who buy again after it, count the hits.",
            discussion: """
                Reports HR@N (customers with a hit), precision@N and recall@N for the recommender, the best \
                sellers and plain co-occurrence. Example:
                  patron import online-retail online_retail.csv && patron recommend evaluate --cut 2011-09-01
                """)
        @OptionGroup var store: StoreOptions
        @Option(help: "The first day of the test period, YYYY-MM-DD.") var cut: String
        @Option(help: "The last day of the test period, YYYY-MM-DD, included (default: the last order).") var until:
            String?
        @Option(help: "How many recommendations per customer.") var n = 10
        @OptionGroup var model: ModelOptions
        @Option(help: "table | json.") var format: Format = .table

        func run() async throws {
            try await reportingErrors {
                guard let day = try parseDay(cut, option: "--cut") else { return }
                let end = try parseDay(until, option: "--until").map { ($0 + 1).epochSeconds } ?? .max
                let result = try RecommendationEvaluation.evaluate(
                    try store.open(.read), cut: day.epochSeconds, until: end, n: n, options: try model.options())
                switch format {
                case .table: print(RecommendCLI.table(result), terminator: "")
                case .json: print(try RecommendCLI.json(result.jsonObject))
                }
            }
        }
    }
}

/// The model's settings, for trying others than the defaults.
struct ModelOptions: ParsableArguments {
    @Option(help: "Days after which a purchase counts half (0: no decay).") var halfLife: Double?
    @Option(help: "How much best sellers are held back, -1–1 (below 0 favours them).") var damping: Double?
    @Option(help: "How much a bought SKU's own popularity divides what it suggests, 0–1.") var sourceWeight: Double?
    @Option(help: "Pairs bought together by few customers are shrunk by n / (n + this).") var shrinkage: Double?
    @Option(help: "How much popularity adds to the also-bought score (0: only to fill the list).") var blend: Double?
    @Option(help: "Each customer's pairs count 1 / (their distinct SKUs)^this, 0–1 (0: every customer alike).")
    var customerDamping: Double?

    /// A model learnt now when a setting is given, else the stored one (or one learnt now).
    func source() throws -> RecommendationDesk.ModelSource {
        [halfLife, damping, sourceWeight, shrinkage, blend, customerDamping].allSatisfy { $0 == nil }
            ? .storedOrLearnNow : .learnNow(try options())
    }

    func options() throws -> CoPurchaseModel.Options {
        var options = CoPurchaseModel.Options()
        if let halfLife {
            guard halfLife >= 0 else { throw PatronError(.invalidArgument, "--half-life must not be negative") }
            options.halfLifeDays = halfLife == 0 ? nil : halfLife
        }
        if let damping {
            guard (-1...1).contains(damping) else { throw PatronError(.invalidArgument, "--damping must be -1 to 1") }
            options.popularityDamping = damping
        }
        if let sourceWeight {
            guard (0...1).contains(sourceWeight) else {
                throw PatronError(.invalidArgument, "--source-weight must be 0 to 1")
            }
            options.sourceWeight = sourceWeight
        }
        if let shrinkage {
            guard shrinkage >= 0 else { throw PatronError(.invalidArgument, "--shrinkage must not be negative") }
            options.shrinkage = shrinkage
        }
        if let blend {
            guard blend >= 0 else { throw PatronError(.invalidArgument, "--blend must not be negative") }
            options.popularityBlend = blend
        }
        if let customerDamping {
            guard (0...1).contains(customerDamping) else {
                throw PatronError(.invalidArgument, "--customer-damping must be 0 to 1")
            }
            options.customerDamping = customerDamping
        }
        return options
    }
}

/// How the recommend commands print.
enum RecommendCLI {
    static func table(_ list: [Recommendation], explain: Bool) -> String {
        var out = ""
        for (rank, item) in list.enumerated() {
            out += "\(rank + 1). \(item.sku)  \(String(format: "%.4f", item.score))  \(item.source.rawValue)\n"
            guard explain else { continue }
            if let days = item.intervalDays {
                out += "     due again: you buy it about every \(days) days\n"
            } else if item.because.isEmpty {
                out += "     a best seller (too little is known to do better)\n"
            }
            for reason in item.because {
                out +=
                    "     because you bought \(reason.sku) (+\(String(format: "%.4f", reason.score)), "
                    + "bought together by \(reason.together))\n"
            }
        }
        return out
    }

    static func table(_ result: RecommendationEvaluation) -> String {
        var out =
            "learnt from \(result.trainingLines) lines before \(Timestamp.format(result.cut)); "
            + "\(result.customers) customers bought something new after it\n"
        out += "method          HR@\(result.n)   precision@\(result.n)  recall@\(result.n)\n"
        for row in result.results {
            out +=
                row.method.padding(toLength: 14, withPad: " ", startingAt: 0)
                + String(format: "  %6.3f  %12.4f  %9.4f\n", row.hitRate, row.precision, row.recall)
        }
        out +=
            result.recommenderWins
            ? "the recommender beats both baselines\n" : "the recommender does NOT beat both baselines\n"
        return out
    }

    static func json(_ value: Any) throws -> String {
        String(
            decoding: try JSONSerialization.data(
                withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes]),
            as: UTF8.self)
    }
}
