import Foundation

/// The Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"): a customer's
/// transaction values are Gamma(p, ν) with ν ~ Gamma(q, γ) across customers, independent of
/// how often they buy. Fitted on customers with repeat purchases, from their number x and mean
/// value m of repeat transactions.
public struct GammaGamma: Hashable, Sendable {
    public var p: Double
    public var q: Double
    public var gamma: Double

    public init(p: Double, q: Double, gamma: Double) {
        self.p = p
        self.q = q
        self.gamma = gamma
    }

    public init(_ fit: ModelFit) { self.init(p: fit.values[0], q: fit.values[1], gamma: fit.values[2]) }

    static let names = ["p", "q", "gamma"]

    /// One customer's log-likelihood of mean value `m` over `x` transactions.
    public func logLikelihood(x: Double, m: Double) -> Double {
        let px = p * x
        return logGamma(px + q) - logGamma(px) - logGamma(q) + q * log(gamma) + (px - 1) * log(m) + px * log(x)
            - (px + q) * log(gamma + x * m)
    }

    /// The expected mean transaction value of a customer with `x` repeat transactions of mean
    /// `m` (the population mean p·γ/(q − 1) for x = 0).
    public func expectedAverageValue(x: Double, m: Double) -> Double {
        (p * (gamma + x * m)) / (p * x + q - 1)
    }

    /// The maximum-likelihood fit to the repeat customers of a summary (x > 0, m > 0).
    /// `progress` hears of each iteration of the optimiser (its number and −LL).
    public static func fit(
        _ summary: PurchaseSummary, progress: @escaping (Int, Double) -> Void = { _, _ in }
    ) throws(PatronError) -> ModelFit {
        let repeaters = (0..<summary.count).filter { summary.x[$0] > 0 && summary.monetary[$0] > 0 }
        let xs = repeaters.map { summary.x[$0] }
        let ms = repeaters.map { summary.monetary[$0] }
        let logM = ms.map { log($0) }
        guard xs.count >= 2 else {
            throw PatronError(
                .insufficientData,
                "Gamma-Gamma needs at least two customers with repeat purchases of positive value (found \(xs.count))")
        }
        // Per distinct x: the index of each customer's x.
        var distinct: [Double: Int] = [:]
        var xValues: [Double] = []
        let xIndex = xs.map { x -> Int32 in
            if let found = distinct[x] { return Int32(found) }
            distinct[x] = xValues.count
            xValues.append(x)
            return Int32(xValues.count - 1)
        }
        let lnX = xValues.map { log($0) }
        var minimizer = Minimizer()
        minimizer.onIteration = progress
        let mean = ms.reduce(0, +) / Double(ms.count)
        let start = [0.0, 0.0, log(mean)]
        let result = minimizer.minimize(from: start) { point in
            let p = exp(point[0])
            let q = exp(point[1])
            let g = exp(point[2])
            let lgQ = logGamma(q)
            let psiQ = SpecialFunctions.digamma(q)
            let lnG = log(g)
            let perX = xValues.map { x -> (lg: Double, psiSum: Double, psiPX: Double) in
                let px = p * x
                let psiSum = SpecialFunctions.digamma(px + q)
                return (logGamma(px + q) - logGamma(px) - lgQ + q * lnG, psiSum, SpecialFunctions.digamma(px))
            }
            let sums = GroupedSummary.parallelSum(rows: xs.count, width: 4) { range, s in
                var ll = 0.0
                var gp = 0.0
                var gq = 0.0
                var gg = 0.0
                for i in range {
                    let k = Int(xIndex[i])
                    let x = xs[i]
                    let px = p * x
                    let lnGXM = log(g + x * ms[i])
                    ll += perX[k].lg + (px - 1) * logM[i] + px * lnX[k] - (px + q) * lnGXM
                    gp += x * (perX[k].psiSum - perX[k].psiPX + logM[i] + lnX[k] - lnGXM)
                    gq += perX[k].psiSum - psiQ + lnG - lnGXM
                    gg += q / g - (px + q) / (g + x * ms[i])
                }
                s[0] += ll
                s[1] += gp
                s[2] += gq
                s[3] += gg
            }
            return (-sums[0], [-sums[1] * p, -sums[2] * q, -sums[3] * g])
        }
        return try ModelFit.make(.gammaGamma, names: names, result: result, customers: xs.count)
    }
}
