import Foundation

/// The models of `patron predict`.
public enum PredictiveModel: String, CaseIterable, Sendable, Codable {
    /// Beta-geometric / negative binomial (Fader, Hardie & Lee 2005): r, α, a, b.
    case bgnbd
    /// Pareto/NBD (Schmittlein, Morrison & Colombo 1987): r, α, s, β.
    case pareto
    /// Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"): p, q, γ.
    case gammaGamma = "gg"
}

/// A maximum-likelihood fit: the parameters in the model's order, the log-likelihood at them,
/// and whatever a user should know before trusting it.
public struct ModelFit: Sendable, Hashable, Codable {
    public var model: PredictiveModel
    /// Parameter names in order (`r`, `alpha`, `a`, `b` …).
    public var names: [String]
    public var values: [Double]
    public var logLikelihood: Double
    /// Customers the fit used.
    public var customers: Int
    public var iterations: Int
    public var converged: Bool
    /// Why the fit may not be trusted (a parameter at its bound, no convergence).
    public var warnings: [String]

    public init(
        model: PredictiveModel, names: [String], values: [Double], logLikelihood: Double, customers: Int,
        iterations: Int, converged: Bool, warnings: [String]
    ) {
        self.model = model
        self.names = names
        self.values = values
        self.logLikelihood = logLikelihood
        self.customers = customers
        self.iterations = iterations
        self.converged = converged
        self.warnings = warnings
    }

    /// The value of the parameter called `name`.
    public subscript(_ name: String) -> Double? { names.firstIndex(of: name).map { values[$0] } }

    /// Beyond e^±runaway (10^±6) a parameter has run off towards 0 or ∞: the likelihood keeps
    /// improving along a direction the data does not pin down.
    static let runaway = log(1e6)

    /// Turns a minimiser's result over log-parameters into a fit, flagging parameters that ran
    /// off (the data does not pin them down) and non-convergence.
    static func make(
        _ model: PredictiveModel, names: [String], result: Minimizer.Result, customers: Int
    ) throws(PatronError) -> ModelFit {
        let values = result.point.map { exp($0) }
        guard result.value.isFinite, values.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw PatronError(
                .insufficientData,
                "the \(model.rawValue) fit did not reach a finite likelihood; the data may be degenerate")
        }
        var warnings: [String] = []
        for (name, point) in zip(names, result.point) where abs(point) >= runaway {
            warnings.append(
                "\(name) = \(String(format: "%.3g", exp(point))) runs off towards \(point > 0 ? "infinity" : "zero"): "
                    + "the data does not determine it (are the customers too alike, or too few?)")
        }
        if !result.converged {
            warnings.append("the optimiser stopped after \(result.iterations) iterations without converging")
        }
        return ModelFit(
            model: model, names: names, values: values, logLikelihood: -result.value, customers: customers,
            iterations: result.iterations, converged: result.converged, warnings: warnings)
    }
}

/// Summary rows with equal (x, tx, T) merged into one weighted row, and the distinct x, tx and T
/// values indexed, so a likelihood evaluation computes each logarithm and gamma function once per
/// distinct value instead of once per customer.
struct GroupedSummary {
    var xValues: [Double] = []
    var txValues: [Double] = []
    var TValues: [Double] = []
    var xIndex: [Int32] = []
    var txIndex: [Int32] = []
    var TIndex: [Int32] = []
    var weight: [Double] = []

    init(_ summary: PurchaseSummary) {
        // One row per distinct history, then each coordinate's distinct values.
        let histories = HistoryIndex(summary)
        weight = histories.count
        func index(_ values: [Double]) -> (values: [Double], index: [Int32]) {
            var table: [Double: Int32] = [:]
            var distinct: [Double] = []
            let index = histories.representative.map { i -> Int32 in
                if let found = table[values[i]] { return found }
                table[values[i]] = Int32(distinct.count)
                distinct.append(values[i])
                return Int32(distinct.count - 1)
            }
            return (distinct, index)
        }
        (xValues, xIndex) = index(summary.x)
        (txValues, txIndex) = index(summary.tx)
        (TValues, TIndex) = index(summary.T)
    }

    var rowCount: Int { weight.count }

    /// Sums `body` over row ranges, one range per core when there are many rows.
    static func parallelSum(rows: Int, width: Int, _ body: @Sendable (Range<Int>, inout [Double]) -> Void) -> [Double] {
        let partials = ParallelChunks<[Double]>(count: rows)
        partials.fill(chunks: rows >= 20_000 ? ParallelChunks<[Double]>.cores : 1) { range in
            var sums = [Double](repeating: 0, count: width)
            body(range, &sums)
            return [sums]
        }
        let chunks = partials.joined()
        return (0..<width).map { k in chunks.reduce(0) { $0 + $1[k] } }
    }
}
