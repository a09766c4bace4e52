import Foundation

/// A SKU suggested to a customer, and why.
public struct Recommendation: Hashable, Sendable {
    public enum Source: String, Hashable, Sendable {
        /// Customers who bought what this customer bought also bought it.
        case alsoBought = "also_bought"
        /// Among the shop's best sellers: what fills the list when too little is known.
        case popular
        /// Something the customer buys again and again, due again about now (their own median
        /// interval between purchases of it): the exception to "never what they bought".
        case replenish
    }

    /// A SKU the customer bought that led to the suggestion, and how much it added.
    public struct Reason: Hashable, Sendable {
        public var sku: String
        public var score: Double
        /// How many customers bought both.
        public var together: Int

        public init(sku: String, score: Double, together: Int) {
            self.sku = sku
            self.score = score
            self.together = together
        }
    }

    public var sku: String
    public var score: Double
    public var source: Source
    /// The bought SKUs behind an `also_bought` suggestion, strongest first (at most three).
    public var because: [Reason]
    /// The catalogue's product for the SKU (name, page, image, price), when the store has one.
    public var product: ProductRecord?
    /// For a `replenish` suggestion: the customer's interval between purchases of it, in days.
    public var intervalDays: Int?

    public init(
        sku: String, score: Double, source: Source, because: [Reason], product: ProductRecord? = nil,
        intervalDays: Int? = nil
    ) {
        self.sku = sku
        self.score = score
        self.source = source
        self.because = because
        self.product = product
        self.intervalDays = intervalDays
    }
}

extension CoPurchaseModel {
    /// Up to `n` SKUs for a customer who bought `bought` (SKU → when last), never one bought, in
    /// `excluding` or that `admits` refuses (the catalogue's rule: unknown or out of stock): the SKUs close to what they bought, each bought SKU counting less as it
    /// ages (the model's half-life), then the best sellers when fewer than `n` are found (and
    /// `fill`). The same input gives the same list (ties go to the SKU).
    public func recommend(
        for bought: [String: Int64], n: Int, excluding: Set<String> = [], fill: Bool = true, at now: Int64? = nil,
        admits: (String) -> Bool = { _ in true }
    ) -> [Recommendation] {
        guard n > 0 else { return [] }
        let now = now ?? asOf
        // Each SKU met is judged once (bought, excluded, refused by `admits`: -1) and then scored
        // in flat arrays; each keeps its three strongest reasons as they come.
        var slot: [String: Int] = [:]
        var skus: [String] = []
        var scores: [Double] = []
        var reasons: [[Recommendation.Reason]] = []
        func candidate(_ sku: String) -> Int? {
            if let known = slot[sku] { return known >= 0 ? known : nil }
            guard bought[sku] == nil, !excluding.contains(sku), admits(sku) else {
                slot[sku] = -1
                return nil
            }
            slot[sku] = skus.count
            skus.append(sku)
            scores.append(0)
            reasons.append([])
            return skus.count - 1
        }
        // In SKU order, so that the sums (and ties) are the same on every run.
        for (sku, at) in bought.sorted(by: { $0.key < $1.key }) {
            guard let close = neighbours[sku] else { continue }
            var weight = 1.0
            if let half = options.halfLifeDays, half > 0 {
                weight = pow(0.5, Double(max(0, now - at)) / (half * 86_400))
            }
            for neighbour in close {
                guard let index = candidate(neighbour.sku) else { continue }
                let added = weight * neighbour.score
                scores[index] += added
                let reason = Recommendation.Reason(sku: sku, score: added, together: neighbour.together)
                var position = reasons[index].count
                while position > 0, Self.stronger(reason, than: reasons[index][position - 1]) { position -= 1 }
                if position < 3 {
                    reasons[index].insert(reason, at: position)
                    if reasons[index].count > 3 { reasons[index].removeLast() }
                }
            }
        }
        if options.popularityBlend > 0, let best = popular.first?.score, best > 0 {
            let top = scores.max() ?? 1
            for index in scores.indices {
                scores[index] = scores[index] / top + options.popularityBlend * (popularity[skus[index]] ?? 0) / best
            }
            for (sku, score) in popular.prefix(100) where slot[sku] == nil {
                guard let index = candidate(sku) else { continue }
                scores[index] = options.popularityBlend * score / best
            }
        }
        // The n best, higher score first, then by SKU.
        func better(_ a: Int, _ b: Int) -> Bool {
            scores[a] != scores[b] ? scores[a] > scores[b] : skus[a] < skus[b]
        }
        var top: [Int] = []
        top.reserveCapacity(min(n, scores.count) + 1)
        for index in scores.indices where top.count < n || better(index, top[top.count - 1]) {
            var position = top.count
            while position > 0, better(index, top[position - 1]) { position -= 1 }
            top.insert(index, at: position)
            if top.count > n { top.removeLast() }
        }
        var list = top.map { index in
            Recommendation(
                sku: skus[index], score: scores[index], source: reasons[index].isEmpty ? .popular : .alsoBought,
                because: reasons[index])
        }
        if fill, list.count < n {
            var chosen = Set(list.map(\.sku))
            for (sku, score) in popular where list.count < n {
                guard bought[sku] == nil, !excluding.contains(sku), admits(sku), chosen.insert(sku).inserted else {
                    continue
                }
                list.append(Recommendation(sku: sku, score: score, source: .popular, because: []))
            }
        }
        return list
    }

    /// A reason's order in `because`: more added first, then by SKU.
    static func stronger(_ a: Recommendation.Reason, than b: Recommendation.Reason) -> Bool {
        a.score != b.score ? a.score > b.score : a.sku < b.sku
    }

    /// The SKUs most often bought with `sku` ("customers who bought this also bought"), best
    /// first; `nil` when no customer bought `sku`.
    public func alsoBought(_ sku: String, n: Int) -> [Neighbour]? {
        guard buyers[sku] != nil else { return nil }
        return Array((neighbours[sku] ?? []).prefix(max(0, n)))
    }
}

extension Recommendation {
    /// `{"sku", "score", "source", "because": [{"sku", "score", "together"}]}`, with the product's
    /// `name`, `url`, `image_url`, `price` and `currency` when the catalogue has it.
    public var jsonObject: [String: Any] {
        var object: [String: Any] = [
            "sku": sku, "score": score, "source": source.rawValue,
            "because": because.map { ["sku": $0.sku, "score": $0.score, "together": $0.together] as [String: Any] },
        ]
        if let intervalDays { object["interval_days"] = intervalDays }
        if let product {
            object["name"] = product.name
            object["url"] = product.url
            object["image_url"] = product.imageURL
            object["price"] = product.price?.decimalString
            object["currency"] = product.price?.currency.code
        }
        return object
    }
}

extension CoPurchaseModel.Neighbour {
    /// `{"sku", "score", "together"}`.
    public var jsonObject: [String: Any] { ["sku": sku, "score": score, "together": together] }
}

extension RecommendationEvaluation {
    /// `{"cut", "n", "customers", "training_lines", "recommender_wins", "results": [{"method", "hit_rate", "precision", "recall"}]}`.
    public var jsonObject: [String: Any] {
        [
            "cut": Timestamp.format(cut), "n": n, "customers": customers, "training_lines": trainingLines,
            "recommender_wins": recommenderWins,
            "results": results.map {
                ["method": $0.method, "hit_rate": $0.hitRate, "precision": $0.precision, "recall": $0.recall]
                    as [String: Any]
            },
        ]
    }
}

extension Recommendation {
    /// A list as a JSON array of ``jsonObject``s, written directly (what the API answers per
    /// request: `JSONSerialization` of dictionaries was most of a request's time).
    public static func json(_ list: [Recommendation]) -> String {
        var writer = JSONWriter()
        writer.objects(list) { w, item in
            w.field("sku", item.sku)
            w.key("score")
            w.raw(String(item.score))
            w.field("source", item.source.rawValue)
            if let days = item.intervalDays {
                w.key("interval_days")
                w.raw(String(days))
            }
            if let product = item.product {
                w.field("name", product.name)
                w.field("url", product.url)
                w.field("image_url", product.imageURL)
                w.field("price", product.price?.decimalString)
                w.field("currency", product.price?.currency.code)
            }
            w.key("because")
            w.objects(item.because) { w, reason in
                w.field("sku", reason.sku)
                w.key("score")
                w.raw(String(reason.score))
                w.key("together")
                w.raw(String(reason.together))
            }
        }
        return writer.text
    }
}
