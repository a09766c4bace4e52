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
    /// Scores every fact with `configuration`. The output is in the order of `facts`.
    public static func score(_ facts: [RFMFact], configuration: RFMConfiguration) -> [RFMScore] {
        let k = configuration.bins
        guard !facts.isEmpty else { return [] }
        let r: [Int]
        let f: [Int]
        let m: [Int]
        switch configuration.method {
        case .quantile:
            r = RFMScoring.quantileDescending(facts.map(\.recencyDays), bins: k)
            f = RFMScoring.quantileAscending(facts.map(\.frequency), bins: k)
            m = RFMScoring.quantileAscending(facts.map(\.monetaryMinor), bins: k)
        case .ntile:
            let indices = Array(facts.indices)
            func id(_ index: Int) -> CustomerID { facts[index].customerID }
            r = RFMScoring.ntile(
                order: indices.sorted {
                    (facts[$0].recencyDays, id($1).rawValue) > (facts[$1].recencyDays, id($0).rawValue)
                }, bins: k)
            f = RFMScoring.ntile(
                order: indices.sorted { (facts[$0].frequency, id($0)) < (facts[$1].frequency, id($1)) }, bins: k)
            m = RFMScoring.ntile(
                order: indices.sorted { (facts[$0].monetaryMinor, id($0)) < (facts[$1].monetaryMinor, id($1)) },
                bins: k)
        case .thresholds(let bounds):
            r = facts.map { fact in k - bounds.recencyDays.filter { fact.recencyDays > $0 }.count }
            f = facts.map { fact in 1 + bounds.frequency.filter { fact.frequency >= $0 }.count }
            m = facts.map { fact in 1 + bounds.monetaryMinor.filter { fact.monetaryMinor >= $0 }.count }
        }
        var result: [RFMScore] = []
        result.reserveCapacity(facts.count)
        for index in facts.indices {
            let segment = configuration.segmentMap?.segment(r: r[index], f: f[index], m: m[index]) ?? ""
            result.append(RFMScore(fact: facts[index], r: r[index], f: f[index], m: m[index], segment: segment))
        }
        return result
    }
}
