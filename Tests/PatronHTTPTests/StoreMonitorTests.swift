import Foundation
import Logging
import PatronCore
import PatronOps
import Testing

/// The store monitor alone, over a store that fails on demand: consecutive failures back off
/// 1, 2, 4 … 30 s, `/health` turns 503 with the error and back to 200, and the recovery resets it.
@Suite struct StoreMonitorTests {
    /// A store whose vitals fail while `down` is set.
    // @unchecked Sendable: `isDown` is only touched while `lock` is held.
    final class SwitchableStore: StoreVitals, @unchecked Sendable {
        private let lock = NSLock()
        private var isDown = false
        var down: Bool {
            get { lock.withLock { isDown } }
            set { lock.withLock { isDown = newValue } }
        }
        func vitals(now: Int64) throws -> StoreVitalsReport {
            if down { throw PatronError(.storeUnavailable, "db.example: cannot connect: refused") }
            return StoreVitalsReport(
                engine: "test", outbox: [.planned: 2],
                leases: [LeaseHolding(name: "scheduler", holder: "h", expiresAt: now + 9)])
        }
    }

    // @unchecked Sendable: `value` is only touched while `lock` is held.
    final class Clock: @unchecked Sendable {
        private let lock = NSLock()
        private var value: Int64 = 1_000
        var now: Int64 { lock.withLock { value } }
        func advance(_ seconds: Int64) { lock.withLock { value += seconds } }
    }

    @Test func backoffDoublesUpToItsMaximum() {
        let backoff = Backoff()
        #expect((0...7).map { backoff.delay(afterFailures: $0) } == [0, 1, 2, 4, 8, 16, 30, 30].map { .seconds($0) })
        #expect(backoff.delay(afterFailures: 1_000) == .seconds(30))
    }

    @Test func anOutageIsReportedWithBackoffAndTheRecoveryResetsIt() async {
        let store = SwitchableStore()
        let clock = Clock()
        let monitor = StoreMonitor(store: store, logger: Logger(label: "test"), clock: { clock.now })
        let healthy = await monitor.health(service: "test")
        #expect(healthy.ok && healthy.json.contains(#""planned":2"#) && healthy.json.contains(#""holder":"h""#))

        store.down = true
        // Within maxAge the last answer stands; after it, a check finds the outage.
        #expect(await monitor.current().reachable)
        clock.advance(5)
        var seen = await monitor.current()
        #expect(!seen.reachable && seen.failures == 1 && seen.retryIn == .seconds(1))
        #expect(seen.error?.contains("db.example: cannot connect") == true)
        clock.advance(1)
        seen = await monitor.check()
        clock.advance(2)
        seen = await monitor.check()
        #expect(seen.failures == 3 && seen.retryIn == .seconds(4) && seen.since == 1_005)
        let down = await monitor.health(service: "test")
        #expect(
            !down.ok && down.json.contains(#""status":"unavailable""#) && down.json.contains(#""retry_in_seconds":4"#))

        store.down = false
        clock.advance(4)
        seen = await monitor.check()
        #expect(seen.reachable && seen.failures == 0 && seen.retryIn == nil && seen.error == nil && seen.since == 1_012)
        #expect(await monitor.health(service: "test").ok)
    }
}
