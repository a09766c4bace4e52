import Foundation

/// How a feedback report splits its responses.
public enum FeedbackGrouping: String, CaseIterable, Hashable, Sendable {
    /// One row: all responses.
    case none
    /// By the UTC month first answered (`2026-11`).
    case month
    /// By the flow that asked (`(none)` for answers no flow asked for).
    case flow
    /// By the SKU reviewed (`(none)` for answers about no SKU).
    case sku

    func group(of response: FeedbackResponse) -> String? {
        switch self {
        case .none: nil
        case .month: String(Day(epochSeconds: response.answeredAt).description.prefix(7))
        case .flow: response.flowID ?? "(none)"
        case .sku: response.sku ?? "(none)"
        }
    }
}

/// The figures of a set of responses: counts by score band, NPS, CSAT and the average score.
public struct FeedbackSummary: Hashable, Sendable {
    public var group: String
    public var responses = 0
    /// NPS bands (9–10, 7–8, 0–6).
    public var promoters = 0
    public var passives = 0
    public var detractors = 0
    /// Answers of 4 or 5 (CSAT and reviews).
    public var satisfied = 0
    /// Reviews tied to an order of their SKU.
    public var verified = 0
    public var withText = 0
    public var scoreSum = 0
    /// Survey messages of the kind sent in the period (NPS and CSAT reports).
    public var asked = 0
    /// Responses that answer a survey message.
    public var answeredSurveys = 0

    public init(group: String) { self.group = group }

    /// Counts one more response.
    public mutating func add(_ response: FeedbackResponse) {
        responses += 1
        scoreSum += response.score
        switch NPSClass(score: response.score) {
        case .promoter: promoters += 1
        case .passive: passives += 1
        case .detractor: detractors += 1
        }
        if response.score >= 4 { satisfied += 1 }
        if response.orderRef != nil { verified += 1 }
        if response.text != nil { withText += 1 }
        if response.messageID != nil { answeredSurveys += 1 }
    }

    /// Response rate: the % of survey messages sent in the period that were answered in it, to
    /// one decimal; `nil` when none were sent.
    public var responseRate: Double? {
        asked == 0 ? nil : (Double(answeredSurveys) * 1_000 / Double(asked)).rounded() / 10
    }

    /// Net Promoter Score: % promoters − % detractors, rounded, −100…100; `nil` with no responses.
    public var nps: Int? {
        responses == 0 ? nil : Int((Double(promoters - detractors) * 100 / Double(responses)).rounded())
    }

    /// CSAT: the % of answers that are 4 or 5, to one decimal; `nil` with no responses.
    public var csat: Double? {
        responses == 0 ? nil : (Double(satisfied) * 1_000 / Double(responses)).rounded() / 10
    }

    /// The mean score to two decimals; `nil` with no responses.
    public var average: Double? {
        responses == 0 ? nil : (Double(scoreSum) * 100 / Double(responses)).rounded() / 100
    }
}

/// An NPS, CSAT or review report: the whole period, then one row per group.
public struct FeedbackReport: Hashable, Sendable {
    public var kind: SurveyKind
    public var from: Int64
    public var to: Int64
    public var grouping: FeedbackGrouping
    public var total: FeedbackSummary
    public var groups: [FeedbackSummary]

    public init(
        kind: SurveyKind, from: Int64, to: Int64, grouping: FeedbackGrouping, total: FeedbackSummary,
        groups: [FeedbackSummary]
    ) {
        self.kind = kind
        self.from = from
        self.to = to
        self.grouping = grouping
        self.total = total
        self.groups = groups
    }

    /// The rows a table or JSON shows: the groups, then the total.
    public var rows: [FeedbackSummary] { groups + [total] }

    /// The column names and a row's values, as a table shows them for the report's kind.
    public var columns: [String] {
        switch kind {
        case .nps:
            [
                grouping == .none ? "" : grouping.rawValue, "responses", "promoters", "passives", "detractors", "nps",
                "asked", "rate %",
            ]
        case .csat:
            [
                grouping == .none ? "" : grouping.rawValue, "responses", "satisfied", "csat %", "average", "asked",
                "rate %",
            ]
        case .review: [grouping == .none ? "" : grouping.rawValue, "reviews", "average", "verified", "with text"]
        }
    }

    public func values(_ row: FeedbackSummary) -> [String] {
        func text<T>(_ value: T?) -> String { value.map { "\($0)" } ?? "-" }
        switch kind {
        case .nps:
            return [
                row.group, "\(row.responses)", "\(row.promoters)", "\(row.passives)", "\(row.detractors)",
                text(row.nps), "\(row.asked)", text(row.responseRate),
            ]
        case .csat:
            return [
                row.group, "\(row.responses)", "\(row.satisfied)", text(row.csat), text(row.average), "\(row.asked)",
                text(row.responseRate),
            ]
        case .review:
            return [row.group, "\(row.responses)", text(row.average), "\(row.verified)", "\(row.withText)"]
        }
    }
}
