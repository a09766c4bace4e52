import Foundation

/// Whether a long load may defer the secondary indexes the ingest never reads
/// (``Store/deferIndexes(forAbout:_:)``).
public enum IndexDeferral: String, Sendable, CaseIterable {
    /// The store decides: it defers when the load is expected to be long enough that building
    /// the indexes once at the end costs less than updating them row by row.
    case auto
    /// Whenever the load goes on past its first batch.
    case always
    /// Never: every index is kept up to date as the rows go in.
    case never
}

/// What a long load is doing, for a progress display.
public enum LoadProgress: Sendable, Equatable {
    /// So many events read and applied or being applied.
    case events(Int)
    /// Building the indexes deferred for the load (their names), after the last batch.
    case rebuildingIndexes([String])
}

/// What ``Ingestor/load(batchSize:deferral:remaining:next:progress:)`` did.
public struct LoadResult: Sendable {
    /// The sum of the batches' reports.
    public var report: IngestReport
    /// The whole load, the index rebuild included.
    public var seconds: Double
    /// The indexes deferred for the load (empty: none were).
    public var deferredIndexes: [String]
    /// Those this load built at its end; the rest are left to another load still running
    /// (the last to finish builds them) or, if building failed, to the store's next opening.
    public var builtIndexes: [String]
    /// How long building them took.
    public var rebuildSeconds: Double
    /// Why building them failed, if it did: every event was committed all the same, and the
    /// store builds them when next opened for writing.
    public var rebuildFailure: String?
}

extension Ingestor {
    /// Applies the events `next` yields in batches of `batchSize` events, one transaction each
    /// (`nil`: all in one): a failure loses only the batch in flight, and running the same input
    /// again completes the load (applied events are skipped). When the load goes on past its
    /// first batch and `remaining` (an estimate of the events still to come; `nil`: unknown)
    /// makes it long, the store may defer its read-only indexes (``IndexDeferral``) and builds
    /// them after the last batch — or, if this process dies, when the store is next opened.
    ///
    /// A failed batch's error says how many events the batches before it committed.
    public func load(
        batchSize: Int?, deferral: IndexDeferral = .auto, remaining: () -> Int? = { nil },
        next: () throws -> IngestEvent?, progress: (LoadProgress) -> Void = { _ in }
    ) throws -> LoadResult {
        let start = Date()
        var total = IngestReport()
        var exhausted = false
        var count = 0
        var deferred: [String] = []
        var built: [String] = []
        var rebuildSeconds = 0.0
        func rebuild() throws {
            guard !deferred.isEmpty else { return }
            progress(.rebuildingIndexes(deferred))
            let rebuildStart = Date()
            built = try store.rebuildDeferredIndexes()
            rebuildSeconds = Date().timeIntervalSince(rebuildStart)
        }
        do {
            repeat {
                var inBatch = 0
                let report: IngestReport
                do {
                    report = try ingest { () throws -> IngestEvent? in
                        if let batchSize, inBatch >= batchSize { return nil }
                        guard let event = try next() else {
                            exhausted = true
                            return nil
                        }
                        inBatch += 1
                        count += 1
                        if count % 512 == 0 { progress(.events(count)) }
                        return event
                    }
                } catch let error as PatronError where total.appliedCount + total.duplicates > 0 {
                    // Earlier batches stay committed; say so, since the store is not as it was.
                    var located = error
                    located.message +=
                        " (the \(total.appliedCount + total.duplicates) events before this batch were committed; "
                        + "re-running the same input is safe)"
                    throw located
                }
                total = total + report
                if !exhausted, deferred.isEmpty, deferral != .never {
                    let expected = deferral == .always ? Int.max : remaining() ?? 0
                    // Only speed is at stake: a store that cannot defer loads with its indexes.
                    if expected > 0 { deferred = (try? store.deferIndexes(forAbout: expected, deferral)) ?? [] }
                }
            } while !exhausted
        } catch {
            // The store builds them when next opened if this fails too; the load's error matters.
            try? rebuild()
            throw error
        }
        // Every event is committed: a failure to build is reported, and the store builds them
        // when next opened for writing.
        var failure: String?
        do { try rebuild() } catch { failure = "\(error)" }
        return LoadResult(
            report: total, seconds: Date().timeIntervalSince(start), deferredIndexes: deferred, builtIndexes: built,
            rebuildSeconds: rebuildSeconds, rebuildFailure: failure)
    }
}
