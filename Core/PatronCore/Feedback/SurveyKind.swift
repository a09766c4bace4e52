import Foundation

/// What a survey asks, and the scores an answer may have.
public enum SurveyKind: String, CaseIterable, Hashable, Sendable, Codable {
    /// Net Promoter Score: "how likely are you to recommend us", 0–10.
    case nps
    /// Customer satisfaction, 1–5 (after a support conversation, an order).
    case csat
    /// A product review: 1–5 stars, with text, for one SKU.
    case review

    /// The scores an answer may have.
    public var scores: ClosedRange<Int> {
        switch self {
        case .nps: 0...10
        case .csat, .review: 1...5
        }
    }
}

/// Where an NPS answer puts the customer: 9–10 promoter, 7–8 passive, 0–6 detractor.
public enum NPSClass: String, CaseIterable, Hashable, Sendable, Codable {
    case promoter, passive, detractor

    public init(score: Int) {
        self = score >= 9 ? .promoter : score >= 7 ? .passive : .detractor
    }
}

extension FlowTrigger {
    /// Whether a `feedback_received` trigger fires on this response (any other trigger: never):
    /// its kind, and its score within the range when one is given. What every store's query
    /// must select.
    public func matches(_ response: FeedbackResponse) -> Bool {
        guard case .feedbackReceived(let kind, let scores) = self, response.kind == kind else { return false }
        return scores.map { $0.contains(response.score) } ?? true
    }
}
