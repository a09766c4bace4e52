import Foundation

extension InMemoryStore.Transaction {
    public func feedbackResponse(key: String) throws -> FeedbackResponse? { state.feedback[key] }

    public func saveFeedbackResponse(_ response: FeedbackResponse) throws { state.feedback[response.key] = response }

    public func feedbackResponses(of customer: CustomerID) throws -> [FeedbackResponse] {
        state.feedback.values.filter { $0.customerID == customer }.sorted(by: Self.answerOrder)
    }

    public func forEachFeedbackResponse(
        _ kind: SurveyKind, from: Int64, to: Int64, _ body: (FeedbackResponse) throws -> Void
    ) throws {
        for response in state.feedback.values.filter({
            $0.kind == kind && $0.answeredAt >= from && $0.answeredAt < to
        }).sorted(by: Self.answerOrder) {
            try body(response)
        }
    }

    public func eraseFeedbackText(of customer: CustomerID) throws {
        for (key, response) in state.feedback where response.customerID == customer {
            state.feedback[key]?.text = nil
        }
    }

    static func answerOrder(_ a: FeedbackResponse, _ b: FeedbackResponse) -> Bool {
        (a.answeredAt, a.key) < (b.answeredAt, b.key)
    }
}
