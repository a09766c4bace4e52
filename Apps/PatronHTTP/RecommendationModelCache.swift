import Foundation
import PatronCore

/// The stored recommendation model, kept in memory by `patron-api`: loaded whole on first use
/// (``RecommendationDesk/loadStoredModel(_:)``) and again when the store holds a newer one
/// (its `built_at` is read at most every `checkSeconds`), so that a nightly rebuild shows
/// within seconds and a request never reads a thousand neighbour rows.
// @unchecked Sendable: `entry` and `checkedAt` are only read and written while `lock` is held;
// the other properties are constants (a Sendable closure and a Double).
final class RecommendationModelCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entry: (builtAt: Int64, model: CoPurchaseModel)?
    private var checkedAt: Double = -.infinity
    let checkSeconds: Double
    let clock: @Sendable () -> Double

    init(checkSeconds: Double = 2, clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.checkSeconds = checkSeconds
        self.clock = clock
    }

    /// The model to answer with; `nil` when the store has none.
    func model<S: Store>(_ store: S) throws -> CoPurchaseModel? {
        let now = clock()
        lock.lock()
        let (cached, fresh) = (entry, now - checkedAt < checkSeconds)
        lock.unlock()
        // Without a model, every request looks again (a first rebuild shows at once).
        if fresh, let cached { return cached.model }
        let info = try store.quickRead { try $0.recommendationModelInfo() }
        guard let info else {
            remember(nil, at: now)
            return nil
        }
        if let cached, cached.builtAt == info.builtAt {
            remember(cached, at: now)
            return cached.model
        }
        guard let loaded = try RecommendationDesk.loadStoredModel(store) else {
            remember(nil, at: now)
            return nil
        }
        remember((loaded.info.builtAt, loaded.model), at: now)
        return loaded.model
    }

    private func remember(_ value: (builtAt: Int64, model: CoPurchaseModel)?, at now: Double) {
        lock.lock()
        entry = value
        checkedAt = now
        lock.unlock()
    }
}
