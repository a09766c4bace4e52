import Foundation

/// One RFM computation against a store: validated inputs, scores, the report, and the moves
/// since the last saved snapshot. What `patron rfm` (and later the API) runs.
public struct RFMRun: Sendable {
    public var asOf: Day
    public var windowDays: Int?
    public var configuration: RFMConfiguration
    public var currency: CurrencyCode?
    /// In customer id order.
    public var scores: [RFMScore]
    public var report: RFMReport
    /// The newest saved snapshot, if one was saved before.
    public var previousSnapshot: (id: Int64, asOf: Day, parameters: String)?
    /// Whether that snapshot was computed with the same settings, so that moves mean something.
    /// Moves against a snapshot of other bins, method or window would be artefacts of the change.
    public var comparable: Bool { previousSnapshot?.parameters == parameters }
    /// Moves since `previousSnapshot` (empty without one, or when it is not ``comparable``).
    public var moves: [SegmentMove]

    /// What a reader of the R × F grid should know that the grid does not say: a score no
    /// customer got. With the quantile method ties stay together, so when most customers have
    /// one order (CDNOW, most shops) they all score F1 and F2 is skipped.
    public var gridNotes: [String] {
        guard report.customers > 0 else { return [] }
        let bins = report.bins
        let emptyF = (1...bins).filter { f in (0..<bins).allSatisfy { report.grid[$0][f - 1].customers == 0 } }
        guard !emptyF.isEmpty else { return [] }
        let names = emptyF.map { "F\($0)" }.joined(separator: ", ")
        let verb = emptyF.count == 1 ? "is" : "are"
        switch configuration.method {
        case .quantile:
            return [
                "\(names) \(verb) empty: the quantile method keeps customers with the same number of orders in one "
                    + "score, and the many with one order fill the lowest, so the next is skipped. "
                    + "--method ntile splits them into equal bins; --method thresholds sets the bounds."
            ]
        default:
            return [
                "\(names) \(verb) empty: no customer's order count falls in \(emptyF.count == 1 ? "that score" : "those scores")."
            ]
        }
    }

    /// Computes RFM as of `asOf` (default: today, UTC).
    ///
    /// Throws when the store has no orders, when `asOf` is before the first order, or when the
    /// window is not positive.
    public static func compute<S: Store>(
        store: S, asOf: Day?, windowDays: Int?, configuration: RFMConfiguration, currency: CurrencyCode?
    ) throws -> RFMRun {
        if let windowDays, windowDays <= 0 {
            throw PatronError(.invalidArgument, "--window must be a positive number of days (got \(windowDays))")
        }
        guard let span = try store.orderSpan() else {
            throw PatronError(.invalidArgument, "the store has no orders yet (ingest or import some first)")
        }
        let day = asOf ?? .today
        guard day >= span.lowerBound else {
            throw PatronError(
                .invalidArgument, "as-of \(day) is before the first order (\(span.lowerBound)); nothing to score")
        }
        let facts = try store.rfmFacts(asOf: day, windowDays: windowDays)
        let scores = RFMAnalysis.score(facts, configuration: configuration)
        var run = RFMRun(
            asOf: day, windowDays: windowDays, configuration: configuration, currency: currency, scores: scores,
            report: RFMReport(scores: scores, configuration: configuration), previousSnapshot: nil, moves: [])
        if let previous = try store.latestRFMSnapshot() {
            run.previousSnapshot = (previous.id, previous.asOf, previous.parameters)
            if run.comparable { run.moves = SegmentMove.between(previous, run.snapshot(takenAt: 0)) }
        }
        return run
    }

    /// A description of the options, stored with snapshots.
    public var parameters: String {
        let method: String
        switch configuration.method {
        case .quantile: method = "quantile"
        case .ntile: method = "ntile"
        case .thresholds(let bounds):
            // The bounds decide the scores: snapshots with other bounds are not compared.
            func list<T>(_ values: [T]) -> String { values.map { "\($0)" }.joined(separator: "/") }
            method =
                "thresholds (R \(list(bounds.recencyDays)) days, F \(list(bounds.frequency)), "
                + "M \(list(bounds.monetaryMinor)) minor)"
        }
        var text = "\(method), \(configuration.bins) bins" + (windowDays.map { ", window \($0) days" } ?? "")
        if let map = configuration.segmentMap, map != .standard {
            text += ", map " + map.names.joined(separator: "/")
        }
        return text
    }

    public func snapshot(takenAt: Int64) -> RFMSnapshot {
        RFMSnapshot(scores: scores, takenAt: takenAt, asOf: asOf, parameters: parameters)
    }

    /// Saves this run as the newest snapshot, with its moves; returns the snapshot's id.
    public func save<S: Store>(to store: S, takenAt: Int64) throws -> Int64 {
        try store.saveRFMSnapshot(snapshot(takenAt: takenAt), moves: moves)
    }

    /// `customer_id,recency_days,frequency,monetary,r,f,m,segment`.
    public static let csvHeader = "customer_id,recency_days,frequency,monetary,r,f,m,segment"

    /// Appends one CSV row (RFC 4180 quoting), monetary as a decimal amount.
    public func appendCSVRow(_ score: RFMScore, to csv: inout CSVBuffer) {
        csv.field(score.fact.key)
        csv.field(score.fact.recencyDays)
        csv.field(score.fact.frequency)
        csv.money(score.fact.monetaryMinor, digits: CurrencyCode.minorUnitDigits(of: currency))
        csv.field(score.r)
        csv.field(score.f)
        csv.field(score.m)
        csv.field(score.segment)
        csv.endRow()
    }

    /// The CSV rows (no header) of every score, or of one segment's, as UTF-8 in consecutive
    /// parts built on separate cores; write them in order.
    public func csvParts(segment: String? = nil) -> [[UInt8]] {
        let parts = scores.count >= 100_000 ? 2 : 1
        let slice = (scores.count + parts - 1) / parts
        let buffers = PartBuffers(count: parts)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            var csv = CSVBuffer(capacity: slice * 48)
            for score in scores[min(scores.count, part * slice)..<min(scores.count, (part + 1) * slice)]
            where segment == nil || score.segment == segment {
                appendCSVRow(score, to: &csv)
            }
            buffers.set(part, csv.bytes)
        }
        return buffers.all()
    }

    /// One CSV row (RFC 4180 quoting), monetary as a decimal amount.
    public func csvRow(_ score: RFMScore) -> String {
        let digits = CurrencyCode.minorUnitDigits(of: currency)
        return [
            CSV.field(score.fact.key), String(score.fact.recencyDays), String(score.fact.frequency),
            Money.decimalString(score.fact.monetaryMinor, digits: digits), String(score.r), String(score.f),
            String(score.m), CSV.field(score.segment),
        ].joined(separator: ",")
    }
}

/// RFC 4180 field quoting.
public enum CSV {
    /// The field as is, or quoted (with doubled quotes) when it holds a comma, quote or newline.
    public static func field(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// Output parts filled from concurrent tasks.
private final class PartBuffers: @unchecked Sendable {
    // @unchecked: each part is written by exactly one task of `concurrentPerform`, under `lock`,
    // and read only after `concurrentPerform` has returned.
    private let lock = NSLock()
    private var parts: [[UInt8]]

    init(count: Int) { parts = Array(repeating: [], count: count) }

    func set(_ index: Int, _ value: [UInt8]) {
        lock.lock()
        parts[index] = value
        lock.unlock()
    }

    func all() -> [[UInt8]] {
        lock.lock()
        defer { lock.unlock() }
        return parts
    }
}
