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
}

/// Scores a set of customers: the pure heart of `patron rfm`.
public enum RFMAnalysis {
    /// Scores of one dimension: 0 recency, 1 frequency, 2 monetary.
    static func scores(_ facts: [RFMFact], dimension: Int, configuration: RFMConfiguration) -> [Int] {
        let k = configuration.bins
        switch configuration.method {
        case .quantile:
            switch dimension {
            case 0: return RFMScoring.quantileDescending(facts.map(\.recencyDays), bins: k)
            case 1: return RFMScoring.quantileAscending(facts.map(\.frequency), bins: k)
            default: return RFMScoring.quantileAscending(facts.map(\.monetaryMinor), bins: k)
            }
        case .ntile:
            // Ties split by customer id: the packed keys carry each fact's position in id order.
            let position = positionsInIDOrder(facts)
            switch dimension {
            case 0:
                let worst = facts.map(\.recencyDays).max() ?? 0
                return RFMScoring.ntile(
                    packedKeys: facts.indices.map {
                        UInt64(worst - facts[$0].recencyDays) << 32 | UInt64(position[$0])
                    },
                    bins: k)
            case 1:
                return RFMScoring.ntile(
                    packedKeys: facts.indices.map { UInt64(facts[$0].frequency) << 32 | UInt64(position[$0]) }, bins: k)
            default:
                let low = facts.map(\.monetaryMinor).min() ?? 0
                let high = facts.map(\.monetaryMinor).max() ?? 0
                if high.subtractingReportingOverflow(low).overflow == false, high - low < 1 << 31 {
                    return RFMScoring.ntile(
                        packedKeys: facts.indices.map {
                            UInt64(facts[$0].monetaryMinor - low) << 32 | UInt64(position[$0])
                        },
                        bins: k)
                }
                var order = facts.indices.map { (facts[$0].monetaryMinor, position[$0], $0) }
                order.sort { ($0.0, $0.1) < ($1.0, $1.1) }
                return RFMScoring.ntile(order: order.map(\.2), bins: k)
            }
        case .thresholds(let bounds):
            switch dimension {
            case 0: return facts.map { fact in k - bounds.recencyDays.filter { fact.recencyDays > $0 }.count }
            case 1: return facts.map { fact in 1 + bounds.frequency.filter { fact.frequency >= $0 }.count }
            default: return facts.map { fact in 1 + bounds.monetaryMinor.filter { fact.monetaryMinor >= $0 }.count }
            }
        }
    }

    /// Each fact's rank by customer id (the identity when the facts are already in id order).
    static func positionsInIDOrder(_ facts: [RFMFact]) -> [Int] {
        let sorted = zip(facts, facts.dropFirst()).allSatisfy { $0.customerID < $1.customerID }
        if sorted { return Array(facts.indices) }
        return inverse(facts.indices.sorted { facts[$0].customerID < facts[$1].customerID })
    }

    static func inverse(_ permutation: [Int]) -> [Int] {
        var result = [Int](repeating: 0, count: permutation.count)
        for (rank, index) in permutation.enumerated() { result[index] = rank }
        return result
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
        var result: [RFMScore] = []
        result.reserveCapacity(facts.count)
        for index in facts.indices {
            let segment = configuration.segmentMap?.segment(r: r[index], f: f[index], m: m[index]) ?? ""
            result.append(RFMScore(fact: facts[index], r: r[index], f: f[index], m: m[index], segment: segment))
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
