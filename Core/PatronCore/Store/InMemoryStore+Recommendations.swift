import Foundation

extension InMemoryStore.Transaction {
    public func replaceRecommendationModel(_ model: StoredRecommendationModel) throws {
        state.recommendations = model
    }

    public func purchases(of customer: CustomerID) throws -> [PurchaseLine] {
        try orders(of: customer).filter(\.status.counts)
            .flatMap { order in
                order.lines.map { PurchaseLine(customerID: customer, sku: $0.sku, placedAt: order.placedAt) }
            }
            .sorted { ($0.placedAt, $0.sku) < ($1.placedAt, $1.sku) }
    }

    public func recommendationModelInfo() throws -> RecommendationModelInfo? { state.recommendations?.info }

    public func recommendationNeighbours(of skus: [String]) throws -> [String: [CoPurchaseModel.Neighbour]] {
        guard let model = state.recommendations else { return [:] }
        var found: [String: [CoPurchaseModel.Neighbour]] = [:]
        for sku in skus { found[sku] = model.neighbours[sku] }
        return found
    }

    public func popularSKUs(limit: Int) throws -> [CoPurchaseModel.Neighbour] {
        Array((state.recommendations?.popular ?? []).prefix(max(0, limit)))
    }

    public func forEachRecommendationNeighbours(_ body: (String, [CoPurchaseModel.Neighbour]) throws -> Void) throws {
        guard let model = state.recommendations else { return }
        for sku in model.neighbours.keys.sorted(by: Self.bytesBefore) { try body(sku, model.neighbours[sku]!) }
    }
}
