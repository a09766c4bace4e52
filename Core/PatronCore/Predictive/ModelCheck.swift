import Foundation

/// A purchase-count model: BG/NBD or Pareto/NBD, fitted.
public protocol PurchaseModel: Sendable {
    /// The probability that a customer with this history is still alive at T.
    func probabilityAlive(x: Double, tx: Double, T: Double) -> Double
    /// Expected purchases in the next `t` weeks of a customer with this history.
    func expectedPurchases(_ t: Double, x: Double, tx: Double, T: Double) -> Double
    /// Expected purchases up to each of `times` (weeks ahead) — one call for a CLV's months, so a
    /// model can share the customer's terms between them.
    func expectedPurchases(upTo times: [Double], x: Double, tx: Double, T: Double) -> [Double]
}

extension PurchaseModel {
    public func expectedPurchases(upTo times: [Double], x: Double, tx: Double, T: Double) -> [Double] {
        times.map { expectedPurchases($0, x: x, tx: tx, T: T) }
    }
}

extension BGNBD: PurchaseModel {}
extension ParetoNBD: PurchaseModel {}

/// Calibration against holdout: does the model, fitted on the calibration period, predict what
/// customers then did? Customers are grouped by their calibration repeat purchases x (0 … 6, 7+)
/// as in Fader, Hardie & Lee (2005, figure 4), and the per-customer correlation is reported.
public struct ModelCheck: Sendable, Hashable {
    public struct Row: Sendable, Hashable {
        /// `0` … `6`, or `7+`.
        public var label: String
        public var customers: Int
        /// Mean actual purchases in the holdout period.
        public var actual: Double
        /// Mean expected purchases in the holdout period.
        public var expected: Double
    }

    public var rows: [Row]
    /// Pearson's correlation of expected and actual holdout purchases over customers.
    public var correlation: Double
    public var holdoutWeeks: Double
    public var totalActual: Double
    public var totalExpected: Double

    /// Checks `model` on `summary`, which must carry holdout purchases.
    public static func check(_ model: some PurchaseModel, summary: PurchaseSummary, holdoutWeeks: Double)
        throws(PatronError) -> ModelCheck
    {
        guard summary.holdout.count == summary.count, summary.count > 1 else {
            throw PatronError(.insufficientData, "the check needs customers with a holdout period")
        }
        let classes = 8
        var counts = [Int](repeating: 0, count: classes)
        var actual = [Double](repeating: 0, count: classes)
        var expected = [Double](repeating: 0, count: classes)
        var predictions = [Double](repeating: 0, count: summary.count)
        for i in 0..<summary.count {
            let e = model.expectedPurchases(holdoutWeeks, x: summary.x[i], tx: summary.tx[i], T: summary.T[i])
            predictions[i] = e
            let k = min(Int(summary.x[i]), classes - 1)
            counts[k] += 1
            actual[k] += summary.holdout[i]
            expected[k] += e
        }
        var rows: [Row] = []
        for k in 0..<classes where counts[k] > 0 {
            let n = Double(counts[k])
            let label = k == classes - 1 ? "\(k)+" : String(k)
            rows.append(Row(label: label, customers: counts[k], actual: actual[k] / n, expected: expected[k] / n))
        }
        return ModelCheck(
            rows: rows, correlation: pearson(predictions, summary.holdout), holdoutWeeks: holdoutWeeks,
            totalActual: actual.reduce(0, +), totalExpected: expected.reduce(0, +))
    }

    static func pearson(_ a: [Double], _ b: [Double]) -> Double {
        let n = Double(a.count)
        let meanA = a.reduce(0, +) / n
        let meanB = b.reduce(0, +) / n
        var covariance = 0.0
        var varianceA = 0.0
        var varianceB = 0.0
        for i in a.indices {
            covariance += (a[i] - meanA) * (b[i] - meanB)
            varianceA += (a[i] - meanA) * (a[i] - meanA)
            varianceB += (b[i] - meanB) * (b[i] - meanB)
        }
        return covariance / (varianceA * varianceB).squareRoot()
    }
}
