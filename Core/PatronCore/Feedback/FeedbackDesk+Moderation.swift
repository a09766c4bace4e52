import Foundation

/// Which reviews a moderation acts on: named ones, or the pending ones a rule picks.
public enum ReviewSelection: Hashable, Sendable {
    /// These reviews (their keys, `review:CUSTOMER:SKU`); every key must name a review.
    case keys([String])
    /// Every pending review with stars in `stars`, of `sku` when given: an auto-approval rule
    /// (`patron feedback approve --pending --min-stars 4`) a shop can run after each batch.
    case pending(stars: ClosedRange<Int>, sku: String?)
}

extension FeedbackDesk {
    /// The reviews a moderator looks at: those with `moderation` (any when `nil`), of `sku` when
    /// given, oldest first, at most `limit`.
    public static func reviews<S: Store>(
        _ store: S, moderation: ReviewModeration?, sku: String? = nil, limit: Int = 100
    ) throws -> [FeedbackResponse] {
        var found: [FeedbackResponse] = []
        try store.read { t in
            try t.forEachFeedbackResponse(.review, from: .min, to: .max) { response in
                if moderation == nil || response.moderation == moderation, sku == nil || response.sku == sku {
                    found.append(response)
                }
            }
        }
        return Array(found.sorted { ($0.answeredAt, $0.key) < ($1.answeredAt, $1.key) }.prefix(max(0, limit)))
    }

    /// Sets the moderation of the selected reviews in one transaction, and returns the keys it
    /// changed (a review already so is left as it is). Named keys are all or nothing: a key that
    /// is not stored is `.notFound`, one that is not a review `.invalidValue`, and nothing changes.
    @discardableResult
    public static func moderate<S: Store>(_ store: S, _ selection: ReviewSelection, to moderation: ReviewModeration)
        throws -> [String]
    {
        try store.write { t in
            var chosen: [FeedbackResponse] = []
            switch selection {
            case .keys(let keys):
                guard !keys.isEmpty else { throw PatronError(.invalidValue, "keys: name at least one review") }
                for key in keys {
                    guard let response = try t.feedbackResponse(key: key) else {
                        throw PatronError(.notFound, "no review '\(key)'")
                    }
                    guard response.kind == .review else {
                        throw PatronError(
                            .invalidValue, "'\(key)' is an \(response.kind.rawValue) answer, not a review")
                    }
                    chosen.append(response)
                }
            case .pending(let stars, let sku):
                try t.forEachFeedbackResponse(.review, from: .min, to: .max) { response in
                    if response.moderation == .pending, stars.contains(response.score),
                        sku == nil || response.sku == sku
                    {
                        chosen.append(response)
                    }
                }
            }
            var changed = Set<String>()
            for var response in chosen where response.moderation != moderation && !changed.contains(response.key) {
                response.moderation = moderation
                try t.saveFeedbackResponse(response)
                changed.insert(response.key)
            }
            return changed.sorted()
        }
    }
}
