import Foundation

/// What the models say about one customer.
public struct CustomerPrediction: Sendable, Hashable {
    /// The probability the customer is still alive at the calibration end.
    public var probabilityAlive: Double
    /// Expected purchases over the horizon.
    public var expectedPurchases: Double
    /// Expected mean purchase value (Gamma-Gamma), in currency units; `nil` without a spend model.
    public var expectedAverageValue: Double?
    /// Discounted expected spend over the CLV months, in currency units; `nil` without a spend model.
    public var lifetimeValue: Double?
}

/// How far ahead to predict.
public struct PredictionHorizon: Sendable, Hashable {
    /// Weeks ahead for expected purchases.
    public var weeks: Double
    /// Months of discounted value in the CLV.
    public var clvMonths: Int
    /// Monthly discount rate of the CLV (0.01 = 1% a month).
    public var monthlyDiscount: Double

    /// Weeks per month in the CLV sum (52.14 / 12, as `lifetimes` counts).
    public static let weeksPerMonth = 4.345

    /// Parses a duration as weeks: `52w`, `365d`, `12m` (months of 4.345 weeks), or a bare
    /// number of weeks.
    public static func weeks(parsing text: String, option: String) throws(PatronError) -> Double {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let unit = trimmed.last.map { $0.isLetter ? $0 : "w" } ?? "w"
        let digits = trimmed.last?.isLetter == true ? String(trimmed.dropLast()) : trimmed
        guard let value = Double(digits), value.isFinite, value > 0 else {
            throw PatronError(.invalidArgument, "\(option): '\(text)' is not a duration (e.g. 52w, 365d, 12m)")
        }
        switch unit {
        case "w": return value
        case "d": return value / 7
        case "m": return value * weeksPerMonth
        default: throw PatronError(.invalidArgument, "\(option): unknown unit in '\(text)' (use w, d or m)")
        }
    }

    public init(weeks: Double = 52, clvMonths: Int = 12, monthlyDiscount: Double = 0.01) {
        self.weeks = weeks
        self.clvMonths = clvMonths
        self.monthlyDiscount = monthlyDiscount
    }
}

extension PurchaseModel {
    /// Discounted expected spend over `months` months: each month's expected purchases times the
    /// expected purchase value, discounted by (1 + rate)^month.
    public func lifetimeValue(
        x: Double, tx: Double, T: Double, averageValue: Double, months: Int, monthlyDiscount: Double
    ) -> Double {
        var value = 0.0
        var previous = 0.0
        for month in stride(from: 1, through: months, by: 1) {
            let cumulative = expectedPurchases(Double(month) * PredictionHorizon.weeksPerMonth, x: x, tx: tx, T: T)
            value += (cumulative - previous) * averageValue / pow(1 + monthlyDiscount, Double(month))
            previous = cumulative
        }
        return value
    }

    /// Predictions for every customer of `summary`, in its order (computed on all cores).
    public func predictions(
        for summary: PurchaseSummary, spend: GammaGamma?, horizon: PredictionHorizon
    ) -> [CustomerPrediction] {
        let count = summary.count
        let results = PredictionSlots(count: count)
        let chunks = count >= 10_000 ? max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8)) * 4 : 1
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            var part: [CustomerPrediction] = []
            let range = (count * chunk / chunks)..<(count * (chunk + 1) / chunks)
            part.reserveCapacity(range.count)
            for i in range {
                let (x, tx, T) = (summary.x[i], summary.tx[i], summary.T[i])
                let average = spend.map { $0.expectedAverageValue(x: x, m: summary.monetary[i]) }
                part.append(
                    CustomerPrediction(
                        probabilityAlive: probabilityAlive(x: x, tx: tx, T: T),
                        expectedPurchases: expectedPurchases(horizon.weeks, x: x, tx: tx, T: T),
                        expectedAverageValue: average,
                        lifetimeValue: average.map {
                            lifetimeValue(
                                x: x, tx: tx, T: T, averageValue: $0, months: horizon.clvMonths,
                                monthlyDiscount: horizon.monthlyDiscount)
                        }))
            }
            results.set(range.lowerBound, part)
        }
        return results.joined()
    }
}

/// Chunks of predictions filled from concurrent tasks, joined in order.
private final class PredictionSlots: @unchecked Sendable {
    // @unchecked: each chunk is written once by one task of `concurrentPerform`, under `lock`,
    // and read only after `concurrentPerform` has returned.
    private let lock = NSLock()
    private var parts: [Int: [CustomerPrediction]] = [:]
    let count: Int

    init(count: Int) { self.count = count }

    func set(_ start: Int, _ part: [CustomerPrediction]) {
        lock.lock()
        parts[start] = part
        lock.unlock()
    }

    func joined() -> [CustomerPrediction] {
        lock.lock()
        defer { lock.unlock() }
        var all: [CustomerPrediction] = []
        all.reserveCapacity(count)
        for start in parts.keys.sorted() { all.append(contentsOf: parts[start]!) }
        return all
    }
}
