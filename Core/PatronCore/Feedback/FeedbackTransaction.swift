import Foundation

/// What a store keeps for feedback, inside its transactions: survey responses, one per key.
/// ``StoreTransaction`` includes it, so every store keeps them.
///
/// An implementer keeps: a response comes back exactly as saved (`nil`s and all); saving a key
/// that is stored replaces that response (one row per key, never two);
/// ``StoreTransaction/reassign(from:into:at:)`` moves a merged customer's responses to the
/// survivor. Checked by the store conformance kit's `feedback` rule.
public protocol FeedbackTransaction {
    /// The response stored under `key`.
    func feedbackResponse(key: String) throws -> FeedbackResponse?
    /// Stores the response, replacing the one stored under its key.
    func saveFeedbackResponse(_ response: FeedbackResponse) throws
    /// A customer's responses, by when they were first answered (then key).
    func feedbackResponses(of customer: CustomerID) throws -> [FeedbackResponse]
    /// Every response of the kind first answered in `from..<to`, in any order, one at a time:
    /// what reports read, at any size (`Int64.min..<Int64.max` is the whole history).
    func forEachFeedbackResponse(
        _ kind: SurveyKind, from: Int64, to: Int64, _ body: (FeedbackResponse) throws -> Void) throws
    /// The outbox message with this key (what a survey link names), as it is now.
    func outboxMessage(key: String) throws -> OutboxMessage?
    /// The first survey message, in the order given, that one of these provider ids names (the
    /// Message-IDs an email reply answers), `nil` when none does.
    func surveyMessage(providerIDs: [String]) throws -> OutboxMessage?
    /// The survey messages of the kind sent (or delivered) that were planned in `from..<to`,
    /// counted by flow and UTC day (seconds since the epoch / 86,400): what response rates
    /// divide by.
    func forEachSurveyAsked(
        _ kind: SurveyKind, from: Int64, to: Int64,
        _ body: (_ flowID: String, _ day: Int64, _ count: Int) throws -> Void
    ) throws
    /// The SKUs the customer's review survey messages asked about (``OutboxMessage/surveySKUs``),
    /// counting every message not failed, dead or suppressed: each SKU is asked once.
    func reviewSKUsAsked(of customer: CustomerID) throws -> Set<String>
    /// Erasure: the words of the customer's responses go (`text` becomes `nil`); scores stay.
    func eraseFeedbackText(of customer: CustomerID) throws
}
