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
        let times = (1...max(months, 1)).map { Double($0) * PredictionHorizon.weeksPerMonth }
        let discounts = (1...max(months, 1)).map { 1 / pow(1 + monthlyDiscount, Double($0)) }
        return lifetimeValue(x: x, tx: tx, T: T, averageValue: averageValue, times: times, discounts: discounts)
    }

    /// The CLV sum over precomputed month ends (weeks) and discount factors.
    func lifetimeValue(
        x: Double, tx: Double, T: Double, averageValue: Double, times: [Double], discounts: [Double]
    ) -> Double {
        var value = 0.0
        var previous = 0.0
        for (cumulative, discount) in zip(expectedPurchases(upTo: times, x: x, tx: tx, T: T), discounts) {
            value += (cumulative - previous) * averageValue * discount
            previous = cumulative
        }
        return value
    }

    /// Predictions for every customer of `summary`, in its order. Customers with the same
    /// (x, t_x, T) share their purchase figures, so those are computed once per distinct history
    /// (on all cores); the CLV then scales by each customer's expected order value.
    public func predictions(
        for summary: PurchaseSummary, spend: GammaGamma?, horizon: PredictionHorizon
    ) -> [CustomerPrediction] {
        let index = HistoryIndex(summary)
        let slot = index.slot
        let histories = index.representative.map { (x: summary.x[$0], tx: summary.tx[$0], T: summary.T[$0]) }
        let months = max(horizon.clvMonths, 1)
        let times = (1...months).map { Double($0) * PredictionHorizon.weeksPerMonth }
        let discounts = (1...months).map { 1 / pow(1 + horizon.monthlyDiscount, Double($0)) }
        let unique = histories
        let withValue = spend != nil
        // Per distinct history: P(alive), expected purchases, and the discounted purchases of
        // the CLV months (the CLV per unit of order value).
        let figures = ParallelChunks<(alive: Double, expected: Double, perUnit: Double)>(count: unique.count)
        figures.fill { range in
            range.map { k in
                let (x, tx, T) = unique[k]
                let perUnit =
                    withValue
                    ? lifetimeValue(x: x, tx: tx, T: T, averageValue: 1, times: times, discounts: discounts) : 0
                return (
                    probabilityAlive(x: x, tx: tx, T: T), expectedPurchases(horizon.weeks, x: x, tx: tx, T: T), perUnit
                )
            }
        }
        let perHistory = figures.joined()
        return (0..<summary.count).map { i in
            let f = perHistory[Int(slot[i])]
            let average = spend.map { $0.expectedAverageValue(x: summary.x[i], m: summary.monetary[i]) }
            return CustomerPrediction(
                probabilityAlive: f.alive, expectedPurchases: f.expected, expectedAverageValue: average,
                lifetimeValue: average.map { $0 * f.perUnit })
        }
    }
}
