import Foundation

/// Sends what the outbox holds through the channels, with bounded concurrency.
///
/// Each round claims due messages (marking them `sending` in the store before anything goes
/// out), re-checks consent, sends, and records every outcome: accepted → `sent`; a transient
/// failure → `planned` again after ``RetryPolicy`` backoff with jitter, or `dead` after the
/// last attempt; a permanent one → `failed` with the reason. A sender that dies leaves its
/// messages `sending`; once their claim is stale they are sent again with the same key.
public struct OutboxSender<S: CampaignStore>: Sendable {
    public let store: S
    public let channels: [ConsentChannel: any ChannelConnector]
    public var retry: RetryPolicy
    /// Sends in flight at once.
    public var concurrency: Int
    /// Messages claimed per round.
    public var batchSize: Int
    /// A `sending` claim older than this is taken over (its sender is presumed dead).
    public var claimTimeoutSeconds: Int64
    let jitter: @Sendable () -> Double

    public init(
        store: S, channels: [ConsentChannel: any ChannelConnector], retry: RetryPolicy = RetryPolicy(),
        concurrency: Int = 32, batchSize: Int = 256, claimTimeoutSeconds: Int64 = 120,
        jitter: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }
    ) {
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
    public func round(now: @escaping @Sendable () -> Int64) async throws -> RoundReport {
        let claimed = try store.claimOutbox(
            channels: channels.keys.sorted { $0.rawValue < $1.rawValue }, now: now(),
            staleBefore: now() - claimTimeoutSeconds, limit: batchSize)
        var report = RoundReport()
        report.claimed = claimed.count
        guard !claimed.isEmpty else { return report }
        var outcomes: [SendOutcome] = []
        var toSend: [OutboxMessage] = []
        for (message, customer) in claimed {
            if let customer, customer.erasedAt == nil,
                ContactPolicy.consentAllows(customer.consent[message.channel].status, on: message.channel)
            {
                toSend.append(message)
            } else {
                let status = customer?.consent[message.channel].status.rawValue ?? "gone"
                outcomes.append(
                    SendOutcome(
                        id: message.id,
                        result: .suppressed("no consent at send time: \(message.channel.rawValue) is \(status)"),
                        at: now()))
            }
        }
        let results = await withTaskGroup(of: SendOutcome.self, returning: [SendOutcome].self) { group in
            var iterator = toSend.makeIterator()
            var inFlight = 0
            var out: [SendOutcome] = []
            while inFlight < concurrency, let next = iterator.next() {
                group.addTask { await send(next, now: now) }
                inFlight += 1
            }
            while let done = await group.next() {
                out.append(done)
                if let next = iterator.next() { group.addTask { await send(next, now: now) } }
            }
            return out
        }
        outcomes += results
        for outcome in outcomes {
            switch outcome.result {
            case .sent: report.sent += 1
            case .retry: report.retried += 1
            case .failed: report.failed += 1
            case .dead: report.dead += 1
            case .suppressed: report.suppressed += 1
            }
        }
        try store.recordOutcomes(outcomes)
        return report
    }

    func send(_ message: OutboxMessage, now: @escaping @Sendable () -> Int64) async -> SendOutcome {
        guard let channel = channels[message.channel] else {
            return SendOutcome(
                id: message.id, result: .failed("no \(message.channel.rawValue) channel configured"), at: now())
        }
        do {
            let receipt = try await channel.send(message.outbound)
            return SendOutcome(
                id: message.id, result: .sent(providerID: receipt.providerMessageID, status: receipt.status), at: now())
        } catch {
            let at = now()
            guard error.isRetryable else {
                return SendOutcome(id: message.id, result: .failed(error.description), at: at)
            }
            // `attempts` already counts this one (the claim counted it).
            if message.attempts >= retry.maxAttempts {
                return SendOutcome(
                    id: message.id, result: .dead("\(message.attempts) attempts; last: \(error.description)"), at: at)
            }
            let delay = retry.delay(afterAttempt: message.attempts, jitter: jitter())
            return SendOutcome(
                id: message.id, result: .retry(at: at + Int64(delay.rounded(.up)), error: error.description), at: at)
        }
    }
}

extension ContactPolicy {
    /// Whether a consent status lets marketing go out on the channel: SMS needs an opt-in;
    /// email needs only that the address was not revoked, bounced or complained about.
    public static func consentAllows(_ status: ConsentStatus, on channel: ConsentChannel) -> Bool {
        channel == .sms ? status == .granted : status == .granted || status == .unknown
    }
}
