import Foundation

extension InMemoryStore.Transaction {
    public func feedbackResponse(key: String) throws -> FeedbackResponse? { state.feedback[key] }

    public func saveFeedbackResponse(_ response: FeedbackResponse) throws { state.feedback[response.key] = response }

    public func feedbackResponses(of customer: CustomerID) throws -> [FeedbackResponse] {
        state.feedback.values.filter { $0.customerID == customer }.sorted(by: Self.answerOrder)
    }

    public func outboxMessage(key: String) throws -> OutboxMessage? { state.outbox[key]?.message }

    public func surveyMessage(providerIDs: [String]) throws -> OutboxMessage? {
        providerIDs.lazy.compactMap { id in
            self.state.outbox.values.first { $0.providerID == id && $0.message.survey != nil }?.message
        }.first
    }

    public func forEachSurveyAsked(
        _ kind: SurveyKind, from: Int64, to: Int64, _ body: (String, Int64, Int) throws -> Void
    ) throws {
        var counts: [String: Int] = [:]
        var keys: [String: (String, Int64)] = [:]
        for entry in state.outbox.values {
            let m = entry.message
            guard m.survey == kind, m.plannedAt >= from, m.plannedAt < to, m.status == .sent || m.status == .delivered
            else { continue }
            let day = m.plannedAt / 86_400
            counts["\(m.flowID)\u{1F}\(day)", default: 0] += 1
            keys["\(m.flowID)\u{1F}\(day)"] = (m.flowID, day)
        }
        for (key, count) in counts.sorted(by: { $0.key < $1.key }) {
            try body(keys[key]!.0, keys[key]!.1, count)
        }
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

    public func reviewSKUsAsked(of customer: CustomerID) throws -> Set<String> {
        Set(
            state.outbox.values.lazy.map(\.message).filter {
                $0.customerID == customer && $0.survey == .review
                    && ![.failed, .dead, .suppressed].contains($0.status)
            }.flatMap(\.surveySKUs))
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
