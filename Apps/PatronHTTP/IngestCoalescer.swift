import Foundation
import PatronCore

/// Group commit for webhook deliveries: concurrent deliveries wait while one transaction is being
/// written, then the next transaction applies all of them at once, each with its own report.
/// Every delivery is still applied before its caller answers, and all-or-nothing: when a shared
/// transaction fails, its deliveries are applied again one by one, so only the one at fault
/// fails.
/// Each transaction is measured (``IngestMetrics``).
final class IngestCoalescer<S: Store>: @unchecked Sendable {
    // @unchecked: `pending` and `draining` are only touched while `lock` is held.
    private let lock = NSLock()
    private var pending: [(events: [IngestEvent], continuation: CheckedContinuation<IngestReport, any Error>)] = []
    private var draining = false
    let store: S
    /// At most this many deliveries share a transaction.
    let maxGroups: Int

    init(store: S, maxGroups: Int = 256) {
        self.store = store
        self.maxGroups = maxGroups
    }

    /// Applies `events` (one delivery) and returns its report once it is committed.
    func ingest(_ events: [IngestEvent]) async throws -> IngestReport {
        try await withCheckedThrowingContinuation { continuation in
            lock.lock()
            pending.append((events, continuation))
            let start = !draining
            draining = true
            lock.unlock()
            if start { Thread.detachNewThread { self.drain() } }
        }
    }

    /// Runs on its own thread (SQLite writes block), until nothing is pending.
    private func drain() {
        while true {
            lock.lock()
            guard !pending.isEmpty else {
                draining = false
                lock.unlock()
                return
            }
            let batch = Array(pending.prefix(maxGroups))
            pending.removeFirst(batch.count)
            lock.unlock()
            let ingestor = Ingestor(store: store)
            let started = DispatchTime.now().uptimeNanoseconds
            do {
                let reports = try ingestor.ingest(groups: batch.map(\.events))
                IngestMetrics.record(reports, since: started)
                for (item, report) in zip(batch, reports) { item.continuation.resume(returning: report) }
            } catch {
                guard batch.count > 1 else {
                    IngestMetrics.failed()
                    batch[0].continuation.resume(throwing: error)
                    continue
                }
                for item in batch {
                    let started = DispatchTime.now().uptimeNanoseconds
                    do {
                        let report = try ingestor.ingest(item.events)
                        IngestMetrics.record([report], since: started)
                        item.continuation.resume(returning: report)
                    } catch {
                        IngestMetrics.failed()
                        item.continuation.resume(throwing: error)
                    }
                }
            }
        }
    }

}
