import Foundation

/// A message in the outbox: planned by a tick, then claimed and sent by the sender, then
/// confirmed by the gateway's delivery receipt.
///
/// The key is unique in the outbox: planning the same message twice stores it once, and the
/// sender passes the key to the channel so a send retried after a crash is not a second
/// message where the provider honours it.
public struct OutboxMessage: Hashable, Sendable {
    public enum Status: String, Hashable, Sendable, CaseIterable {
        /// Waiting to be sent (again, after a transient failure) at ``OutboxMessage/nextAttemptAt``.
        case planned
        /// Claimed by a sender; its outcome is not recorded yet.
        case sending
        /// The channel accepted it.
        case sent
        /// The gateway confirmed delivery.
        case delivered
        /// Not deliverable: a permanent error, or the gateway reported it undelivered.
        case failed
        /// Transient failures on every attempt: given up, kept for an operator.
        case dead
        /// Not sent after all: the customer withdrew consent (or was erased) after planning.
        case suppressed
    }

    public var id: Int64
    public var key: String
    public var flowID: String
    public var step: Int
    public var customerID: CustomerID
    public var channel: ConsentChannel
    public var recipient: String
    public var subject: String?
    public var body: String
    public var status: Status
    /// Sends tried so far.
    public var attempts: Int
    public var plannedAt: Int64
    public var nextAttemptAt: Int64
    public var lastError: String?
    /// What the message asks when a survey step sent it: replies to it can be answers.
    public var survey: SurveyKind?
    /// The last time a survey message's answers are taken (its links', and replies to it).
    public var surveyUntil: Int64?
    /// The SKUs a review survey asks about (each is asked of a customer once).
    public var surveySKUs: [String]

    public init(
        id: Int64 = 0, key: String, flowID: String, step: Int, customerID: CustomerID, channel: ConsentChannel,
        recipient: String, subject: String?, body: String, status: Status = .planned, attempts: Int = 0,
        plannedAt: Int64, nextAttemptAt: Int64, lastError: String? = nil, survey: SurveyKind? = nil,
        surveyUntil: Int64? = nil, surveySKUs: [String] = []
    ) {
        self.id = id
        self.key = key
        self.flowID = flowID
        self.step = step
        self.customerID = customerID
        self.channel = channel
        self.recipient = recipient
        self.subject = subject
        self.body = body
        self.status = status
        self.attempts = attempts
        self.plannedAt = plannedAt
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.survey = survey
        self.surveyUntil = surveyUntil
        self.surveySKUs = surveySKUs
    }

    /// The message as a channel takes it.
    public var outbound: OutboundMessage {
        OutboundMessage(idempotencyKey: key, customerID: customerID, recipient: recipient, subject: subject, body: body)
    }
}

/// What became of one send attempt, as the sender records it.
public struct SendOutcome: Hashable, Sendable {
    public enum Result: Hashable, Sendable {
        case sent(providerID: String, status: DeliveryStatus)
        /// Try again at this time.
        case retry(at: Int64, error: String)
        case failed(String)
        case dead(String)
        case suppressed(String)
        /// Quiet hours at send time: planned again for this time, the attempt not counted.
        case deferred(until: Int64)
    }
    public var id: Int64
    public var result: Result
    public var at: Int64
    /// The claim it answers (the message's attempt count when claimed): the outcome of a claim
    /// that was since taken over is ignored.
    public var attempt: Int
    public init(id: Int64, result: Result, at: Int64, attempt: Int) {
        self.id = id
        self.result = result
        self.at = at
        self.attempt = attempt
    }
}

/// When to try a message again after a transient failure: exponential backoff with full jitter
/// (`base · 2^(attempt−1)`, capped, times a random factor in [0.5, 1]).
public struct RetryPolicy: Hashable, Sendable {
    public var baseSeconds: Double
    public var capSeconds: Double
    /// After this many attempts a transiently failing message is dead-lettered.
    public var maxAttempts: Int

    public init(baseSeconds: Double = 30, capSeconds: Double = 3_600, maxAttempts: Int = 6) {
        self.baseSeconds = baseSeconds
        self.capSeconds = capSeconds
        self.maxAttempts = maxAttempts
    }

    /// The delay before attempt `attempts + 1`, with `jitter` in [0, 1].
    public func delay(afterAttempt attempts: Int, jitter: Double) -> Double {
        let raw = min(capSeconds, baseSeconds * pow(2, Double(max(0, attempts - 1))))
        return raw * (0.5 + 0.5 * min(1, max(0, jitter)))
    }
}
