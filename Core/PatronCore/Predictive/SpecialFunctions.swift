import Foundation

/// The special functions the buy-till-you-die models need, from the C math library where it has
/// them (`lgamma`, `log1p`, `exp`) and written here where it does not (digamma, Gauss's
/// hypergeometric function).
public enum SpecialFunctions {
    /// ln Γ(x) for x > 0.
    @inline(__always)
    public static func logGamma(_ x: Double) -> Double { PatronCore.logGamma(x) }

    /// ψ(x) = d/dx ln Γ(x) for x > 0: the recurrence ψ(x) = ψ(x + 1) − 1/x up to x ≥ 6, then the
    /// asymptotic series (absolute error below 1e-13).
    public static func digamma(_ x: Double) -> Double {
        guard x > 0, x.isFinite else { return .nan }
        var x = x
        var result = 0.0
        while x < 6 {
            result -= 1 / x
            x += 1
        }
        let f = 1 / (x * x)
        let series =
            f
            * (-1.0 / 12 + f * (1.0 / 120 + f * (-1.0 / 252 + f * (1.0 / 240 + f * (-1.0 / 132 + f * (691.0 / 32760))))))
        return result + log(x) - 0.5 / x + series
    }

    /// ln(eᵃ + eᵇ) without overflow.
    @inline(__always)
    public static func logAddExp(_ a: Double, _ b: Double) -> Double {
        if a == -.infinity { return b }
        if b == -.infinity { return a }
        return a > b ? a + log1p(exp(b - a)) : b + log1p(exp(a - b))
    }

    /// ln(eᵃ − eᵇ) for a ≥ b (−∞ when they are equal).
    public static func logSubExp(_ a: Double, _ b: Double) -> Double {
        if b == -.infinity { return a }
        guard a > b else { return a == b ? -.infinity : .nan }
        return a + log1p(-exp(b - a))
    }

    /// Gauss's hypergeometric function ₂F₁(a, b; c; z) for 0 ≤ z < 1 and positive a, b, c, by
    /// its power series, summed until a term no longer changes the sum (NaN if it has not
    /// settled after `maxTerms` terms — the callers treat that as an unusable point).
    public static func hyp2f1(_ a: Double, _ b: Double, _ c: Double, _ z: Double, maxTerms: Int = 200_000) -> Double {
        guard z >= 0, z < 1 else { return z < 0 ? hyp2f1Negative(a, b, c, z) : .nan }
        var term = 1.0
        var sum = 1.0
        var n = 0.0
        for _ in 0..<maxTerms {
            term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z
            sum += term
            if abs(term) <= 1e-15 * abs(sum) { return sum }
            if !term.isFinite { return .nan }
            n += 1
        }
        return .nan
    }

    /// ln ₂F₁(a, b; a + 1; z) for 0 ≤ z < 1 and 0 < b ≤ a + 1 — the form the Pareto/NBD likelihood
    /// needs — through Euler's transformation ₂F₁(a, b; c; z) = (1 − z)^(c−a−b) ₂F₁(c − a, c − b; c; z),
    /// whose series has positive terms shrinking at least as fast as zⁿ even when b is large.
    ///
    /// Not a number when the series has not converged in 100,000 terms (z within about 10⁻⁴ of 1,
    /// where parameters ran off): the fit's optimiser then steps back instead of summing 10⁷
    /// terms per customer per step (a small, degenerate summary took minutes per iteration).
    public static func logHyp2f1Shifted(_ a: Double, _ b: Double, _ z: Double) -> Double {
        guard z > 0 else { return z == 0 ? 0 : .nan }
        guard z < 1, b <= a + 1 else { return .nan }
        let d = a + 1 - b
        var term = 1.0
        var sum = 1.0
        var n = 0.0
        while true {
            term *= (d + n) / (a + 1 + n) * z
            sum += term
            if term <= 1e-16 * sum { break }
            n += 1
            if n >= 100_000 { return .nan }
        }
        return (1 - b) * log1p(-z) + log(sum)
    }

    /// ₂F₁ for −1 < z < 0 through Pfaff's transformation, which maps it into [0, 1/2).
    private static func hyp2f1Negative(_ a: Double, _ b: Double, _ c: Double, _ z: Double) -> Double {
        let w = z / (z - 1)
        return pow(1 - z, -a) * hyp2f1(a, c - b, c, w)
    }
}

/// ln Γ(x) for x > 0 (the C library's `lgamma`, named apart from Foundation's tuple overload).
@inline(__always)
func logGamma(_ x: Double) -> Double {
    let value: Double = lgamma(x)
    return value
}
