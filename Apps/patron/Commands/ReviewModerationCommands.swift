import ArgumentParser
import Foundation
import PatronCore

/// `patron feedback moderation|approve|hide|unmoderate`: the reviews moderators look at, and
/// what they decide (see docs/feedback.md, "Moderation").
extension FeedbackCommand {
    struct Moderation: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reviews as moderators see them (pending ones by default), oldest first, with their keys.")
        @OptionGroup var store: StoreOptions
        @Option(help: "pending | approved | hidden | any.") var status = "pending"
        @Option(help: "Only this SKU's reviews.") var sku: String?
        @Option(help: "At most this many.") var limit = 100
        @Option(help: "table | json.") var format: Format = .table

        func run() async throws {
            try await reportingErrors {
                guard status == "any" || ReviewModeration(rawValue: status) != nil else {
                    throw PatronError(
                        .invalidArgument, "--status: expected pending, approved, hidden or any, found '\(status)'")
                }
                let reviews = try FeedbackDesk.reviews(
                    try store.open(.read), moderation: ReviewModeration(rawValue: status), sku: sku, limit: limit)
                switch format {
                case .table:
                    for review in reviews { print("\(review.moderation.rawValue)  \(FeedbackCLI.line(review))") }
                case .json: print(try FeedbackResponse.json(reviews))
                }
            }
        }
    }

    /// What `approve`, `hide` and `unmoderate` take: review keys, or `--pending` with a rule.
    struct ModerationOptions: ParsableArguments {
        @OptionGroup var store: StoreOptions
        @Argument(help: "The reviews' keys (review:CUSTOMER:SKU), as `patron feedback moderation` lists them.")
        var keys: [String] = []
        @Flag(help: "Every pending review instead (within --min-stars, --max-stars and --sku).") var pending = false
        @Option(help: "With --pending: only reviews with at least this many stars.") var minStars = 1
        @Option(help: "With --pending: only reviews with at most this many stars.") var maxStars = 5
        @Option(help: "With --pending: only this SKU's reviews.") var sku: String?

        func run(_ moderation: ReviewModeration) async throws {
            try await reportingErrors {
                let selection: ReviewSelection
                switch (keys.isEmpty, pending) {
                case (false, false): selection = .keys(keys)
                case (true, true):
                    guard (1...5).contains(minStars), (1...5).contains(maxStars), minStars <= maxStars else {
                        throw PatronError(
                            .invalidArgument, "--min-stars \(minStars) --max-stars \(maxStars): stars are 1 to 5")
                    }
                    selection = .pending(stars: minStars...maxStars, sku: sku)
                case (true, false): throw PatronError(.invalidArgument, "name the reviews' keys, or --pending")
                case (false, true): throw PatronError(.invalidArgument, "give the reviews' keys or --pending, not both")
                }
                let changed = try FeedbackDesk.moderate(try store.open(.write), selection, to: moderation)
                print("\(moderation.rawValue): \(changed.count) review\(changed.count == 1 ? "" : "s")")
                for key in changed { print("  \(key)") }
            }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish reviews: the storefront export shows approved reviews.",
            discussion: "`patron feedback approve --pending --min-stars 4` approves what waits with 4 or 5 stars.")
        @OptionGroup var options: ModerationOptions
        func run() async throws { try await options.run(.approved) }
    }

    struct Hide: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Hide reviews: kept and counted in reports, never published.")
        @OptionGroup var options: ModerationOptions
        func run() async throws { try await options.run(.hidden) }
    }

    struct Unmoderate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send reviews back to pending: unpublished until approved again.")
        @OptionGroup var options: ModerationOptions
        func run() async throws { try await options.run(.pending) }
    }
}
