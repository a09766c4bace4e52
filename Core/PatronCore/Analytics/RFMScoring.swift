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

    /// Tie-aware quantile scores where a larger value is better: L = items with a strictly smaller
    /// value = where the item's run of equal values starts in ascending order.
    static func quantile(values: [UInt64], bins k: Int) -> [Int] {
        let n = values.count
        let order = stableOrder(values: values, sequence: Array(values.indices))
        var scores = [Int](repeating: 0, count: n)
        var runStart = 0
        for position in order.indices {
            if position > 0, values[order[position]] != values[order[position - 1]] { runStart = position }
            scores[order[position]] = 1 + (k * runStart) / n
        }
        return scores
    }

    /// The items in `sequence` (indices into `values`) stably sorted by value, ascending: equal
    /// values keep their order in `sequence`. An LSD radix sort, 11 bits a pass, as many passes as
    /// the largest value needs — a million recencies sort in one pass.
    static func stableOrder(values: [UInt64], sequence: [Int]) -> [Int] {
        var order = sequence
        var buffer = [Int](repeating: 0, count: order.count)
        let largest = values.max() ?? 0
        var counts = [Int](repeating: 0, count: 2049)
        var shift: UInt64 = 0
        repeat {
            for bucket in counts.indices { counts[bucket] = 0 }
            for index in order { counts[Int((values[index] >> shift) & 2047) + 1] += 1 }
            for bucket in 1..<counts.count { counts[bucket] += counts[bucket - 1] }
            for index in order {
                let digit = Int((values[index] >> shift) & 2047)
                buffer[counts[digit]] = index
                counts[digit] += 1
            }
            swap(&order, &buffer)
            shift += 11
        } while shift < 64 && largest >> shift > 0
        return order
    }

}
