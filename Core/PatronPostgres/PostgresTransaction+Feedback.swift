import Foundation
import PatronCore
import PatronSQL
import PostgresNIO

/// Survey responses (`feedback_responses`), one row per key.
extension PostgresTransaction {
    public func feedbackResponse(key: String) throws -> FeedbackResponse? {
        try session.rows(
            "SELECT \(unescaped: StoredColumns.feedbackColumns) FROM feedback_responses WHERE key = \(key)"
        ).first.map(Self.feedbackResponse)
    }

    public func saveFeedbackResponse(_ response: FeedbackResponse) throws {
        let r = response
        try session.execute(
            """
            INSERT INTO feedback_responses(\(unescaped: StoredColumns.feedbackColumns))
            VALUES (\(r.key), \(r.customerID.rawValue), \(r.kind.rawValue), \(Int64(r.score)), \(r.text), \(r.sku),
                    \(r.orderRef), \(r.flowID), \(r.messageID), \(r.channel), \(r.answeredAt), \(r.updatedAt),
                    \(r.moderation.rawValue))
            ON CONFLICT (key) DO UPDATE SET customer_id = EXCLUDED.customer_id, kind = EXCLUDED.kind,
                score = EXCLUDED.score, text = EXCLUDED.text, sku = EXCLUDED.sku, order_ref = EXCLUDED.order_ref,
                flow_id = EXCLUDED.flow_id, message_id = EXCLUDED.message_id, channel = EXCLUDED.channel,
                answered_at = EXCLUDED.answered_at, updated_at = EXCLUDED.updated_at, moderation = EXCLUDED.moderation
            """)
    }

    public func feedbackResponses(of customer: CustomerID) throws -> [FeedbackResponse] {
        try session.rows(
            """
            SELECT \(unescaped: StoredColumns.feedbackColumns) FROM feedback_responses
            WHERE customer_id = \(customer.rawValue) ORDER BY answered_at, key COLLATE "C"
            """
        ).map(Self.feedbackResponse)
    }

    /// Streamed row by row, in the order the planner reads them.
    public func outboxMessage(key: String) throws -> OutboxMessage? {
        try session.rows("SELECT \(unescaped: PostgresStore.outboxColumns) FROM outbox WHERE key = \(key)").first.map(
            PostgresStore.outboxMessage(from:))
    }

    public func surveyMessage(providerIDs: [String]) throws -> OutboxMessage? {
        guard !providerIDs.isEmpty else { return nil }
        let found = try session.rows(
            """
            SELECT \(unescaped: PostgresStore.outboxColumns), provider_id FROM outbox
            WHERE provider_id = ANY(\(providerIDs)::text[]) AND survey IS NOT NULL
            """
        ).map { (try PostgresStore.outboxMessage(from: $0), try PostgresRowReader($0).text(17)) }
        return providerIDs.lazy.compactMap { id in found.first { $0.1 == id }?.0 }.first
    }

    public func forEachSurveyAsked(
        _ kind: SurveyKind, from: Int64, to: Int64, _ body: (String, Int64, Int) throws -> Void
    ) throws {
        try session.forEachRow(
            """
            SELECT flow_id, planned_at / 86400, count(*) FROM outbox
            WHERE survey = \(kind.rawValue) AND planned_at >= \(from) AND planned_at < \(to)
              AND status IN ('sent', 'delivered')
            GROUP BY 1, 2
            """
        ) { row in
            let r = PostgresRowReader(row)
            try body(try r.text(0), try r.int(1), Int(try r.int(2)))
        }
    }

    public func forEachFeedbackResponse(
        _ kind: SurveyKind, from: Int64, to: Int64, _ body: (FeedbackResponse) throws -> Void
    ) throws {
        try session.forEachRow(
            """
            SELECT \(unescaped: StoredColumns.feedbackColumns) FROM feedback_responses
            WHERE kind = \(kind.rawValue) AND answered_at >= \(from) AND answered_at < \(to)
            """
        ) { row in try body(try Self.feedbackResponse(row)) }
    }

    public func reviewSKUsAsked(of customer: CustomerID) throws -> Set<String> {
        Set(
            try session.rows(
                """
                SELECT survey_skus FROM outbox
                WHERE customer_id = \(customer.rawValue) AND survey = 'review'
                  AND status IN \(unescaped: StoredColumns.outboxReachedStatuses)
                """
            ).flatMap { StoredColumns.decodeSKUs(try PostgresRowReader($0).optionalText(0)) })
    }

    public func eraseFeedbackText(of customer: CustomerID) throws {
        try session.execute("UPDATE feedback_responses SET text = NULL WHERE customer_id = \(customer.rawValue)")
    }

    static func feedbackResponse(_ row: PostgresRow) throws -> FeedbackResponse {
        let r = PostgresRowReader(row)
        guard let kind = SurveyKind(rawValue: try r.text(2)),
            let moderation = ReviewModeration(rawValue: try r.text(12))
        else {
            throw PatronError(.storeFailure, "feedback response '\(try r.text(0))' has an unknown kind or moderation")
        }
        return FeedbackResponse(
            key: try r.text(0), customerID: CustomerID(try r.int(1)), kind: kind, score: Int(try r.int(3)),
            text: try r.optionalText(4), sku: try r.optionalText(5), orderRef: try r.optionalText(6),
            flowID: try r.optionalText(7), messageID: try r.optionalInt(8), channel: try r.text(9),
            answeredAt: try r.int(10), updatedAt: try r.int(11), moderation: moderation)
    }
}
