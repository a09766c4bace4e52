import Foundation

/// Recommendations' kernel functions, one call per CLI command or API route, on any store. The
/// model is learnt from the store's purchases when asked (a stored nightly model is not built
/// yet).
public enum RecommendationDesk {
    /// Up to `n` SKUs for the customer (``CoPurchaseModel/recommend(for:n:excluding:fill:at:)``):
    /// never one they bought. `.notFound` for an unknown customer.
    public static func forCustomer<S: Store>(
        _ store: S, _ customer: CustomerID, n: Int, at now: Int64, options: CoPurchaseModel.Options = .init()
    ) throws -> [Recommendation] {
        guard n > 0 else { throw PatronError(.invalidArgument, "n: must be positive, found \(n)") }
        let orders = try store.read { t in
            guard try t.customerExists(customer) else {
                throw PatronError(.notFound, "no customer \(customer.rawValue)")
            }
            return try t.orders(of: customer)
        }
        var bought: [String: Int64] = [:]
        for order in orders where order.status.counts && order.placedAt <= now {
            for line in order.lines { bought[line.sku] = max(bought[line.sku] ?? .min, order.placedAt) }
        }
        let model = try CoPurchaseModel.build(store, asOf: now + 1, options: options)
        return model.recommend(for: bought, n: n, at: now)
    }

    /// The SKUs most bought with `sku`, best first. `.notFound` when no customer bought it.
    public static func alsoBought<S: Store>(
        _ store: S, sku: String, n: Int, at now: Int64, options: CoPurchaseModel.Options = .init()
    ) throws -> [CoPurchaseModel.Neighbour] {
        guard n > 0 else { throw PatronError(.invalidArgument, "n: must be positive, found \(n)") }
        let model = try CoPurchaseModel.build(store, asOf: now + 1, options: options)
        guard let found = model.alsoBought(sku, n: n) else {
            throw PatronError(.notFound, "no customer bought SKU '\(sku)'")
        }
        return found
    }
}
