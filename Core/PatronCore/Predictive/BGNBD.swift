import Foundation

/// The BG/NBD model (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): while
/// alive a customer buys at a Poisson rate λ ~ Gamma(r, α); after each purchase they drop out
/// with probability p ~ Beta(a, b). Time is in weeks.
public struct BGNBD: Hashable, Sendable {
    public var r: Double
    public var alpha: Double
    public var a: Double
    public var b: Double

    public init(r: Double, alpha: Double, a: Double, b: Double) {
        self.r = r
        self.alpha = alpha
        self.a = a
        self.b = b
    }

    public init(_ fit: ModelFit) {
        self.init(r: fit.values[0], alpha: fit.values[1], a: fit.values[2], b: fit.values[3])
    }

    static let names = ["r", "alpha", "a", "b"]

    /// One customer's log-likelihood.
    public func logLikelihood(x: Double, tx: Double, T: Double) -> Double {
        let a1: Double = logGamma(r + x) - logGamma(r) + r * log(alpha)
        let a2: Double = logGamma(a + b) + logGamma(b + x) - logGamma(b) - logGamma(a + b + x)
        let a3 = -(r + x) * log(alpha + T)
        guard x > 0 else { return a1 + a2 + a3 }
        let a4 = log(a) - log(b + x - 1) - (r + x) * log(alpha + tx)
        return a1 + a2 + SpecialFunctions.logAddExp(a3, a4)
    }

    /// The probability that a customer with this history is still alive at T.
    public func probabilityAlive(x: Double, tx: Double, T: Double) -> Double {
        guard x > 0 else { return 1 }
        let logRatio = log(a) - log(b + x - 1) + (r + x) * (log(alpha + T) - log(alpha + tx))
        return 1 / (1 + exp(logRatio))
    }

    /// Expected purchases in the next `t` weeks of a customer with this history.
    public func expectedPurchases(_ t: Double, x: Double, tx: Double, T: Double) -> Double {
        guard t > 0 else { return 0 }
        let z = t / (alpha + T + t)
        let hyp = SpecialFunctions.hyp2f1(r + x, b + x, a + b + x - 1, z)
        let head = (a + b + x - 1) / (a - 1)
        let tail = 1 - exp((r + x) * log((alpha + T) / (alpha + T + t))) * hyp
        let alive = x > 0 ? 1 + a / (b + x - 1) * exp((r + x) * (log(alpha + T) - log(alpha + tx))) : 1
        return head * tail / alive
    }

    /// Expected purchases up to each of `times`, sharing the customer's terms.
    public func expectedPurchases(upTo times: [Double], x: Double, tx: Double, T: Double) -> [Double] {
        let head = (a + b + x - 1) / (a - 1)
        let alive = x > 0 ? 1 + a / (b + x - 1) * exp((r + x) * (log(alpha + T) - log(alpha + tx))) : 1
        let scale = head / alive
        let aT = alpha + T
        return times.map { t in
            guard t > 0 else { return 0 }
            let hyp = SpecialFunctions.hyp2f1(r + x, b + x, a + b + x - 1, t / (aT + t))
            return scale * (1 - exp((r + x) * log(aT / (aT + t))) * hyp)
        }
    }

    /// Expected purchases of a new customer in their first `t` weeks.
    public func expectedPurchases(_ t: Double) -> Double {
        let hyp = SpecialFunctions.hyp2f1(r, b, a + b - 1, t / (alpha + t))
        return (a + b - 1) / (a - 1) * (1 - pow(alpha / (alpha + t), r) * hyp)
    }

    /// The maximum-likelihood fit to a summary's customers.
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
                "no customer bought on two different days before the calibration end; BG/NBD needs repeat purchases")
        }
        let data = GroupedSummary(summary)
        var minimizer = Minimizer()
        minimizer.onIteration = progress
        let meanT = summary.T.reduce(0, +) / Double(summary.count)
        let start = [0.0, log(max(meanT, 1e-3)), 0.0, 0.0]
        let result = minimizer.minimize(from: start) { negativeLogLikelihood(logParameters: $0, data) }
        return try ModelFit.make(.bgnbd, names: names, result: result, customers: summary.count)
    }

    /// −LL and its gradient over (ln r, ln α, ln a, ln b).
    static func negativeLogLikelihood(logParameters p: [Double], _ data: GroupedSummary) -> (Double, [Double]) {
        let r = exp(p[0])
        let alpha = exp(p[1])
        let a = exp(p[2])
        let b = exp(p[3])
        let lnA = log(a)
        let lnAlpha = log(alpha)
        // Per distinct x.
        let xs = data.xValues
        let constant: Double = -logGamma(r) + r * lnAlpha + logGamma(a + b) - logGamma(b)
        let gammaTerms = xs.map { (x: Double) -> Double in
            let rising: Double = logGamma(r + x) + logGamma(b + x)
            return constant + rising - logGamma(a + b + x)
        }
        let psiAB = SpecialFunctions.digamma(a + b)
        let psiR = SpecialFunctions.digamma(r)
        let psiB = SpecialFunctions.digamma(b)
        let dR = xs.map { SpecialFunctions.digamma(r + $0) - psiR + lnAlpha }
        let dA = xs.map { psiAB - SpecialFunctions.digamma(a + b + $0) }
        let dB = xs.map { psiAB + SpecialFunctions.digamma(b + $0) - psiB - SpecialFunctions.digamma(a + b + $0) }
        let lnBX1 = xs.map { $0 > 0 ? log(b + $0 - 1) : 0 }
        // Per distinct T and tx.
        let lnAT = data.TValues.map { log(alpha + $0) }
        let invAT = data.TValues.map { 1 / (alpha + $0) }
        let lnATx = data.txValues.map { log(alpha + $0) }
        let invATx = data.txValues.map { 1 / (alpha + $0) }

        let sums = GroupedSummary.parallelSum(rows: data.rowCount, width: 5) { range, s in
            var ll = 0.0
            var gr = 0.0
            var gAlpha = 0.0
            var ga = 0.0
            var gb = 0.0
            for row in range {
                let xi = Int(data.xIndex[row])
                let Ti = Int(data.TIndex[row])
                let w = data.weight[row]
                let x = xs[xi]
                let rx = r + x
                var value = gammaTerms[xi] - rx * lnAT[Ti]
                var dr = dR[xi] - lnAT[Ti]
                var dAlpha = r / alpha - rx * invAT[Ti]
                var da = dA[xi]
                var db = dB[xi]
                if x > 0 {
                    let ti = Int(data.txIndex[row])
                    let d = lnA - lnBX1[xi] + rx * (lnAT[Ti] - lnATx[ti])
                    // softplus(d) = ln(1 + eᵈ), and its weight σ(d).
                    let e = exp(-abs(d))
                    let softplus = max(d, 0) + log1p(e)
                    let sigma = d >= 0 ? 1 / (1 + e) : e / (1 + e)
                    value += softplus
                    dr += sigma * (lnAT[Ti] - lnATx[ti])
                    dAlpha -= rx * sigma * (invATx[ti] - invAT[Ti])
                    da += sigma / a
                    db -= sigma / (b + x - 1)
                }
                ll += w * value
                gr += w * dr
                gAlpha += w * dAlpha
                ga += w * da
                gb += w * db
            }
            s[0] += ll
            s[1] += gr
            s[2] += gAlpha
            s[3] += ga
            s[4] += gb
        }
        // Chain rule to log-parameters, negated for minimisation.
        return (-sums[0], [-sums[1] * r, -sums[2] * alpha, -sums[3] * a, -sums[4] * b])
    }
}
