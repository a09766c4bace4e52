import Foundation

/// A model the data could not support, and why.
public struct ModelFitFailure: Sendable, Hashable {
    public var model: PredictiveModel
    public var reason: String
}

/// The fits of several models: those that worked, in the order asked, and those that did not.
public struct ModelFitOutcome: Sendable, Hashable {
    public var fits: [ModelFit]
    public var failures: [ModelFitFailure]
}

/// Fits several models to one summary. A model the data cannot support (Gamma-Gamma without
/// spend, BG/NBD without repeat purchases) is reported with its reason; the others still fit.
public enum ModelFitting {
    /// Fits each of `models` in turn (each once, in the order given); `progress` hears of each
    /// optimiser iteration with the model, the iteration and −LL.
    public static func fit(
        _ models: [PredictiveModel], to summary: PurchaseSummary,
        progress: @escaping (PredictiveModel, Int, Double) -> Void = { _, _, _ in }
    ) -> ModelFitOutcome {
        var outcome = ModelFitOutcome(fits: [], failures: [])
        var seen = Set<PredictiveModel>()
        for model in models where seen.insert(model).inserted {
            do {
                let report = { (iteration: Int, value: Double) in progress(model, iteration, value) }
                switch model {
                case .bgnbd: outcome.fits.append(try BGNBD.fit(summary, progress: report))
                case .pareto: outcome.fits.append(try ParetoNBD.fit(summary, progress: report))
                case .gammaGamma: outcome.fits.append(try GammaGamma.fit(summary, progress: report))
                }
            } catch {
                outcome.failures.append(ModelFitFailure(model: model, reason: error.message))
            }
        }
        return outcome
    }
}
