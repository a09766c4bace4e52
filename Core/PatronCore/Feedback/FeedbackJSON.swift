import Foundation

/// The JSON the CLI (`--format json`) and the API (`/v1/feedback/…`) print: one shape for both.
extension FeedbackReport {
    /// `{"kind", "total": {…}, "by", "groups": [{"group", …}]}` (`by` and `groups` when grouped);
    /// a rate with no responses is `null`.
    public func jsonObject() -> [String: Any] {
        func row(_ summary: FeedbackSummary) -> [String: Any] {
            var object: [String: Any] = ["responses": summary.responses, "average": summary.average ?? NSNull()]
            switch kind {
            case .nps:
                object["promoters"] = summary.promoters
                object["passives"] = summary.passives
                object["detractors"] = summary.detractors
                object["nps"] = summary.nps ?? NSNull()
                object["asked"] = summary.asked
                object["response_rate"] = summary.responseRate ?? NSNull()
            case .csat:
                object["satisfied"] = summary.satisfied
                object["csat"] = summary.csat ?? NSNull()
                object["asked"] = summary.asked
                object["response_rate"] = summary.responseRate ?? NSNull()
            case .review:
                object["verified"] = summary.verified
                object["with_text"] = summary.withText
            }
            return object
        }
        var object: [String: Any] = ["kind": kind.rawValue, "total": row(total)]
        if grouping != .none {
            object["by"] = grouping.rawValue
            object["groups"] = groups.map { summary in row(summary).merging(["group": summary.group]) { a, _ in a } }
        }
        return object
    }

    public func json() throws -> String { try FeedbackResponse.text(jsonObject()) }
}

extension FeedbackResponse {
    /// One answer as JSON: key, kind, score, text, sku, order, flow, message_id, channel, the
    /// two times (RFC 3339) and a review's moderation; what is absent is `null`.
    public var jsonObject: [String: Any] {
        [
            "key": key, "kind": kind.rawValue, "score": score, "text": text ?? NSNull(), "sku": sku ?? NSNull(),
            "order": orderRef ?? NSNull(), "flow": flowID ?? NSNull(), "message_id": messageID ?? NSNull(),
            "channel": channel, "answered_at": Timestamp.format(answeredAt),
            "updated_at": Timestamp.format(updatedAt), "moderation": moderation.rawValue,
        ]
    }

    /// Answers as a JSON array.
    public static func json(_ responses: [FeedbackResponse]) throws -> String { try text(responses.map(\.jsonObject)) }

    static func text(_ value: Any) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
