import Foundation
import PatronCore

extension StoreConformance {
    /// The vitals count the outbox by status as it is now and list the unexpired leases with
    /// their holders; a store with a pool reports a size of at least one and no more lent out
    /// than it has.
    static func vitals<S: Store & OutboxStore & LeaseStore & StoreVitals>(_ store: S) async throws {
        let rule = "vitals"
        let empty = try await store.vitals(now: 0)
        try require(
            OutboxMessage.Status.allCases.allSatisfy { empty.outbox($0) == 0 } && empty.leases.isEmpty, rule,
            "a new store: \(empty)")
        try require(!empty.engine.isEmpty, rule, "the engine is named")
        try Ingestor(store: store).ingest([order("1", who("a", email: "a@x.com"), day: 1, total: 1000)])
        try await store.enqueue([
            message("a", "sms", due: 100), message("b", "sms", due: 100), message("c", .email, due: 100),
        ])
        _ = try await store.claimOutbox(channels: ["sms"], now: 200, staleBefore: 0, limit: 1)
        _ = try await store.acquireLease("scheduler", holder: "host-1:42", now: 1_000, seconds: 90)
        _ = try await store.acquireLease("mail", holder: "host-2:7", now: 900, seconds: 60)
        let report = try await store.vitals(now: 1_010)
        try require(
            report.outbox(.planned) == 2 && report.outbox(.sending) == 1 && report.outbox(.sent) == 0, rule,
            "two planned and one sending: \(report.outbox)")
        try require(
            report.leases == [LeaseHolding(name: "scheduler", holder: "host-1:42", expiresAt: 1_090)], rule,
            "the unexpired lease and its holder only: \(report.leases)")
        try require(
            try await store.vitals(now: 1_090).leases.isEmpty, rule, "a lease is over at its expiry time")
        if let pool = report.connections {
            try require(
                pool.size >= 1 && (0...pool.size).contains(pool.inUse) && pool.waiting >= 0, rule,
                "the pool: \(pool)")
        }
    }
}
