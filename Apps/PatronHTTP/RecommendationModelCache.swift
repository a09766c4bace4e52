import Foundation
import PatronCore

/// What `patron-api` keeps in memory to answer recommendation requests: the stored model and
/// the whole catalogue. Both are loaded on first use and again when the store holds a newer
/// one: the model's `built_at` and the ``CatalogueTransaction/catalogueVersion()`` are read at
/// most every `checkSeconds`, so that a nightly rebuild or a product webhook shows within
/// seconds and a request reads neither a thousand neighbour rows nor the catalogue.
// Safe to share between tasks although the compiler cannot check it: `entry`, `catalogue` and
// `checkedAt` are only read and written while `lock` is held; `refreshing` lets one request at
// a time reload; the other properties are constants (a Sendable closure and a Double).
final class RecommendationModelCache: @unchecked Sendable {
    private let lock = NSLock()
    private let refreshing = NSLock()
    private var entry: (builtAt: Int64, model: CoPurchaseModel)?
    private var catalogue: CatalogueSnapshot?
    private var checkedAt: Double = -.infinity
    let checkSeconds: Double
    let clock: @Sendable () -> Double

    init(checkSeconds: Double = 2, clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.checkSeconds = checkSeconds
        self.clock = clock
    }

    /// The model to answer with (`nil` when the store has none) and the catalogue.
    func current<S: Store>(_ store: S) throws -> (model: CoPurchaseModel?, catalogue: CatalogueSnapshot) {
        lock.lock()
        let (cached, products, fresh) = (entry, catalogue, clock() - checkedAt < checkSeconds)
        lock.unlock()
        // Without a model, every request looks again (a first rebuild shows at once).
        if fresh, let cached, let products { return (cached.model, products) }
        // One request reloads; the others meanwhile answer with what is held (seconds old).
        if let products {
            guard refreshing.try() else { return (cached?.model, products) }
        } else {
            refreshing.lock()
        }
        defer { refreshing.unlock() }
        // What the request before this one reloaded.
        let now = clock()
        lock.lock()
        let (latest, heldBefore, reloaded) = (entry, catalogue, now - checkedAt < checkSeconds)
        lock.unlock()
        if reloaded, let latest, let heldBefore { return (latest.model, heldBefore) }
        let (info, version) = try store.quickRead { t in (try t.recommendationModelInfo(), try t.catalogueVersion()) }
        let held =
            try heldBefore.flatMap { $0.version == version ? $0 : nil }
            ?? store.read { try CatalogueSnapshot.load(in: $0) }
        var model: (builtAt: Int64, model: CoPurchaseModel)?
        if let info {
            if let latest, latest.builtAt == info.builtAt {
                model = latest
            } else if let loaded = try RecommendationDesk.loadStoredModel(store) {
                model = (loaded.info.builtAt, loaded.model)
            }
        }
        lock.lock()
        entry = model
        catalogue = held
        checkedAt = now
        lock.unlock()
        return (model?.model, held)
    }
}
