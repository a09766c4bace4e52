import Foundation

/// How raw values become scores 1…k (k = best).
public enum RFMMethod: Hashable, Sendable {
    /// Tie-aware quantiles: with N customers and L of them strictly worse,
    /// score = 1 + floor(k · L / N). Equal values always get equal scores.
    case quantile
    /// SQL `NTILE(k)` over the customers ordered worst first, ties split by customer id: the
    /// first N mod k buckets get one customer more.
    case ntile
    /// Fixed bucket bounds per dimension (as OroCRM does), see ``RFMThresholds``.
    case thresholds(RFMThresholds)
}

/// Fixed bounds: k − 1 ascending values per dimension.
///
/// Recency: up to the first bound scores k, up to the second k − 1, …, above the last scores 1.
/// Frequency and monetary: below the first bound scores 1, from the first bound 2, …, from the
/// last bound k.
public struct RFMThresholds: Hashable, Sendable {
    public var recencyDays: [Int]
    public var frequency: [Int]
    public var monetaryMinor: [Int64]

    public init(recencyDays: [Int], frequency: [Int], monetaryMinor: [Int64]) throws(PatronError) {
        guard recencyDays.count == frequency.count, frequency.count == monetaryMinor.count, !recencyDays.isEmpty
        else {
            throw PatronError(.invalidValue, "thresholds need the same number (k − 1) of bounds for R, F and M")
        }
        guard Self.ascending(recencyDays), Self.ascending(frequency), Self.ascending(monetaryMinor) else {
            throw PatronError(.invalidValue, "threshold bounds must be strictly ascending")
        }
        self.recencyDays = recencyDays
        self.frequency = frequency
        self.monetaryMinor = monetaryMinor
    }

    /// The number of scores the bounds make (bounds + 1).
    public var bins: Int { recencyDays.count + 1 }

    static func ascending<T: Comparable>(_ values: [T]) -> Bool {
        zip(values, values.dropFirst()).allSatisfy { $0 < $1 }
    }
}

/// Turns values into scores.
enum RFMScoring {
    /// Quantile scores, "higher is better" values (frequency, monetary).
    static func quantileAscending<T: Comparable>(_ values: [T], bins k: Int) -> [Int] {
        let sorted = values.sorted()
        let n = sorted.count
        return values.map { value in
            let worse = lowerBound(sorted, value)  // strictly smaller
            return 1 + (k * worse) / n
        }
    }

    /// Quantile scores, "lower is better" values (recency).
    static func quantileDescending<T: Comparable>(_ values: [T], bins k: Int) -> [Int] {
        let sorted = values.sorted()
        let n = sorted.count
        return values.map { value in
            let worse = n - upperBound(sorted, value)  // strictly larger
            return 1 + (k * worse) / n
        }
    }

    /// NTILE(k) over `order` (indices, worst first): bucket numbers per index.
    static func ntile(order: [Int], bins k: Int) -> [Int] {
        let n = order.count
        var result = [Int](repeating: 0, count: n)
        let size = n / k
        let remainder = n % k
        let bigRows = remainder * (size + 1)
        for (position, index) in order.enumerated() {
            result[index] =
                position < bigRows ? position / (size + 1) + 1 : remainder + (position - bigRows) / size + 1
        }
        return result
    }

    /// NTILE(k) over keys whose low 32 bits are the position of the fact in id order and whose
    /// high bits rank worst first: sorting the keys gives the NTILE order in one integer sort.
    static func ntile(packedKeys: [UInt64], bins k: Int) -> [Int] {
        let sorted = packedKeys.sorted()
        // The low bits are positions in id order, not indices: map back through the keys.
        var indexOfPosition = [Int](repeating: 0, count: packedKeys.count)
        for (index, key) in packedKeys.enumerated() { indexOfPosition[Int(key & 0xFFFF_FFFF)] = index }
        return ntile(order: sorted.map { indexOfPosition[Int($0 & 0xFFFF_FFFF)] }, bins: k)
    }

    static func lowerBound<T: Comparable>(_ sorted: [T], _ value: T) -> Int {
        var low = 0
        var high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low
    }

    static func upperBound<T: Comparable>(_ sorted: [T], _ value: T) -> Int {
        var low = 0
        var high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] <= value { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
