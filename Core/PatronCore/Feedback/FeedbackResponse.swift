import Foundation

/// One answer to a survey: its score, optional text, and what it answers. One per ``key``: a
/// second answer to the same survey message replaces the first (``FeedbackDesk/record(_:_:at:)``),
/// keeping when it was first given.
public struct FeedbackResponse: Hashable, Sendable {
    /// What was asked, once: `message:ID` for a survey message, `review:CUSTOMER:SKU` for a
    /// product review, or a caller's own key (an import).
    public var key: String
    public var customerID: CustomerID
    public var kind: SurveyKind
    /// Within ``SurveyKind/scores``.
    public var score: Int
    /// The customer's words (the follow-up question, the review); `nil` when none were given or
    /// after erasure.
    public var text: String?
    /// The SKU a review is about.
    public var sku: String?
    /// The order a review's SKU was bought in (a verified review), as `source:ref`.
    public var orderRef: String?
    /// The flow whose message asked.
    public var flowID: String?
    /// The outbox message that asked.
    public var messageID: Int64?
    /// How the answer came: `link`, `sms`, `email`, `api`, `cli`.
    public var channel: String
    /// When it was first answered, and last changed.
    public var answeredAt: Int64
    public var updatedAt: Int64
    /// A review's standing with the shop's moderators; `approved` for other kinds.
    public var moderation: ReviewModeration

    /// A response as it is stored; an answer as it arrives leaves ``orderRef`` and the times to
    /// ``FeedbackDesk/record(_:_:at:)``.
    public init(
        key: String, customerID: CustomerID, kind: SurveyKind, score: Int, text: String? = nil, sku: String? = nil,
        orderRef: String? = nil, flowID: String? = nil, messageID: Int64? = nil, channel: String,
        answeredAt: Int64 = 0, updatedAt: Int64? = nil, moderation: ReviewModeration? = nil
    ) {
        self.key = key
        self.customerID = customerID
        self.kind = kind
        self.score = score
        self.text = text
        self.sku = sku
        self.orderRef = orderRef
        self.flowID = flowID
        self.messageID = messageID
        self.channel = channel
        self.answeredAt = answeredAt
        self.updatedAt = updatedAt ?? answeredAt
        self.moderation = moderation ?? (kind == .review ? .pending : .approved)
    }

    /// The key of a customer's review of a SKU: one review per SKU per customer.
    public static func reviewKey(customer: CustomerID, sku: String) -> String { "review:\(customer.rawValue):\(sku)" }
}
