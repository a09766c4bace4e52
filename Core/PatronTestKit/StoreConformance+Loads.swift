import Foundation
import PatronCore

extension StoreConformance {
    /// A long load (``Ingestor/load(batchSize:deferral:remaining:next:progress:)``) answers as
    /// one that keeps every index: with indexes deferred (whether or not the store defers any),
    /// reads answer as before; the load leaves none owed; a failed batch keeps the batches before
    /// it, says so, and leaves no index owed either; building again is safe.
    static func deferredIndexLoads<S: Store>(_ makeStore: () throws -> S) throws {
        let rule = "deferred index loads"
        // Orders with lines, carts and consent on a channel no store was written for, by 40
        // customers, some of them twice.
        var events: [IngestEvent] = []
        for n in 0..<120 {
            let customer = who("c\(n % 40)", email: "c\(n % 40)@x.com")
            events.append(order("\(n)", customer, day: 1 + n % 90, total: Int64(100 + n), sku: "SKU\(n % 7)"))
            if n % 5 == 0 {
                events.append(
                    IngestEvent(
                        id: "consent-\(n)", source: "shop", occurredAt: at(1 + n % 90),
                        kind: .consentChanged(
                            ConsentChange(customer: customer, channel: kitPoint.channel, status: .granted))))
            }
            if n % 9 == 0 {
                events.append(
                    IngestEvent(
                        id: "cart-\(n)", source: "shop", occurredAt: at(2 + n % 90),
                        kind: .cartUpdated(
                            CartData(
                                ref: "k\(n)", customer: customer, currency: .usd, valueMinor: 700, lines: [],
                                status: .open))))
            }
        }
        func load(_ store: S, _ deferral: IndexDeferral, _ events: [IngestEvent]) throws -> LoadResult {
            var iterator = events.makeIterator()
            var seen = 0
            return try Ingestor(store: store).load(
                batchSize: 16, deferral: deferral, remaining: { events.count - seen },
                next: {
                    let event = iterator.next()
                    if event != nil { seen += 1 }
                    return event
                })
        }
        func facts(_ store: S) throws -> String {
            let rfm = try store.rfmFacts(asOf: day0 + 100, windowDays: nil).map { "\($0)" }.sorted()
            var lines: [String] = []
            try store.forEachPurchase(before: at(200)) { lines.append("\($0)") }
            let customers = try store.read { t in try t.customers((1...40).map { CustomerID(Int64($0)) }) }
                .values.sorted { $0.id < $1.id }.map { "\($0)" }
            return (rfm + lines + customers).joined(separator: "\n")
        }
        let kept = try makeStore()
        let keptResult = try load(kept, .never, events)
        try require(keptResult.deferredIndexes.isEmpty, rule, "a load with deferral never deferred indexes")
        let deferred = try makeStore()
        let result = try load(deferred, .always, events)
        try require(
            result.report.appliedCount == keptResult.report.appliedCount && result.report.appliedCount == events.count,
            rule,
            "a deferred load applied \(result.report.appliedCount) events, one keeping indexes \(keptResult.report.appliedCount)"
        )
        try require(try facts(deferred) == facts(kept), rule, "a load that deferred indexes stored something else")
        try require(try deferred.rebuildDeferredIndexes().isEmpty, rule, "a finished load left indexes owed")
        // Reads while indexes are deferred answer as with them.
        let before = try facts(deferred)
        _ = try deferred.deferIndexes(forAbout: Int.max, .always)
        try require(try facts(deferred) == before, rule, "reads answered otherwise while indexes were deferred")
        _ = try deferred.rebuildDeferredIndexes()
        try require(try deferred.rebuildDeferredIndexes().isEmpty, rule, "building twice built something again")
        try require(try facts(deferred) == before, rule, "reads answered otherwise after the indexes were built")
        // A bad event in the third batch: two batches stay, the error says so, nothing is owed.
        let failing = try makeStore()
        var bad = Array(events.prefix(40))
        bad[36] = order("bad", who("x"), day: 3, total: 100, currency: .eur)
        do {
            _ = try load(failing, .always, bad)
            throw ConformanceFailure(rule: rule, detail: "a load with an event in another currency succeeded")
        } catch let error as PatronError {
            try require(
                error.message.contains("the 32 events before this batch were committed"), rule,
                "a failed batch's error: \(error.message)")
        }
        try require(try failing.rebuildDeferredIndexes().isEmpty, rule, "a failed load left indexes owed")
        let committed = try failing.read { t in
            try t.storedOrderRefs((0..<40).map { ExternalRef(source: "shop", id: "\($0)") })
        }
        try require(
            committed.count == bad.prefix(32).filter { if case .orderPlaced = $0.kind { true } else { false } }.count,
            rule, "a failed load kept \(committed.count) orders of the two batches before the failing one")
    }
}
