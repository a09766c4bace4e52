import Foundation

/// A learnt recommendation model as a store keeps it: each SKU's closest SKUs, the best sellers,
/// and what it was learnt from. Rebuilt by the nightly job (``RecommendationDesk/rebuild(_:at:options:)``);
/// read per request, a few rows at a time.
public struct StoredRecommendationModel: Hashable, Sendable {
    public var info: RecommendationModelInfo
    /// Each SKU's closest SKUs, best first.
    public var neighbours: [String: [CoPurchaseModel.Neighbour]]
    /// The best sellers, best first: `together` is the SKU's number of buyers.
    public var popular: [CoPurchaseModel.Neighbour]

    public init(
        info: RecommendationModelInfo, neighbours: [String: [CoPurchaseModel.Neighbour]],
        popular: [CoPurchaseModel.Neighbour]
    ) {
        self.info = info
        self.neighbours = neighbours
        self.popular = popular
    }
}

/// When a stored model was learnt, from what, with which settings.
public struct RecommendationModelInfo: Hashable, Sendable {
    /// Purchases before this time were learnt from.
    public var asOf: Int64
    public var builtAt: Int64
    public var lines: Int
    public var customers: Int
    public var options: CoPurchaseModel.Options

    public init(asOf: Int64, builtAt: Int64, lines: Int, customers: Int, options: CoPurchaseModel.Options) {
        self.asOf = asOf
        self.builtAt = builtAt
        self.lines = lines
        self.customers = customers
        self.options = options
    }
}

/// What a store keeps for recommendations, inside its transactions: one learnt model at a time.
/// ``StoreTransaction`` includes it, so every store keeps it.
///
/// An implementer keeps: ``replaceRecommendationModel(_:)`` swaps the whole model in the
/// transaction (nothing of the one before is left; readers see the old or the new, never a mix);
/// neighbours come back in their order with their scores exactly; SKUs are compared as bytes.
/// Checked by the store conformance kit's `recommendation model` rule.
public protocol RecommendationTransaction {
    /// Replaces the stored model with `model`.
    func replaceRecommendationModel(_ model: StoredRecommendationModel) throws
    /// The stored model's info, `nil` when none was built.
    func recommendationModelInfo() throws -> RecommendationModelInfo?
    /// What one customer bought: a line per line of each of their orders that counts (not
    /// cancelled), as ``Store/forEachPurchase(before:_:)`` streams them, in time then SKU order.
    /// What a recommendation request reads of the customer (one statement, no order records).
    func purchases(of customer: CustomerID) throws -> [PurchaseLine]
    /// The stored closest SKUs of each of `skus` that has some, best first.
    func recommendationNeighbours(of skus: [String]) throws -> [String: [CoPurchaseModel.Neighbour]]
    /// The stored best sellers, best first, at most `limit`.
    func popularSKUs(limit: Int) throws -> [CoPurchaseModel.Neighbour]
    /// Calls `body` with every SKU's stored closest SKUs (best first), SKU by SKU in byte order:
    /// the whole model, for a server that keeps it in memory.
    func forEachRecommendationNeighbours(_ body: (String, [CoPurchaseModel.Neighbour]) throws -> Void) throws
}

extension CoPurchaseModel.Options {
    /// The settings as stored: `key=value` pairs (`half_life=90 shrinkage=2 …`), `none` for no decay.
    public var text: String {
        [
            "half_life=\(halfLifeDays.map { String($0) } ?? "none")", "shrinkage=\(shrinkage)",
            "neighbours=\(neighbours)", "most_items=\(mostItemsPerCustomer)", "source_weight=\(sourceWeight)",
            "damping=\(popularityDamping)", "blend=\(popularityBlend)", "customer_damping=\(customerDamping)",
        ].joined(separator: " ")
    }

    /// The settings from ``text``; `nil` when it is not such a text.
    public init?(text: String) {
        var values: [String: String] = [:]
        for pair in text.split(separator: " ") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { return nil }
            values[parts[0]] = parts[1]
        }
        guard let half = values["half_life"], let shrinkage = values["shrinkage"].flatMap(Double.init),
            let neighbours = values["neighbours"].flatMap(Int.init), let most = values["most_items"].flatMap(Int.init),
            let source = values["source_weight"].flatMap(Double.init),
            let damping = values["damping"].flatMap(Double.init),
            let blend = values["blend"].flatMap(Double.init)
        else { return nil }
        // Models stored before customer damping existed counted every customer alike.
        let customerDamping: Double
        if let text = values["customer_damping"] {
            guard let value = Double(text) else { return nil }
            customerDamping = value
        } else {
            customerDamping = 0
        }
        let halfLife: Double?
        if half == "none" { halfLife = nil } else if let days = Double(half) { halfLife = days } else { return nil }
        self.init(
            halfLifeDays: halfLife, shrinkage: shrinkage, neighbours: neighbours, mostItemsPerCustomer: most,
            sourceWeight: source, popularityDamping: damping, popularityBlend: blend,
            customerDamping: customerDamping)
    }
}
