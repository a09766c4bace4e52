import Foundation

/// Quasi-Newton minimisation (BFGS with a backtracking Armijo line search) for the model fits.
///
/// The fits minimise a negative log-likelihood over the logarithms of positive parameters, so
/// the search space is unconstrained; `bound` keeps every coordinate inside ±bound so that a
/// likelihood that keeps improving towards 0 or ∞ stops at a flagged edge instead of overflowing.
struct Minimizer {
    /// The objective and its gradient at a point; a non-finite value marks a point to avoid.
    typealias Objective = ([Double]) -> (value: Double, gradient: [Double])

    struct Result {
        var point: [Double]
        var value: Double
        var iterations: Int
        var converged: Bool
    }

    var maxIterations = 500
    /// Converged when every gradient coordinate is below this times (1 + |value|).
    var gradientTolerance = 1e-9
    /// Converged when an iteration improves the value by less than this times (1 + |value|).
    var valueTolerance = 1e-14
    var bound = 25.0
    /// Called after each iteration with its number and the objective's value (for progress).
    var onIteration: (Int, Double) -> Void = { _, _ in }

    func minimize(from start: [Double], _ objective: Objective) -> Result {
        let n = start.count
        var x = start.map { min(max($0, -bound), bound) }
        var (f, g) = objective(x)
        guard f.isFinite, g.allSatisfy(\.isFinite) else {
            return Result(point: x, value: f, iterations: 0, converged: false)
        }
        var h = Self.identity(n)
        var stalls = 0
        for iteration in 1...maxIterations {
            if g.allSatisfy({ abs($0) <= gradientTolerance * (1 + abs(f)) }) {
                return Result(point: x, value: f, iterations: iteration - 1, converged: true)
            }
            // Direction p = −H g; fall back to steepest descent when it does not descend.
            var p = (0..<n).map { i in -(0..<n).reduce(0) { $0 + h[i][$1] * g[$1] } }
            var slope = zip(p, g).reduce(0) { $0 + $1.0 * $1.1 }
            if !(slope < 0) {
                h = Self.identity(n)
                p = g.map { -$0 }
                slope = zip(p, g).reduce(0) { $0 + $1.0 * $1.1 }
            }
            // Backtracking line search, staying inside the box.
            var step = 1.0
            let longest = p.map(abs).max() ?? 0
            if longest * step > 5 { step = 5 / longest }
            var accepted: (x: [Double], f: Double, g: [Double])?
            for _ in 0..<60 {
                let candidate = (0..<n).map { min(max(x[$0] + step * p[$0], -bound), bound) }
                let (fc, gc) = objective(candidate)
                if fc.isFinite, gc.allSatisfy(\.isFinite), fc <= f + 1e-4 * step * slope {
                    accepted = (candidate, fc, gc)
                    break
                }
                step *= 0.5
            }
            guard let next = accepted else {
                // No descent along p: restart from steepest descent once, else stop here.
                if h != Self.identity(n) {
                    h = Self.identity(n)
                    continue
                }
                return Result(point: x, value: f, iterations: iteration, converged: false)
            }
            let s = (0..<n).map { next.x[$0] - x[$0] }
            let y = (0..<n).map { next.g[$0] - g[$0] }
            let improvement = f - next.f
            x = next.x
            f = next.f
            g = next.g
            onIteration(iteration, f)
            let sy = zip(s, y).reduce(0) { $0 + $1.0 * $1.1 }
            if sy > 1e-12 {
                // H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ
                let rho = 1 / sy
                let hy = (0..<n).map { i in (0..<n).reduce(0) { $0 + h[i][$1] * y[$1] } }
                let yhy = zip(y, hy).reduce(0) { $0 + $1.0 * $1.1 }
                for i in 0..<n {
                    for j in 0..<n {
                        h[i][j] += -rho * (hy[i] * s[j] + s[i] * hy[j]) + (rho * rho * yhy + rho) * s[i] * s[j]
                    }
                }
            }
            if improvement <= valueTolerance * (1 + abs(f)) {
                stalls += 1
                if stalls >= 3 { return Result(point: x, value: f, iterations: iteration, converged: true) }
            } else {
                stalls = 0
            }
        }
        return Result(point: x, value: f, iterations: maxIterations, converged: false)
    }

    static func identity(_ n: Int) -> [[Double]] {
        (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } }
    }

    /// A gradient by central differences, for objectives without an analytic one.
    static func numericGradient(_ f: @escaping ([Double]) -> Double, step: Double = 1e-6) -> Objective {
        { x in
            let value = f(x)
            let gradient = x.indices.map { i -> Double in
                var up = x
                var down = x
                up[i] += step
                down[i] -= step
                return (f(up) - f(down)) / (2 * step)
            }
            return (value, gradient)
        }
    }
}
