import Foundation

/// Recommendations' kernel functions, one call per CLI command, API route or nightly job, on
/// any store.
public enum RecommendationDesk {
    /// Where a customer's list comes from.
    public enum ModelSource: Sendable {
        /// The stored model (``rebuild(_:at:options:)``); `.insufficientData` when none is stored.
        case stored
        /// A model learnt now from the store's purchases, with these settings.
        case learnNow(CoPurchaseModel.Options)
        /// The stored model, or one learnt now with the default settings when none is stored.
        case storedOrLearnNow
        /// A model the caller holds (a server keeps the stored one in memory:
        /// ``loadStoredModel(_:)``).
        case given(CoPurchaseModel)
    }

    /// The best sellers a stored model keeps (what fills lists).
    public static let storedBestSellers = 1_000

    /// Learns the model from every purchase up to `now` and stores it in place of the one before
    /// (the nightly job). Returns what it learnt from.
    @discardableResult
    public static func rebuild<S: Store>(_ store: S, at now: Int64, options: CoPurchaseModel.Options = .init()) throws
        -> RecommendationModelInfo
    {
        let model = try CoPurchaseModel.build(store, asOf: now + 1, options: options)
        let info = RecommendationModelInfo(
            asOf: now + 1, builtAt: now, lines: model.lines, customers: model.customers, options: options)
        let popular = model.popular.prefix(storedBestSellers).map {
            CoPurchaseModel.Neighbour(sku: $0.sku, score: $0.score, together: model.buyers[$0.sku] ?? 0)
        }
        try store.write { t in
            try t.replaceRecommendationModel(
                StoredRecommendationModel(info: info, neighbours: model.neighbours, popular: popular))
        }
        return info
    }

    /// Up to `n` SKUs for the customer: first what they buy again and again that is due about
    /// now (``dueAgain(_:customer:now:)``, source `replenish`), then
    /// ``CoPurchaseModel/recommend(for:n:excluding:fill:at:admits:)``: never one they bought, and, when the store has a catalogue, only SKUs it has in stock that
    /// are not another variant of a product they bought, one variant per product
    /// (``CatalogueFilter``), each with its product. `.notFound` for an unknown customer.
    ///
    /// `excluding`: SKUs not to suggest either, nor (with a catalogue) their products' other
    /// variants (the product a browse-abandonment message is about). `catalogue`: the whole
    /// catalogue when the caller holds it (``CatalogueSnapshot``; a server keeps it in memory),
    /// else it is read from the store.
    public static func forCustomer<S: Store>(
        _ store: S, _ customer: CustomerID, n: Int, at now: Int64, from source: ModelSource = .storedOrLearnNow,
        excluding: Set<String> = [], catalogue snapshot: CatalogueSnapshot? = nil
    ) throws -> [Recommendation] {
        guard n > 0 else { throw PatronError(.invalidArgument, "n: must be positive, found \(n)") }
        var times: [String: [Int64]] = [:]
        let (bought, stored, catalogued) = try store.quickRead { t -> ([String: Int64], CoPurchaseModel?, Bool) in
            guard try t.customerExists(customer) else {
                throw PatronError(.notFound, "no customer \(customer.rawValue)")
            }
            var bought: [String: Int64] = [:]
            for line in try t.purchases(of: customer) where line.placedAt <= now {
                bought[line.sku] = max(bought[line.sku] ?? .min, line.placedAt)
                times[line.sku, default: []].append(line.placedAt)
            }
            let catalogued = try snapshot.map { !$0.products.isEmpty } ?? !t.products(after: nil, limit: 1).isEmpty
            switch source {
            case .learnNow, .given: return (bought, nil, catalogued)
            case .stored, .storedOrLearnNow:
                // Out-of-stock best sellers are passed over: read more of them to fill the list.
                let best = n + bought.count + (catalogued ? 200 : 0)
                return (bought, try storedModel(in: t, for: Array(bought.keys), bestSellers: best), catalogued)
            }
        }
        let model: CoPurchaseModel
        switch (source, stored) {
        case (.given(let given), _): model = given
        case (_, let stored?): model = stored
        case (.learnNow(let options), nil): model = try CoPurchaseModel.build(store, asOf: now + 1, options: options)
        case (.storedOrLearnNow, nil): model = try CoPurchaseModel.build(store, asOf: now + 1)
        case (.stored, nil): throw noModel
        }
        let due = dueAgain(times, customer: customer, now: now).filter { !excluding.contains($0.sku) }
        guard catalogued else {
            return Array((due + model.recommend(for: bought, n: n, excluding: excluding, at: now)).prefix(n))
        }
        // Rank more than needed, then ask the catalogue about those alone, ranking further when
        // too few of them may be suggested.
        // A held catalogue filters as the model ranks — unless popularity is blended in, whose
        // scale is the best also-bought score before the catalogue has its say (as from the store).
        let owned = Array(Set(bought.keys).union(excluding))
        let held = snapshot.map { CatalogueFilter(snapshot: $0, owned: owned) }
        let filterWhileRanking = model.options.popularityBlend == 0 ? held : nil
        var wanted = (filterWhileRanking == nil ? 3 : 2) * n
        while true {
            let ranked = model.recommend(
                for: bought, n: wanted, excluding: excluding, at: now,
                admits: filterWhileRanking?.admits ?? { _ in true })
            let catalogue =
                try held
                ?? store.quickRead { t in
                    try CatalogueFilter.read(in: t, candidates: ranked.map(\.sku), owned: owned)
                }
            // What is due again needs only to be in stock (it is, of course, a product they bought).
            var list =
                due.filter { catalogue.products[$0.sku]?.inStock ?? false }
                + catalogue.oneVariantEach(ranked.filter { catalogue.admits($0.sku) })
            guard list.count < n, ranked.count == wanted, wanted < 4_096 else {
                if list.count > n { list.removeLast(list.count - n) }
                for index in list.indices { list[index].product = catalogue.products[list[index].sku] }
                return list
            }
            wanted *= 4
        }
    }

    /// How many days ahead of its due day a SKU bought again and again is suggested.
    public static let replenishLeadDays = 7

    /// The SKUs the customer bought on two days or more that are due again within
    /// ``replenishLeadDays`` (their own median interval after the last purchase;
    /// ``Replenishment``) and not overdue by more than that interval, most overdue first.
    static func dueAgain(_ times: [String: [Int64]], customer: CustomerID, now: Int64) -> [Recommendation] {
        var due: [(Recommendation, Int64)] = []
        for (sku, at) in times where at.count >= 2 {
            let purchases = at.sorted().map { (customer, $0) }
            // Due within the lead, and not overdue by more than its interval (a habit long given up).
            guard let next = Replenishment.due(sku: sku, purchases: purchases, dueAfter: .min).first,
                next.dueAt <= now + Int64(replenishLeadDays) * 86_400,
                next.dueAt >= now - Int64(next.intervalDays) * 86_400
            else { continue }
            due.append(
                (
                    Recommendation(
                        sku: sku, score: 1, source: .replenish, because: [], intervalDays: next.intervalDays),
                    next.dueAt
                ))
        }
        return due.sorted { ($0.1, $0.0.sku) < ($1.1, $1.0.sku) }.map(\.0)
    }

    /// The SKUs most bought with `sku`, best first (with a catalogue: those in stock, not a variant
    /// of `sku`'s product). `.notFound` when no customer bought it (with
    /// a stored model: when the model has nothing bought with it).
    public static func alsoBought<S: Store>(
        _ store: S, sku: String, n: Int, at now: Int64, from source: ModelSource = .storedOrLearnNow
    ) throws -> [CoPurchaseModel.Neighbour] {
        guard n > 0 else { throw PatronError(.invalidArgument, "n: must be positive, found \(n)") }
        var stored: CoPurchaseModel?
        switch source {
        case .learnNow: stored = nil
        case .given(let given): stored = given
        case .stored, .storedOrLearnNow: stored = try store.quickRead { t in try storedModel(in: t, for: [sku]) }
        }
        let model: CoPurchaseModel
        switch (source, stored) {
        case (_, let found?): model = found
        case (.stored, nil): throw noModel
        case (.learnNow(let options), nil): model = try CoPurchaseModel.build(store, asOf: now + 1, options: options)
        case (.storedOrLearnNow, nil), (.given, nil): model = try CoPurchaseModel.build(store, asOf: now + 1)
        }
        guard let found = model.alsoBought(sku, n: model.options.neighbours) else {
            throw PatronError(.notFound, "no customer bought SKU '\(sku)'")
        }
        let catalogue = try store.quickRead { t in
            try CatalogueFilter.read(in: t, candidates: found.map(\.sku), owned: [sku])
        }
        var products: Set<CatalogueFilter.ProductKey> = []
        return Array(
            found.filter { neighbour in
                catalogue.admits(neighbour.sku)
                    && catalogue.products[neighbour.sku].map {
                        products.insert(CatalogueFilter.productKey($0)).inserted
                    }
                        ?? true
            }.prefix(n))
    }

    public static var noModel: PatronError {
        PatronError(
            .insufficientData,
            "no recommendation model yet: `patron recommend rebuild` learns one (the scheduler's nightly job does too)")
    }

    /// The stored model as far as lists for `skus` need it: their neighbours and the first
    /// `bestSellers` best sellers (at least the hundred a popularity blend draws on); `nil` when
    /// none is stored. A SKU counts as bought when it has neighbours or is a best seller read.
    static func storedModel<T: StoreTransaction>(
        in t: T, for skus: [String], bestSellers: Int = storedBestSellers
    ) throws -> CoPurchaseModel? {
        guard let info = try t.recommendationModelInfo() else { return nil }
        let neighbours = try t.recommendationNeighbours(of: skus)
        // A list of n needs at most n + (what the customer bought) best sellers to fill it.
        let popular = try t.popularSKUs(
            limit: info.options.popularityBlend > 0 ? max(100, bestSellers) : min(bestSellers, storedBestSellers))
        return model(info, neighbours: neighbours, popular: popular)
    }

    /// The whole stored model (every SKU's neighbours and the stored best sellers), for a server
    /// that keeps it in memory and answers with ``ModelSource/given(_:)``; `nil` when none is
    /// stored. Lists from it equal lists from ``ModelSource/stored``.
    public static func loadStoredModel<S: Store>(_ store: S) throws -> (
        info: RecommendationModelInfo, model: CoPurchaseModel
    )? {
        try store.read { t in
            guard let info = try t.recommendationModelInfo() else { return nil }
            var neighbours: [String: [CoPurchaseModel.Neighbour]] = [:]
            try t.forEachRecommendationNeighbours { neighbours[$0] = $1 }
            return (info, model(info, neighbours: neighbours, popular: try t.popularSKUs(limit: storedBestSellers)))
        }
    }

    static func model(
        _ info: RecommendationModelInfo, neighbours: [String: [CoPurchaseModel.Neighbour]],
        popular: [CoPurchaseModel.Neighbour]
    ) -> CoPurchaseModel {
        var buyers = Dictionary(popular.map { ($0.sku, $0.together) }, uniquingKeysWith: { a, _ in a })
        for (sku, list) in neighbours where buyers[sku] == nil { buyers[sku] = list.map(\.together).max() }
        return CoPurchaseModel(
            options: info.options, asOf: info.asOf, neighbours: neighbours,
            popular: popular.map { (sku: $0.sku, score: $0.score) },
            popularity: Dictionary(popular.map { ($0.sku, $0.score) }, uniquingKeysWith: { a, _ in a }),
            buyers: buyers, customers: info.customers, lines: info.lines)
    }
}
