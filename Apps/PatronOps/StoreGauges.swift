import Foundation
import Metrics
import NIOConcurrencyHelpers
import PatronCore

/// The store's vitals as gauges, set on each scrape and each monitor check:
/// `patron_store_up`, `patron_store_info{engine}`, `patron_outbox_depth{status}`, `patron_lease_holder{name,holder}` (1 for
/// the holder now, 0 for one that held it before), `patron_store_connections{state}`
/// (size, in_use, waiting) and `patron_store_reads{server}` (replica, primary).
public final class StoreGauges: Sendable {
    private let previousHolders = NIOLockedValueBox<[String: String]>([:])

    public init() {}

    /// Records a store that answered with `report`.
    public func record(_ report: StoreVitalsReport) {
        Gauge(label: "patron_store_up").record(1)
        Gauge(label: "patron_store_info", dimensions: [("engine", report.engine)]).record(1)
        for status in OutboxMessage.Status.allCases {
            Gauge(label: "patron_outbox_depth", dimensions: [("status", status.rawValue)])
                .record(report.outbox(status))
        }
        let holders = Dictionary(report.leases.map { ($0.name, $0.holder) }, uniquingKeysWith: { a, _ in a })
        let gone = previousHolders.withLockedValue { previous in
            defer { previous = holders }
            return previous.filter { holders[$0.key] != $0.value }
        }
        for (name, holder) in gone {
            Gauge(label: "patron_lease_holder", dimensions: [("name", name), ("holder", holder)]).record(0)
        }
        for (name, holder) in holders {
            Gauge(label: "patron_lease_holder", dimensions: [("name", name), ("holder", holder)]).record(1)
        }
        if let pool = report.connections {
            for (state, value) in [("size", pool.size), ("in_use", pool.inUse), ("waiting", pool.waiting)] {
                Gauge(label: "patron_store_connections", dimensions: [("state", state)]).record(value)
            }
            if let replica = pool.readsOnReplica, let primary = pool.readsOnPrimary {
                Gauge(label: "patron_store_reads", dimensions: [("server", "replica")]).record(replica)
                Gauge(label: "patron_store_reads", dimensions: [("server", "primary")]).record(primary)
            }
        }
    }

    /// Records a store that did not answer.
    public func recordDown() {
        Gauge(label: "patron_store_up").record(0)
    }
}
