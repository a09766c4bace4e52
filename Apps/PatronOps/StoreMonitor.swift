import Foundation
import Logging
import NIOConcurrencyHelpers
import PatronCore
import ServiceLifecycle

/// Watches the store for `patron-api` and `patron-scheduler`: reads its vitals every `interval`
/// while it answers and, once it does not, again after a growing wait (``Backoff``), logging
/// each failure with the wait and the recovery with the time it was down; `/health` and
/// `/metrics` answer from what it last saw (checking again when that is older than `maxAge`).
///
/// The store's own connections reconnect on the next use; the monitor is how operators see an
/// outage and its end, and how a process finds out without waiting for a request.
public final class StoreMonitor: Service, Sendable {
    /// What the monitor last saw.
    public struct State: Sendable, Hashable {
        /// Whether the last check got an answer.
        public var reachable: Bool
        /// When the last check ran (epoch seconds), 0 before the first.
        public var checkedAt: Int64
        /// Since when the store has been (un)reachable (epoch seconds).
        public var since: Int64
        /// Consecutive failed checks.
        public var failures: Int
        /// The last failure's message while unreachable.
        public var error: String?
        /// The wait before the next check while unreachable.
        public var retryIn: Duration?
        /// The vitals of the last check that got an answer.
        public var vitals: StoreVitalsReport?
    }

    let store: any StoreVitals
    let interval: Duration
    let maxAge: Int64
    let backoff: Backoff
    let logger: Logger
    let gauges: StoreGauges
    let clock: @Sendable () -> Int64
    private let state: NIOLockedValueBox<State>

    public init(
        store: any StoreVitals, interval: Duration = .seconds(15), maxAge: Int64 = 5, backoff: Backoff = Backoff(),
        logger: Logger, gauges: StoreGauges = StoreGauges(),
        clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) {
        self.store = store
        self.interval = interval
        self.maxAge = maxAge
        self.backoff = backoff
        self.logger = logger
        self.gauges = gauges
        self.clock = clock
        state = NIOLockedValueBox(State(reachable: true, checkedAt: 0, since: clock(), failures: 0))
    }

    /// What the monitor last saw, checking first when that is older than `maxAge` seconds.
    public func current() async -> State {
        let seen = state.withLockedValue { $0 }
        if seen.checkedAt > 0, clock() - seen.checkedAt < maxAge { return seen }
        return await check()
    }

    /// Reads the store's vitals now, records them (gauges, state) and logs a change.
    @discardableResult
    public func check() async -> State {
        let now = clock()
        do {
            let vitals = try await store.vitals(now: now)
            gauges.record(vitals)
            let before = state.withLockedValue { state in
                defer {
                    if !state.reachable { state.since = now }
                    state.reachable = true
                    state.checkedAt = now
                    state.failures = 0
                    state.error = nil
                    state.retryIn = nil
                    state.vitals = vitals
                }
                return state
            }
            if !before.reachable {
                logger.notice(
                    "store reachable again",
                    metadata: [
                        "failed_checks": "\(before.failures)", "down_seconds": "\(now - before.since)",
                        "engine": "\(vitals.engine)",
                    ])
            }
        } catch {
            gauges.recordDown()
            let after = state.withLockedValue { state in
                if state.reachable { state.since = now }
                state.reachable = false
                state.checkedAt = now
                state.failures += 1
                state.error = "\(error)"
                state.retryIn = backoff.delay(afterFailures: state.failures)
                return state
            }
            let wait = after.retryIn.map { "\($0.components.seconds)" } ?? "0"
            let metadata: Logger.Metadata = [
                "error": "\(error)", "failed_checks": "\(after.failures)", "retry_in_seconds": "\(wait)",
            ]
            if after.failures == 1 {
                logger.error("store unreachable", metadata: metadata)
            } else {
                logger.warning("store still unreachable", metadata: metadata)
            }
        }
        return state.withLockedValue { $0 }
    }

    /// Checks every `interval`, or after the backoff's wait while the store does not answer
    /// (whoever ran the last check: a `/health` request that found the store gone starts the
    /// backoff too), until graceful shutdown.
    public func run() async throws {
        while !Task.isShuttingDownGracefully {
            let seen = state.withLockedValue { $0 }
            let wait = seen.reachable ? interval : (seen.retryIn ?? interval)
            if seen.checkedAt == 0 || clock() >= seen.checkedAt + wait.components.seconds {
                await check()
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
            } catch {
                return
            }
        }
    }

    /// `/health`: 200 with the store's state and vitals while it answers, 503 with the error,
    /// the failed checks and the wait before the next one while it does not.
    public func health(service: String) async -> (ok: Bool, json: String) {
        let seen = await current()
        // Rendered once per check: `/health` is asked far more often than the store is checked.
        if let (state, name, json) = rendered.withLockedValue({ $0 }), state == seen, name == service {
            return (seen.reachable, json)
        }
        let json = Self.render(seen, service: service)
        rendered.withLockedValue { $0 = (seen, service, json) }
        return (seen.reachable, json)
    }

    private let rendered = NIOLockedValueBox<(State, String, String)?>(nil)

    static func render(_ seen: State, service: String) -> String {
        var store: [String: Any] = [
            "reachable": seen.reachable, "checked_at": seen.checkedAt, "since": seen.since,
            "failed_checks": seen.failures,
        ]
        if let error = seen.error { store["error"] = error }
        if let wait = seen.retryIn { store["retry_in_seconds"] = wait.components.seconds }
        var object: [String: Any] = ["status": seen.reachable ? "ok" : "unavailable", "service": service]
        if let vitals = seen.vitals {
            store["engine"] = vitals.engine
            if let pool = vitals.connections {
                store["connections"] = ["size": pool.size, "in_use": pool.inUse, "waiting": pool.waiting]
            }
            object["outbox"] = Dictionary(
                uniqueKeysWithValues: OutboxMessage.Status.allCases.map { ($0.rawValue, vitals.outbox($0)) })
            object["leases"] = vitals.leases.map {
                ["name": $0.name, "holder": $0.holder, "expires_at": $0.expiresAt] as [String: Any]
            }
        }
        object["store"] = store
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
