import Foundation

/// The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987): while alive a customer buys at a
/// Poisson rate λ ~ Gamma(r, α) and lives an exponential time with rate μ ~ Gamma(s, β). Time is
/// in weeks. The likelihood needs Gauss's hypergeometric function; it is written in log space
/// after Fader & Hardie's note and the `lifetimes` package.
public struct ParetoNBD: Hashable, Sendable {
    public var r: Double
    public var alpha: Double
    public var s: Double
    public var beta: Double

    public init(r: Double, alpha: Double, s: Double, beta: Double) {
        self.r = r
        self.alpha = alpha
        self.s = s
        self.beta = beta
    }

    public init(_ fit: ModelFit) {
        self.init(r: fit.values[0], alpha: fit.values[1], s: fit.values[2], beta: fit.values[3])
    }

    static let names = ["r", "alpha", "s", "beta"]

    /// ln A₀, the part of the likelihood for dying between tx and T.
    func logA0(x: Double, tx: Double, T: Double) -> Double {
        let (smaller, larger, t) = alpha < beta ? (alpha, beta, r + x) : (beta, alpha, s + 1)
        let difference = larger - smaller
        let rsx = r + s + x
        let q1 = larger + tx
        let q2 = larger + T
        let logP1 = SpecialFunctions.logHyp2f1Shifted(rsx, t, difference / q1)
        let logP2 = SpecialFunctions.logHyp2f1Shifted(rsx, t, difference / q2)
        return SpecialFunctions.logSubExp(logP1 + rsx * log(q2), logP2 + rsx * log(q1)) - rsx * (log(q1) + log(q2))
    }

    /// One customer's log-likelihood.
    public func logLikelihood(x: Double, tx: Double, T: Double) -> Double {
        let a1 = logGamma(r + x) - logGamma(r) + r * log(alpha) + s * log(beta)
        let alive = -(r + x) * log(alpha + T) - s * log(beta + T)
        let died = log(s) + logA0(x: x, tx: tx, T: T) - log(r + s + x)
        return a1 + SpecialFunctions.logAddExp(alive, died)
    }

    /// The probability that a customer with this history is still alive at T.
    public func probabilityAlive(x: Double, tx: Double, T: Double) -> Double {
        let logRatio =
            log(s) - log(r + s + x) + (r + x) * log(alpha + T) + s * log(beta + T) + logA0(x: x, tx: tx, T: T)
        return 1 / (1 + exp(logRatio))
    }

    /// Expected purchases in the next `t` weeks of a customer with this history.
    public func expectedPurchases(_ t: Double, x: Double, tx: Double, T: Double) -> Double {
        guard t > 0 else { return 0 }
        let alive = probabilityAlive(x: x, tx: tx, T: T)
        let rate = (r + x) / (alpha + T)
        if abs(s - 1) < 1e-9 { return rate * (beta + T) * log((beta + T + t) / (beta + T)) * alive }
        return rate * (beta + T) / (s - 1) * (1 - pow((beta + T) / (beta + T + t), s - 1)) * alive
    }

    /// The maximum-likelihood fit (gradient by central differences: the 2F1 terms have no
    /// convenient derivative).
    /// `progress` hears of each iteration of the optimiser (its number and −LL).
    public static func fit(
        _ summary: PurchaseSummary, progress: @escaping (Int, Double) -> Void = { _, _ in }
    ) throws(PatronError) -> ModelFit {
        guard summary.count > 0 else {
            throw PatronError(.insufficientData, "no customer has an order up to the calibration end")
        }
        guard summary.repeatCustomers > 0 else {
            throw PatronError(
                .insufficientData,
                "no customer bought on two different days before the calibration end; Pareto/NBD needs repeat purchases"
            )
        }
        let data = GroupedSummary(summary)
        var minimizer = Minimizer()
        minimizer.onIteration = progress
        let meanT = summary.T.reduce(0, +) / Double(summary.count)
        let start = [0.0, log(max(meanT, 1e-3)), 0.0, log(max(meanT, 1e-3))]
        let objective = Minimizer.numericGradient { point -> Double in
            let model = ParetoNBD(r: exp(point[0]), alpha: exp(point[1]), s: exp(point[2]), beta: exp(point[3]))
            let sums = GroupedSummary.parallelSum(rows: data.rowCount, width: 1) { range, sum in
                var ll = 0.0
                for row in range {
                    ll +=
                        data.weight[row]
                        * model.logLikelihood(
                            x: data.xValues[Int(data.xIndex[row])], tx: data.txValues[Int(data.txIndex[row])],
                            T: data.TValues[Int(data.TIndex[row])])
                }
                sum[0] += ll
            }
            return -sums[0]
        }
        let result = minimizer.minimize(from: start, objective)
        return try ModelFit.make(.pareto, names: names, result: result, customers: summary.count)
    }
}
