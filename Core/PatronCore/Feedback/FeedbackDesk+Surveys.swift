import Foundation

extension FeedbackDesk {
    /// A survey link's survey, once the app has checked the link's signature: the link must be
    /// unexpired at `now` and its message in the outbox for its customer (or for the survivor
    /// of a merge of that customer), asking its kind.
    /// Throws `.forbidden` for an expired link, `.notFound` for a message that is not (or no
    /// longer) there.
    public static func survey<S: Store>(_ store: S, _ token: SurveyToken, at now: Int64) throws -> OpenSurvey {
        try store.read { t in try open(in: t, token, at: now) }
    }

    /// Records the answer a customer gives on a survey link, in one transaction with the checks
    /// of ``survey(_:_:at:)``: an NPS or CSAT answer under `message:ID` (the survey message), a
    /// review under the customer's SKU (``FeedbackResponse/reviewKey(customer:sku:)``); a second
    /// answer replaces the first (``record(_:_:at:)``). Returns the survey with the answer.
    @discardableResult
    public static func answer<S: Store>(
        _ store: S, _ token: SurveyToken, score: Int, text: String?, channel: String, at now: Int64
    ) throws -> (survey: OpenSurvey, response: FeedbackResponse, replaced: Bool) {
        let answer = FeedbackResponse(
            key: token.messageKey, customerID: token.customerID, kind: token.kind, score: score, text: text,
            sku: token.sku,
            channel: channel)
        let (words, sku) = try checked(answer)
        return try store.write { t in
            var survey = try open(in: t, token, at: now)
            var keyed = answer
            keyed.key = survey.key
            keyed.customerID = survey.message.customerID
            keyed.flowID = survey.message.flowID
            keyed.messageID = survey.message.id
            let (response, replaced) = try record(in: t, keyed, text: words, sku: sku, at: now)
            survey.current = response
            return (survey, response, replaced)
        }
    }

    static func open<T: StoreTransaction>(in t: T, _ token: SurveyToken, at now: Int64) throws -> OpenSurvey {
        guard now <= token.expiresAt else {
            throw PatronError(.forbidden, "this survey closed on \(Timestamp.format(token.expiresAt))")
        }
        // The link names the customer it was sent to. A merge since moved the message to the
        // survivor and deleted the merged record (an erasure keeps its record, marked): such a
        // link answers for the survivor.
        guard let message = try t.outboxMessage(key: token.messageKey), message.survey == token.kind,
            let owner = try t.customer(message.customerID), owner.erasedAt == nil,
            try message.customerID == token.customerID || t.customer(token.customerID) == nil
        else { throw PatronError(.notFound, "the survey this link answers is not there any more") }
        if token.kind == .review, token.sku == nil {
            throw PatronError(.invalidValue, "sku: a review link names the SKU it is about")
        }
        var key = "message:\(message.id)"
        if let sku = token.sku {
            // A review answered before the merge keeps its key (responses move, keys stay): the
            // old link replaces it rather than adding a second review of the SKU.
            let linked = FeedbackResponse.reviewKey(customer: token.customerID, sku: sku)
            let keepsLinked = try token.customerID == owner.id || t.feedbackResponse(key: linked) != nil
            key = keepsLinked ? linked : FeedbackResponse.reviewKey(customer: owner.id, sku: sku)
        }
        return OpenSurvey(token: token, message: message, key: key, current: try t.feedbackResponse(key: key))
    }

    /// Records a reply that is a bare score (``SurveyReply/score(in:)``) as the answer to the
    /// customer's newest NPS or CSAT survey message on `channel` still taking answers (its step's
    /// `valid_for`; ``OutboxStore/latestSurveyMessage(to:channel:openAt:)``). Returns `nil`,
    /// recording nothing, when the reply is not a score, there is no such message, or the score
    /// is out of that survey's range: such a reply is not guessed at.
    public static func answerReply<S: Store & OutboxStore>(
        _ store: S, customer: CustomerID, channel: ConsentChannel, text: String, at now: Int64
    ) async throws -> FeedbackResponse? {
        guard SurveyReply.score(in: text) != nil,
            let message = try await store.latestSurveyMessage(to: customer, channel: channel, openAt: now),
            let kind = message.survey, kind != .review, let score = SurveyReply.score(in: text, for: kind)
        else { return nil }
        return try record(
            store,
            FeedbackResponse(
                key: "message:\(message.id)", customerID: customer, kind: kind, score: score, flowID: message.flowID,
                messageID: message.id, channel: channel.rawValue),
            at: now
        ).response
    }
}

/// A survey a link opens: its message, the key its answer is stored under, and the answer
/// given so far.
public struct OpenSurvey: Sendable {
    public var token: SurveyToken
    public var message: OutboxMessage
    public var key: String
    public var current: FeedbackResponse?
}

/// Reads a reply to a survey message as a score, or not at all.
public enum SurveyReply {
    /// The score a reply is, when the whole reply is one: a number (`9`, ` 10 `), optionally
    /// `/10` or `/5`, `stars`, `star`, `points` or a closing `.` or `!` (`5 stars`, `8/10`).
    /// Anything else (`9 but slow`, `STOP`, `nine`) is `nil`.
    ///
    /// In a mail, what counts is the reply above the quoted message: the lines before the first
    /// one that starts with `>`, reads `On … wrote:`, or opens a signature (`-- `) or a forwarded
    /// or original message (`-----`); they must hold one non-blank line, a score.
    public static func score(in text: String) -> Int? { parse(text)?.score }

    /// The score a reply gives a survey of `kind`: within its range, and on its scale when the
    /// reply names one (`3/5` or `5 stars` is not an NPS answer, `8/10` not a CSAT one).
    public static func score(in text: String, for kind: SurveyKind) -> Int? {
        guard let (score, scale) = parse(text), kind.scores.contains(score) else { return nil }
        return scale == nil || scale == kind.scores.upperBound ? score : nil
    }

    /// The number and the scale it names (10, 5 or none).
    static func parse(_ text: String) -> (score: Int, scale: Int?)? {
        var rest = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        while let last = rest.last, last == "." || last == "!" { rest.removeLast() }
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 2, let score = Int(digits) else { return nil }
        let tail = rest.dropFirst(digits.count).trimmingCharacters(in: .whitespaces)
        switch tail {
        case "", "points": return (score, nil)
        case "/10", "/ 10", "of 10", "out of 10": return (score, 10)
        case "/5", "/ 5", "star", "stars", "of 5", "out of 5": return (score, 5)
        default: return nil
        }
    }

    /// The score an email reply is (see ``score(in:)``): the reply's own lines, above what it
    /// quotes, must be one score.
    public static func score(inMail body: String) -> Int? { replyLine(body).flatMap { score(in: $0) } }

    /// ``score(inMail:)`` for a survey of `kind` (its range and scale, as ``score(in:for:)``).
    public static func score(inMail body: String, for kind: SurveyKind) -> Int? {
        replyLine(body).flatMap { score(in: $0, for: kind) }
    }

    /// The one non-blank line of a mail's own reply, above what it quotes.
    static func replyLine(_ body: String) -> String? {
        var lines: [Substring] = []
        for line in body.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix(">") || trimmed.hasPrefix("-----") || line == "-- " || line == "--"
                || (trimmed.hasPrefix("On ") && trimmed.hasSuffix("wrote:"))
            {
                break
            }
            if !trimmed.isEmpty { lines.append(line) }
        }
        return lines.count == 1 ? String(lines[0]) : nil
    }
}
