import Foundation

/// How to compute RFM.
public struct RFMConfiguration: Hashable, Sendable {
    /// Scores per dimension (k); k is best.
    public var bins: Int
    public var method: RFMMethod
    /// Names for grid cells; `nil` leaves the segment empty.
    public var segmentMap: RFMSegmentMap?

    public init(bins: Int = 5, method: RFMMethod = .quantile, segmentMap: RFMSegmentMap? = .standard)
        throws(PatronError)
    {
        guard (2...100).contains(bins) else {
            throw PatronError(.invalidArgument, "bins must be between 2 and 100 (got \(bins))")
        }
        if case .thresholds(let thresholds) = method, thresholds.bins != bins {
            throw PatronError(
                .invalidArgument, "the thresholds make \(thresholds.bins) bins, but \(bins) were asked for")
        }
        if let segmentMap, segmentMap.bins != bins {
            throw PatronError(
                .invalidArgument, "the segment map is for \(segmentMap.bins) bins, but \(bins) were asked for")
        }
        self.bins = bins
        self.method = method
        self.segmentMap = segmentMap
    }
}

/// One customer's scores.
public struct RFMScore: Hashable, Sendable {
    public var fact: RFMFact
    public var r: Int
    public var f: Int
    public var m: Int
    /// The segment name, `""` without a map.
    public var segment: String
    /// The segment's position in the map's ``RFMSegmentMap/names`` (0 without a map).
    public var segmentIndex: Int
}

/// Scores a set of customers: the pure heart of `patron rfm`.
public enum RFMAnalysis {
    /// Scores of one dimension: 0 recency, 1 frequency, 2 monetary.
    static func scores(_ facts: [RFMFact], dimension: Int, configuration: RFMConfiguration) -> [Int] {
        let k = configuration.bins
        switch configuration.method {
        case .quantile:
            return RFMScoring.quantile(values: betterIsLarger(facts, dimension: dimension), bins: k)
        case .ntile:
            // Worst first, ties split by customer id: a stable sort of the facts taken in id order.
            let byID = idOrder(facts)
            let values = betterIsLarger(facts, dimension: dimension)
            return RFMScoring.ntile(order: RFMScoring.stableOrder(values: values, sequence: byID), bins: k)
        case .thresholds(let bounds):
            switch dimension {
            case 0: return facts.map { fact in k - bounds.recencyDays.filter { fact.recencyDays > $0 }.count }
            case 1: return facts.map { fact in 1 + bounds.frequency.filter { fact.frequency >= $0 }.count }
            default: return facts.map { fact in 1 + bounds.monetaryMinor.filter { fact.monetaryMinor >= $0 }.count }
            }
        }
    }

    /// One dimension as unsigned values where larger is better (recency is turned around).
    static func betterIsLarger(_ facts: [RFMFact], dimension: Int) -> [UInt64] {
        switch dimension {
        case 0:
            let worst = facts.map(\.recencyDays).max() ?? 0
            return facts.map { UInt64(worst - $0.recencyDays) }
        case 1:
            return facts.map { UInt64($0.frequency) }
        default:
            let low = facts.map(\.monetaryMinor).min() ?? 0
            return facts.map { UInt64(bitPattern: $0.monetaryMinor &- low) }
        }
    }

    /// The fact indices in customer id order (the identity when the facts already are).
    static func idOrder(_ facts: [RFMFact]) -> [Int] {
        let sorted = zip(facts, facts.dropFirst()).allSatisfy { $0.customerID < $1.customerID }
        if sorted { return Array(facts.indices) }
        return facts.indices.sorted { facts[$0].customerID < facts[$1].customerID }
    }

    /// Scores every fact with `configuration`. The output is in the order of `facts`.
    public static func score(_ facts: [RFMFact], configuration: RFMConfiguration) -> [RFMScore] {
        guard !facts.isEmpty else { return [] }
        // R, F and M are independent: score them on separate cores.
        let results = ScoreSlots()
        DispatchQueue.concurrentPerform(iterations: 3) { dimension in
            results.set(dimension, Self.scores(facts, dimension: dimension, configuration: configuration))
        }
        let r = results.get(0)
        let f = results.get(1)
        let m = results.get(2)
        let k = configuration.bins
        let names = configuration.segmentMap?.names ?? [""]
        let table = configuration.segmentMap?.cellTable ?? Array(repeating: 0, count: k * k * k)
        var result: [RFMScore] = []
        result.reserveCapacity(facts.count)
        for index in facts.indices {
            let cell = ((r[index] - 1) * k + (f[index] - 1)) * k + (m[index] - 1)
            result.append(
                RFMScore(
                    fact: facts[index], r: r[index], f: f[index], m: m[index], segment: names[table[cell]],
                    segmentIndex: table[cell]))
        }
        return result
    }
}

/// Three result slots filled from concurrent tasks.
private final class ScoreSlots: @unchecked Sendable {
    // @unchecked: each slot is written by exactly one task of `concurrentPerform`, under `lock`,
    // and read only after `concurrentPerform` has returned.
    private let lock = NSLock()
    private var slots: [[Int]] = [[], [], []]

    func set(_ index: Int, _ value: [Int]) {
        lock.lock()
        slots[index] = value
        lock.unlock()
    }

    func get(_ index: Int) -> [Int] {
        lock.lock()
        defer { lock.unlock() }
        return slots[index]
    }
}
