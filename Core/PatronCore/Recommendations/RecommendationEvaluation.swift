import Foundation

/// How well recommendations predict what customers buy next: learn from purchases before a cut,
/// recommend `n` SKUs each customer had not bought to those who buy something new after it, and
/// count the hits — for the recommender and two baselines (best sellers, plain co-occurrence).
public struct RecommendationEvaluation: Hashable, Sendable {
    /// One method's figures.
    public struct Result: Hashable, Sendable {
        public var method: String
        /// The share of customers with at least one hit in their `n` (HR@n).
        public var hitRate: Double
        /// Hits over `n`, averaged over customers (precision@n).
        public var precision: Double
        /// Hits over what the customer bought new, averaged (recall@n).
        public var recall: Double
    }

    public var cut: Int64
    public var n: Int
    /// Customers who bought before the cut and something new after it.
    public var customers: Int
    /// The lines learnt from.
    public var trainingLines: Int
    /// Recommender first, then `popular`, then `co-occurrence`.
    public var results: [Result]

    /// Whether the recommender beats both baselines on hit rate and precision.
    public var recommenderWins: Bool {
        guard let mine = results.first else { return false }
        return results.dropFirst().allSatisfy { mine.hitRate > $0.hitRate && mine.precision > $0.precision }
    }

    /// Evaluates on the store's purchases: learn before `cut`, test on what is bought from `cut`
    /// on (up to `until`, the whole history by default).
    public static func evaluate<S: Store>(
        _ store: S, cut: Int64, until: Int64 = .max, n: Int = 10, options: CoPurchaseModel.Options = .init()
    ) throws -> RecommendationEvaluation {
        guard n > 0 else { throw PatronError(.invalidArgument, "--n must be positive") }
        var before: [CustomerID: [String: Int64]] = [:]
        var after: [CustomerID: Set<String>] = [:]
        try store.forEachPurchase(before: until) { line in
            if line.placedAt < cut {
                before[line.customerID, default: [:]][line.sku] = line.placedAt
            } else {
                after[line.customerID, default: []].insert(line.sku)
            }
        }
        // Those who bought before and something new after.
        var tested: [(bought: [String: Int64], next: Set<String>)] = []
        for (customer, next) in after {
            guard let bought = before[customer] else { continue }
            let new = next.subtracting(bought.keys)
            if !new.isEmpty { tested.append((bought, new)) }
        }
        guard !tested.isEmpty else {
            throw PatronError(
                .invalidArgument, "no customer bought both before \(Timestamp.format(cut)) and something new after it")
        }
        let model = try CoPurchaseModel.build(store, asOf: cut, options: options)
        let plain = try CoPurchaseModel.build(store, asOf: cut, options: .plainCoOccurrence)
        guard model.lines > 0 else {
            throw PatronError(.invalidArgument, "no purchases before \(Timestamp.format(cut)) to learn from")
        }
        func score(_ method: String, _ recommend: ([String: Int64]) -> [String]) -> Result {
            var hits = 0
            var precision = 0.0
            var recall = 0.0
            for customer in tested {
                let found = recommend(customer.bought).filter { customer.next.contains($0) }.count
                if found > 0 { hits += 1 }
                precision += Double(found) / Double(n)
                recall += Double(found) / Double(customer.next.count)
            }
            let count = Double(tested.count)
            return Result(
                method: method, hitRate: Double(hits) / count, precision: precision / count, recall: recall / count)
        }
        let best = model.popularByBuyers
        let results = [
            score("recommender") { model.recommend(for: $0, n: n).map(\.sku) },
            score("popular") { bought in
                Array(best.lazy.filter { bought[$0] == nil }.prefix(n))
            },
            score("co-occurrence") { plain.recommend(for: $0, n: n).map(\.sku) },
        ]
        return RecommendationEvaluation(
            cut: cut, n: n, customers: tested.count, trainingLines: model.lines, results: results)
    }
}

extension CoPurchaseModel {
    /// SKUs by how many customers bought them before the model's time (no decay): the best-seller
    /// baseline.
    var popularByBuyers: [String] {
        buyers.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map(\.key)
    }
}
