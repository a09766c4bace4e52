import Foundation

/// The outbox: messages planned by key, claimed by senders, their outcomes and delivery
/// receipts. What ``OutboxSender`` needs, and all it needs.
///
/// An implementer keeps, and the store conformance kit checks:
/// - a key is in the outbox once: enqueuing it again changes nothing;
/// - a claim marks messages `sending` and counts the attempt, so a second claim does not take
///   them again — unless the claim is older than `staleBefore` (its sender died);
/// - an outcome changes a message only while it is `sending` at the attempt the outcome names:
///   the late answer of a sender whose claim was taken over changes nothing;
/// - a receipt for a provider id no message has yet is kept and applied when a `sent` outcome
///   names that id (gateways answer before senders write); a final status is never undone.
public protocol OutboxStore: Sendable {
    /// Adds messages as `planned` (ids are the store's); a key already in the outbox is left alone.
    func enqueue(_ messages: [OutboxMessage]) async throws
    /// Claims up to `limit` messages on `channels` due by `now` (planned, or sending but claimed
    /// before `staleBefore`: a sender that died): marks them sending, counts the attempt, and
    /// returns them with their customers as they are now, in id order. Messages on other
    /// channels wait.
    func claimOutbox(channels: [ConsentChannel], now: Int64, staleBefore: Int64, limit: Int) async throws -> [(
        OutboxMessage, CustomerRecord?
    )]
    /// Records what became of sends, in one transaction.
    func recordOutcomes(_ outcomes: [SendOutcome]) async throws
    /// A delivery receipt: the message with this provider id is now `status`. `false` when no
    /// message has that id (yet: the receipt is kept).
    func recordDelivery(providerID: String, status: DeliveryStatus, error: String?, at: Int64) async throws -> Bool
    /// The messages with these keys, as they are now (unknown keys are left out).
    func outboxMessages(keys: [String]) async throws -> [OutboxMessage]
    /// What a bare-score reply at `now` answers: the customer's newest NPS or CSAT survey message
    /// on `channel` that was sent (or delivered), planned at or before `now` and still taking
    /// answers (``OutboxMessage/surveyUntil`` at or after `now`; a message stored without one
    /// takes them for ``SurveyStep/defaultValidSeconds`` after it was planned). Review surveys are
    /// never what a bare score answers.
    func latestSurveyMessage(to customer: CustomerID, channel: ConsentChannel, openAt now: Int64) async throws
        -> OutboxMessage?
}

/// Named leases with an expiry: how scheduler instances agree that one of them works.
///
/// An implementer keeps: one holder per name at a time; the holder renews; anyone takes an
/// expired lease; only the holder releases.
public protocol LeaseStore: Sendable {
    /// Takes or renews the named lease for `holder` until `now + seconds`; `false` while another
    /// holder's lease is unexpired.
    func acquireLease(_ name: String, holder: String, now: Int64, seconds: Int64) async throws -> Bool
    /// Gives the lease up, if `holder` has it.
    func releaseLease(_ name: String, holder: String) async throws
}
