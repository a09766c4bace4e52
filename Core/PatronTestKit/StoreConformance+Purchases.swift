import Foundation
import PatronCore

extension StoreConformance {
    /// Purchases: `forEachPurchase` streams every line of every counting order placed before the
    /// bound — not a cancelled order's — in customer, time, SKU order; the recommendations a
    /// store's purchases teach are the same as those of the same lines from memory.
    static func purchases<S: Store>(_ store: S) throws {
        let rule = "purchases"
        let (a, b, c) = (who("pa", email: "pa@x.com"), who("pb", email: "pb@x.com"), who("pc", email: "pc@x.com"))
        try Ingestor(store: store).ingest([
            basket("p1", b, day: 3, ["TEA", "MUG"]), basket("p2", a, day: 1, ["MUG", "TEA", "CUP"]),
            basket("p3", a, day: 5, ["SPOON"]), basket("p4", c, day: 2, ["MUG"]), basket("p5", c, day: 4, ["PLATE"]),
            basket("p6", b, day: 9, ["BOWL"]),
            IngestEvent(id: "p-cancel", source: "shop", occurredAt: at(6), kind: .orderCancelled(orderRef: "p5")),
        ])
        let ids = try store.read { t in
            try ["pa@x.com", "pb@x.com", "pc@x.com"].map { try t.customerID(email: $0)! }
        }
        var streamed: [PurchaseLine] = []
        try store.forEachPurchase(before: at(9)) { streamed.append($0) }
        let expected = [
            (0, 1, "CUP"), (0, 1, "MUG"), (0, 1, "TEA"), (0, 5, "SPOON"), (1, 3, "MUG"), (1, 3, "TEA"),
            (2, 2, "MUG"),
        ].map { PurchaseLine(customerID: ids[$0.0], sku: $0.2, placedAt: at($0.1)) }
            .sorted(by: PurchaseLine.streamOrder)
        try require(
            streamed == expected, rule,
            "streamed \(streamed.map { "\($0.customerID.rawValue)/\($0.sku)@\($0.placedAt)" }) instead of "
                + "\(expected.map { "\($0.customerID.rawValue)/\($0.sku)@\($0.placedAt)" })")
        // One customer's: the same lines, in time then SKU order, bought after the bound too.
        let ofA = try store.read { try $0.purchases(of: ids[0]) }
        let ofB = try store.read { try $0.purchases(of: ids[1]) }
        let ofC = try store.read { try $0.purchases(of: ids[2]) }
        try require(
            ofA == expected.filter { $0.customerID == ids[0] }
                && ofB.map(\.sku) == ["MUG", "TEA", "BOWL"] && ofB.last?.placedAt == at(9)
                && ofC.map(\.sku) == ["MUG"], rule,
            "one customer's purchases: \(ofA.map(\.sku)), \(ofB.map(\.sku)), \(ofC.map(\.sku)) (a cancelled order's "
                + "lines do not count)")
        let fromStore = try CoPurchaseModel.build(store, asOf: at(9))
        let fromMemory = try CoPurchaseModel.build(asOf: at(9)) { body in try expected.forEach(body) }
        try require(
            fromStore.neighbours == fromMemory.neighbours && fromStore.buyers == fromMemory.buyers
                && fromStore.neighbours["MUG"]?.first?.sku == "TEA", rule,
            "the model from the store: \(fromStore.neighbours)")
    }
}

extension StoreConformance {
    /// The stored recommendation model: back exactly as saved (neighbours in order with their
    /// scores, best sellers, info and settings); a second model replaces the first whole; a
    /// transaction that fails leaves the model before; what the desk rebuilds from the store's
    /// purchases answers a customer's list as a model learnt now does.
    static func recommendationModel<S: Store>(_ store: S) throws {
        let rule = "recommendation model"
        try require(try store.read { try $0.recommendationModelInfo() } == nil, rule, "a new store has a model")
        let options = CoPurchaseModel.Options(halfLifeDays: nil, shrinkage: 1.5, popularityBlend: 0.25)
        let first = StoredRecommendationModel(
            info: RecommendationModelInfo(asOf: at(10), builtAt: at(9), lines: 12, customers: 3, options: options),
            neighbours: [
                "MUG": [
                    .init(sku: "TEA", score: 0.7071067811865476, together: 2),
                    .init(sku: "SPOON é", score: 1e-9, together: 1),
                ],
                "TEA": [.init(sku: "MUG", score: 0.5, together: 2)],
            ],
            popular: [.init(sku: "TEA", score: 3.25, together: 4), .init(sku: "MUG", score: 2, together: 2)])
        try store.write { try $0.replaceRecommendationModel(first) }
        let (info, neighbours, popular, none) = try store.read { t in
            (
                try t.recommendationModelInfo(), try t.recommendationNeighbours(of: ["MUG", "TEA", "NONE"]),
                try t.popularSKUs(limit: 1), try t.recommendationNeighbours(of: [])
            )
        }
        try require(info == first.info, rule, "the info back: \(String(describing: info))")
        try require(neighbours == first.neighbours && none.isEmpty, rule, "the neighbours back: \(neighbours)")
        try require(popular == [first.popular[0]], rule, "the best sellers back: \(popular)")
        var all: [(String, [CoPurchaseModel.Neighbour])] = []
        try store.read { t in try t.forEachRecommendationNeighbours { all.append(($0, $1)) } }
        try require(
            all.map(\.0) == ["MUG", "TEA"] && all.map(\.1) == [first.neighbours["MUG"]!, first.neighbours["TEA"]!],
            rule,
            "the whole model back: \(all)")
        let second = StoredRecommendationModel(
            info: RecommendationModelInfo(asOf: at(20), builtAt: at(20), lines: 1, customers: 1, options: .init()),
            neighbours: ["CUP": [.init(sku: "SAUCER", score: 1, together: 1)]], popular: [])
        try store.write { try $0.replaceRecommendationModel(second) }
        do {
            try store.write { t in
                try t.replaceRecommendationModel(first)
                throw ConformanceFailure(rule: rule, detail: "rolled back")
            }
        } catch is ConformanceFailure {}
        let (after, old, best) = try store.read { t in
            (
                try t.recommendationModelInfo(), try t.recommendationNeighbours(of: ["MUG", "CUP"]),
                try t.popularSKUs(limit: 10)
            )
        }
        try require(
            after == second.info && old == second.neighbours && best.isEmpty, rule,
            "after a replacement and a failed one: \(String(describing: after)), \(old), \(best)")

        // Rebuilt from the store's purchases, the stored model answers as a model learnt now.
        let (a, b, c) = (who("ra", email: "ra@x.com"), who("rb", email: "rb@x.com"), who("rc", email: "rc@x.com"))
        try Ingestor(store: store).ingest([
            basket("r1", a, day: 1, ["KETTLE", "TEA"]), basket("r2", b, day: 2, ["KETTLE", "TEA", "MUG"]),
            basket("r3", c, day: 3, ["KETTLE"]), basket("r4", c, day: 4, ["CANDLE"]),
        ])
        let built = try RecommendationDesk.rebuild(store, at: at(5))
        try require(built.lines == 7 && built.customers == 3, rule, "rebuilt from \(built.lines) lines")
        let customer = try store.read { try $0.customerID(email: "rc@x.com")! }
        let fromStored = try RecommendationDesk.forCustomer(store, customer, n: 3, at: at(5), from: .stored)
        let learnt = try RecommendationDesk.forCustomer(store, customer, n: 3, at: at(5), from: .learnNow(.init()))
        try require(
            fromStored == learnt && fromStored.first?.sku == "TEA", rule,
            "stored \(fromStored.map(\.sku)), learnt now \(learnt.map(\.sku))")
        let held = try RecommendationDesk.loadStoredModel(store)
        let fromHeld = try held.map {
            try RecommendationDesk.forCustomer(store, customer, n: 3, at: at(5), from: .given($0.model))
        }
        try require(
            held?.info.builtAt == at(5) && fromHeld == fromStored, rule,
            "the model held in memory answers \(fromHeld?.map(\.sku) ?? []) instead of \(fromStored.map(\.sku))")
        let also = try RecommendationDesk.alsoBought(store, sku: "KETTLE", n: 2, at: at(5), from: .stored)
        // MUG and CANDLE tie (one buyer each, bought with a kettle once): by name.
        try require(also.map(\.sku) == ["TEA", "CANDLE"], rule, "also bought with KETTLE: \(also.map(\.sku))")
    }
}

extension StoreConformance {
    /// An order of one of each SKU, its event id `basket-REF`.
    static func basket(_ ref: String, _ customer: CustomerIdentity, day: Int, _ skus: [String]) -> IngestEvent {
        IngestEvent(
            id: "basket-\(ref)", source: "shop", occurredAt: at(day),
            kind: .orderPlaced(
                OrderData(
                    ref: ref, customer: customer, placedAt: at(day), currency: .usd, totalMinor: 100,
                    lines: skus.map { OrderLine(sku: $0, quantity: 1, unitPriceMinor: 100 / Int64(skus.count)) })))
    }
}
