import Foundation

/// Sends what the outbox holds through the channels, with bounded concurrency.
///
/// Each round claims due messages (marking them `sending` in the store before anything goes
/// out), re-checks consent, sends, and records every outcome: accepted → `sent`; a transient
/// failure → `planned` again after ``RetryPolicy`` backoff with jitter, or `dead` after the
/// last attempt; a permanent one → `failed` with the reason. A sender that dies leaves its
/// messages `sending`; once their claim is stale they are sent again with the same key.
public struct OutboxSender<S: OutboxStore>: Sendable {
    public let store: S
    public let channels: [ConsentChannel: any ChannelConnector]
    public var retry: RetryPolicy
    /// Sends in flight at once.
    public var concurrency: Int
    /// Messages claimed per round.
    public var batchSize: Int
    /// A `sending` claim older than this is taken over (its sender is presumed dead).
    public var claimTimeoutSeconds: Int64
    /// Quiet hours are checked again at send time.
    public var policy: ContactPolicy
    /// Outcomes are written this many at a time.
    public var writeEvery = 16
    /// Told of a message whose address the channel says cannot be reached (a push subscription
    /// that is gone), so the address can be dropped; the message itself is `failed`.
    public var onUnreachable: (@Sendable (OutboxMessage) async -> Void)?
    let jitter: @Sendable () -> Double

    public init(
        store: S, channels: [ConsentChannel: any ChannelConnector], retry: RetryPolicy = RetryPolicy(),
        concurrency: Int = 32, batchSize: Int = 256, claimTimeoutSeconds: Int64 = 120,
        policy: ContactPolicy = ContactPolicy(), jitter: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }
    ) {
        self.policy = policy
        self.store = store
        self.channels = channels
        self.retry = retry
        self.concurrency = concurrency
        self.batchSize = batchSize
        self.claimTimeoutSeconds = claimTimeoutSeconds
        self.jitter = jitter
    }

    /// What one round did.
    public struct RoundReport: Hashable, Sendable {
        public var claimed = 0
        public var sent = 0
        public var retried = 0
        public var failed = 0
        public var dead = 0
        public var suppressed = 0
        public init() {}
    }

    /// Claims and sends one batch of due messages; `claimed == 0` when nothing is due.
    ///
    /// Outcomes are written as they come, a few at a time (`writeEvery`), so a sender killed in
    /// the middle of a round leaves only its last few sends unrecorded. A message whose customer
    /// withdrew consent is suppressed; one that would now land in the customer's quiet hours
    /// (a retry, a backlog) waits for the next allowed minute without counting an attempt.
    public func round(now: @escaping @Sendable () -> Int64) async throws -> RoundReport {
        let claimed = try await store.claimOutbox(
            channels: channels.keys.sorted { $0.rawValue < $1.rawValue }, now: now(),
            staleBefore: now() - claimTimeoutSeconds, limit: batchSize)
        var report = RoundReport()
        report.claimed = claimed.count
        guard !claimed.isEmpty else { return report }
        var pending: [SendOutcome] = []
        func record(_ outcome: SendOutcome) async throws {
            switch outcome.result {
            case .sent: report.sent += 1
            case .retry, .deferred: report.retried += 1
            case .failed: report.failed += 1
            case .dead: report.dead += 1
            case .suppressed: report.suppressed += 1
            }
            pending.append(outcome)
            if pending.count >= writeEvery {
                try await store.recordOutcomes(pending)
                pending.removeAll(keepingCapacity: true)
            }
        }
        var toSend: [OutboxMessage] = []
        for (message, customer) in claimed {
            guard let customer, customer.erasedAt == nil,
                policy.consentAllows(customer, on: message.channel)
            else {
                let status = customer?.consent[message.channel].status.rawValue ?? "gone"
                try await record(
                    SendOutcome(
                        id: message.id,
                        result: .suppressed("no consent at send time: \(message.channel.rawValue) is \(status)"),
                        at: now(), attempt: message.attempts))
                continue
            }
            if let until = policy.quietUntil(now(), zone: customer.timeZone) {
                try await record(
                    SendOutcome(id: message.id, result: .deferred(until: until), at: now(), attempt: message.attempts))
                continue
            }
            toSend.append(message)
        }
        try await withThrowingTaskGroup(of: SendOutcome.self) { group in
            var iterator = toSend.makeIterator()
            for _ in 0..<max(1, concurrency) {
                guard let next = iterator.next() else { break }
                group.addTask { await send(next, now: now) }
            }
            while let done = try await group.next() {
                try await record(done)
                if let next = iterator.next() { group.addTask { await send(next, now: now) } }
            }
        }
        if !pending.isEmpty { try await store.recordOutcomes(pending) }
        return report
    }

    func send(_ message: OutboxMessage, now: @escaping @Sendable () -> Int64) async -> SendOutcome {
        func outcome(_ result: SendOutcome.Result) -> SendOutcome {
            SendOutcome(id: message.id, result: result, at: now(), attempt: message.attempts)
        }
        guard let channel = channels[message.channel] else {
            return outcome(.failed("no \(message.channel.rawValue) channel configured"))
        }
        do {
            let receipt = try await channel.send(message.outbound)
            return outcome(.sent(providerID: receipt.providerMessageID, status: receipt.status))
        } catch {
            if error.code == .invalidRecipient { await onUnreachable?(message) }
            guard error.isRetryable else { return outcome(.failed(error.description)) }
            // `attempts` already counts this one (the claim counted it).
            if message.attempts >= retry.maxAttempts {
                return outcome(.dead("\(message.attempts) attempts; last: \(error.description)"))
            }
            let delay = retry.delay(afterAttempt: message.attempts, jitter: jitter())
            return outcome(.retry(at: now() + Int64(delay.rounded(.up)), error: error.description))
        }
    }
}
