import Foundation
import Metrics
import PatronCore

/// What the API's ingest paths (webhooks, `POST /v1/events`) measure, through swift-metrics:
/// `patron_ingest_events_total{outcome=applied|duplicate}` (its rate is the ingest rows/s),
/// `patron_ingest_batch_duration` (a histogram of transaction times) and
/// `patron_ingest_failures_total`.
enum IngestMetrics {
    /// Counts what committed transactions applied and how long they took since `started`
    /// (`DispatchTime` nanoseconds).
    static func record(_ reports: [IngestReport], since started: UInt64) {
        Timer(label: "patron_ingest_batch_duration").recordNanoseconds(
            Int64(DispatchTime.now().uptimeNanoseconds - started))
        let applied = reports.reduce(0) { $0 + $1.appliedCount }
        let duplicates = reports.reduce(0) { $0 + $1.duplicates }
        Counter(label: "patron_ingest_events_total", dimensions: [("outcome", "applied")]).increment(by: applied)
        Counter(label: "patron_ingest_events_total", dimensions: [("outcome", "duplicate")]).increment(by: duplicates)
    }

    /// Counts a transaction that failed.
    static func failed() { Counter(label: "patron_ingest_failures_total").increment() }
}
