import Foundation
import Synchronization

/// A figure that is costly to compute over the whole store (the retention metrics, an RFM run),
/// kept for `maxAge` seconds for one as-of day and then recomputed in the background while the
/// kept one is served: a page reads it in microseconds, not in the seconds a 1,000,000-customer
/// scan takes. A new day, or nothing kept yet, computes in the request (once: requests that come
/// meanwhile await the same computation).
package final class RefreshingFigure<Value: Sendable>: Sendable {
    package struct Kept: Sendable {
        package var day: Int64
        package var computedAt: Double
        package var value: Value
    }

    private struct State {
        var kept: Kept?
        /// A computation in a request, which other requests for the same day await.
        var pending: (day: Int64, task: Task<Kept, any Error>)?
        var refreshing = false
        /// Moved on by ``forget()``: a refresh begun before it does not bring the old figure back.
        var generation = 0
    }

    /// What a request does: serve the kept figure (starting a refresh or not), or await a
    /// computation.
    private enum Next {
        case kept(Kept, refresh: Bool, generation: Int)
        case wait(Task<Kept, any Error>)
    }

    private let state = Mutex(State())
    package let maxAge: Double
    package let clock: @Sendable () -> Double

    package init(maxAge: Double = 60, clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.maxAge = maxAge
        self.clock = clock
    }

    /// The figure for `day`, with when it was computed.
    /// `executor`: where the computation runs (the blocking executor when the store waits on a
    /// server, so a whole-store scan never holds Swift's cooperative threads).
    package func value(
        day: Int64, executor: (any TaskExecutor)? = nil, compute: @escaping @Sendable () async throws -> Value
    ) async throws -> Kept {
        let now = clock()
        let next = state.withLock { state -> Next in
            if let kept = state.kept, kept.day == day {
                if now - kept.computedAt < maxAge || state.refreshing {
                    return .kept(kept, refresh: false, generation: state.generation)
                }
                state.refreshing = true
                return .kept(kept, refresh: true, generation: state.generation)
            }
            if let pending = state.pending, pending.day == day { return .wait(pending.task) }
            let clock = clock
            let task = Task(executorPreference: executor) {
                Kept(day: day, computedAt: clock(), value: try await compute())
            }
            state.pending = (day, task)
            return .wait(task)
        }
        switch next {
        case .kept(let kept, let refresh, let generation):
            if refresh {
                Task(executorPreference: executor, priority: .utility) { [self] in
                    let fresh = try? await compute()
                    state.withLock { state in
                        state.refreshing = false
                        // (only over the figure it refreshes: not a new day's, not after forget())
                        if let fresh, state.generation == generation, state.kept?.day == day {
                            state.kept = Kept(day: day, computedAt: clock(), value: fresh)
                        }
                    }
                }
            }
            return kept
        case .wait(let task):
            do {
                let fresh = try await task.value
                state.withLock { state in
                    if state.pending?.day == day { state.pending = nil }
                    if (state.kept?.computedAt ?? 0) < fresh.computedAt || state.kept?.day != day { state.kept = fresh }
                }
                return fresh
            } catch {
                state.withLock { state in if state.pending?.day == day { state.pending = nil } }
                throw error
            }
        }
    }

    /// Forgets the kept figure (after a change the page must show at once).
    package func forget() {
        state.withLock { state in
            state.kept = nil
            state.generation += 1
        }
    }
}
