import Foundation

/// Feedback's kernel functions: recording answers and the NPS, CSAT and review reports. Each is
/// one call an app makes, against any store.
public enum FeedbackDesk {
    /// The longest text an answer may carry, in characters.
    public static let mostTextCharacters = 5_000

    /// Checks and stores an answer under its key; the answer's ``FeedbackResponse/orderRef`` and
    /// times are the desk's to set (they are ignored). The score must be within the kind's range, a
    /// review must name a SKU, the text at most ``mostTextCharacters`` (blank text is none). A
    /// second answer under the same key replaces the score and text (text not given keeps the
    /// text before) and keeps when it was first answered: never a second response. A key stored
    /// for another customer or kind is a conflict. A review is verified (its ``FeedbackResponse/orderRef``)
    /// by the customer's latest counting order of the SKU. A new review waits for moderation
    /// (``ReviewModeration/pending``), and so does a review whose score or text a second answer
    /// changes. Returns the stored response and whether it replaced one.
    @discardableResult
    public static func record<S: Store>(_ store: S, _ answer: FeedbackResponse, at now: Int64) throws -> (
        response: FeedbackResponse, replaced: Bool
    ) {
        let (text, sku) = try checked(answer)
        return try store.write { t in try record(in: t, answer, text: text, sku: sku, at: now) }
    }

    /// An answer's score, text and SKU checked as ``record(_:_:at:)`` says; the text and SKU as
    /// they are stored (blank is none).
    static func checked(_ answer: FeedbackResponse) throws -> (text: String?, sku: String?) {
        guard answer.kind.scores.contains(answer.score) else {
            throw PatronError(
                .invalidValue,
                "score: \(answer.score) is out of range for \(answer.kind.rawValue) "
                    + "(\(answer.kind.scores.lowerBound) to \(answer.kind.scores.upperBound))")
        }
        let text = answer.text.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
        if let text, text.count > mostTextCharacters {
            throw PatronError(.invalidValue, "text: \(text.count) characters, at most \(mostTextCharacters)")
        }
        let sku = answer.sku.flatMap { $0.isEmpty ? nil : $0 }
        if answer.kind == .review, sku == nil {
            throw PatronError(.invalidValue, "sku: a review names the SKU it is about")
        }
        guard !answer.key.isEmpty else {
            throw PatronError(.invalidValue, "key: an answer needs the key of what it answers")
        }
        return (text, sku)
    }

    /// ``record(_:_:at:)``'s work inside a transaction, once the answer's fields are checked.
    static func record<T: StoreTransaction>(
        in t: T, _ answer: FeedbackResponse, text: String?, sku: String?, at now: Int64
    )
        throws -> (response: FeedbackResponse, replaced: Bool)
    {
        guard try t.customerExists(answer.customerID) else {
            throw PatronError(.notFound, "no customer \(answer.customerID.rawValue)")
        }
        if var stored = try t.feedbackResponse(key: answer.key) {
            guard stored.customerID == answer.customerID, stored.kind == answer.kind else {
                throw PatronError(
                    .conflict,
                    "'\(answer.key)' is answered already by customer \(stored.customerID.rawValue) "
                        + "(\(stored.kind.rawValue))")
            }
            if stored.kind == .review, stored.score != answer.score || (text != nil && text != stored.text) {
                stored.moderation = .pending
            }
            stored.score = answer.score
            if let text { stored.text = text }
            stored.channel = answer.channel
            stored.updatedAt = max(now, stored.answeredAt)
            try t.saveFeedbackResponse(stored)
            return (stored, true)
        }
        var orderRef: String?
        if answer.kind == .review, let sku {
            let bought = try t.orders(of: answer.customerID).filter {
                $0.status.counts && $0.placedAt <= now && $0.lines.contains { $0.sku == sku }
            }
            if let last = bought.max(by: { ($0.placedAt, $0.ref.id) < ($1.placedAt, $1.ref.id) }) {
                orderRef = "\(last.ref.source):\(last.ref.id)"
            }
        }
        let response = FeedbackResponse(
            key: answer.key, customerID: answer.customerID, kind: answer.kind, score: answer.score, text: text,
            sku: sku, orderRef: orderRef, flowID: answer.flowID, messageID: answer.messageID,
            channel: answer.channel, answeredAt: now)
        try t.saveFeedbackResponse(response)
        return (response, false)
    }

    /// A customer's responses, by when they were first answered.
    public static func responses<S: Store>(_ store: S, of customer: CustomerID) throws -> [FeedbackResponse] {
        try store.read { t in
            guard try t.customerExists(customer) else {
                throw PatronError(.notFound, "no customer \(customer.rawValue)")
            }
            return try t.feedbackResponses(of: customer)
        }
    }

    /// The report of one kind over responses first answered in `from..<to`, with a row per
    /// group (`by`), read in one pass over the responses.
    public static func report<S: Store>(
        _ store: S, kind: SurveyKind, from: Int64, to: Int64, by grouping: FeedbackGrouping = .none
    ) throws -> FeedbackReport {
        var total = FeedbackSummary(group: "all")
        var groups: [FeedbackSummary] = []
        var index: [String: Int] = [:]
        // A month's row per UTC day, found once (formatting a date and hashing its name per
        // response was a third of a report's time).
        var dayRow: [Int64: Int] = [:]
        func row(_ name: String) -> Int {
            if let known = index[name] { return known }
            groups.append(FeedbackSummary(group: name))
            index[name] = groups.count - 1
            return groups.count - 1
        }
        try store.read { t in
            try t.forEachFeedbackResponse(kind, from: from, to: to) { response in
                total.add(response)
                switch grouping {
                case .none: return
                case .month:
                    let at = response.answeredAt
                    let day = at >= 0 ? at / 86_400 : (at - 86_399) / 86_400
                    if let known = dayRow[day] {
                        groups[known].add(response)
                    } else {
                        let found = row(grouping.group(of: response)!)
                        dayRow[day] = found
                        groups[found].add(response)
                    }
                case .flow, .sku: groups[row(grouping.group(of: response)!)].add(response)
                }
            }
            // What response rates divide by: the survey messages sent in the period.
            guard kind != .review else { return }
            try t.forEachSurveyAsked(kind, from: from, to: to) { flow, day, count in
                total.asked += count
                switch grouping {
                case .none, .sku: return
                case .month: groups[row(String(Day(epochSeconds: day * 86_400).description.prefix(7)))].asked += count
                case .flow: groups[row(flow)].asked += count
                }
            }
        }
        return FeedbackReport(
            kind: kind, from: from, to: to, grouping: grouping, total: total,
            groups: groups.sorted { $0.group < $1.group })
    }
}
