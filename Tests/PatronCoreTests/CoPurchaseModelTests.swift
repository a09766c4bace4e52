import Foundation
import PatronCore
import Testing

/// The co-purchase model on worked examples: who bought what together decides the neighbours,
/// recommendations never repeat a purchase and say why, best sellers fill the list, decay
/// favours recent pairs, a stream out of customer order is refused; and the evaluation's figures
/// on a shop with real pairs.
struct CoPurchaseModelTests {
    let day: Int64 = 86_400

    func lines(_ baskets: [(Int64, [String], Int64)]) -> [PurchaseLine] {
        baskets.flatMap { customer, skus, at in
            skus.map { PurchaseLine(customerID: CustomerID(customer), sku: $0, placedAt: at) }
        }.sorted(by: PurchaseLine.streamOrder)
    }

    func model(_ lines: [PurchaseLine], asOf: Int64 = 100 * 86_400, _ options: CoPurchaseModel.Options = .init())
        throws -> CoPurchaseModel
    {
        try CoPurchaseModel.build(asOf: asOf, options: options) { body in try lines.forEach(body) }
    }

    @Test func neighboursComeFromWhatWasBoughtTogether() throws {
        let shop = lines([
            (1, ["KETTLE", "TEA"], day), (2, ["KETTLE", "TEA"], day), (3, ["KETTLE", "MUG"], day),
            (4, ["TEA"], day), (5, ["TEA"], day), (6, ["CANDLE"], day),
        ])
        let plain = try model(shop, .plainCoOccurrence)
        #expect(plain.neighbours["KETTLE"]?.map(\.sku) == ["TEA", "MUG"])
        #expect(plain.neighbours["KETTLE"]?.map(\.together) == [2, 1])
        #expect(plain.neighbours["CANDLE"] == nil && plain.buyers["TEA"] == 4)
        #expect(plain.customers == 6 && plain.lines == 9)
        // Cosine: MUG (one buyer, with a kettle) comes as close as TEA (two of its four buyers).
        var cosine = CoPurchaseModel.Options.cosine
        cosine.halfLifeDays = nil
        cosine.shrinkage = 0
        let normalised = try model(shop, cosine)
        let scores = Dictionary(
            uniqueKeysWithValues: (normalised.neighbours["KETTLE"] ?? []).map { ($0.sku, $0.score) })
        #expect(abs(scores["TEA"]! - 2 / (3.0 * 4).squareRoot()) < 1e-9)
        #expect(abs(scores["MUG"]! - 1 / (3.0 * 1).squareRoot()) < 1e-9)
        // The default: each customer's pairs count 1/√(their distinct SKUs), here 1/√2.
        var damped = CoPurchaseModel.Options()
        damped.halfLifeDays = nil
        let byDefault = try model(shop, damped)
        let defaultScores = Dictionary(
            uniqueKeysWithValues: (byDefault.neighbours["KETTLE"] ?? []).map { ($0.sku, $0.score) })
        #expect(abs(defaultScores["TEA"]! - 2 / 2.0.squareRoot()) < 1e-9)
        #expect(abs(defaultScores["MUG"]! - 1 / 2.0.squareRoot()) < 1e-9)
        #expect(byDefault.neighbours["KETTLE"]?.map(\.together) == [2, 1])
        // Stored settings read back; a model stored before customer damping counted customers alike.
        #expect(CoPurchaseModel.Options(text: damped.text) == damped)
        let old = "half_life=none shrinkage=0.0 neighbours=50 most_items=200 source_weight=0.0 damping=0.0 blend=0.0"
        #expect(CoPurchaseModel.Options(text: old)?.customerDamping == 0)
        #expect(CoPurchaseModel.Options(text: old + " customer_damping=x") == nil)
        // Equal scores: more customers who bought both first.
        #expect(normalised.alsoBought("KETTLE", n: 1)?.map(\.sku) == ["TEA"])
        #expect(normalised.alsoBought("NOTHING", n: 5) == nil)
    }

    @Test func recommendationsNeverRepeatAPurchaseAndSayWhy() throws {
        let shop = lines([
            (1, ["KETTLE", "TEA"], day), (2, ["KETTLE", "TEA"], day), (3, ["KETTLE", "MUG"], day),
            (4, ["TEA", "CUP"], day), (5, ["CANDLE"], day), (6, ["CANDLE"], day), (7, ["CANDLE"], day),
        ])
        let options = CoPurchaseModel.Options(halfLifeDays: nil, shrinkage: 0, popularityBlend: 0)
        let model = try model(shop, options)
        let list = model.recommend(for: ["KETTLE": day], n: 4)
        #expect(list.map(\.sku) == ["TEA", "MUG", "CANDLE", "CUP"], "\(list)")
        #expect(list.map(\.source) == [.alsoBought, .alsoBought, .popular, .popular])
        #expect(list[0].because.map(\.sku) == ["KETTLE"] && list[0].because[0].together == 2)
        #expect(!list.contains { $0.sku == "KETTLE" })
        #expect(model.recommend(for: ["KETTLE": day], n: 4, excluding: ["TEA"]).first?.sku == "MUG")
        #expect(model.recommend(for: ["KETTLE": day], n: 1, fill: false).map(\.sku) == ["TEA"])
        // Someone new gets the best sellers (three buyers each: by name).
        #expect(model.recommend(for: [:], n: 2).map(\.sku) == ["CANDLE", "KETTLE"])
        #expect(model.recommend(for: [:], n: 0).isEmpty)
    }

    @Test func oldPairsCountLessThanRecentOnes() throws {
        // Two buyers paired KETTLE with TEA two years ago; two paired it with MUG last week.
        let shop = lines([
            (1, ["KETTLE", "TEA"], 0), (2, ["KETTLE", "TEA"], 0), (3, ["KETTLE", "MUG"], 723 * day),
            (4, ["KETTLE", "MUG"], 723 * day), (5, ["TEA"], 0), (6, ["MUG"], 723 * day),
        ])
        let decayed = try model(
            shop, asOf: 730 * day, .init(halfLifeDays: 90, shrinkage: 0, popularityBlend: 0))
        #expect(decayed.neighbours["KETTLE"]?.first?.sku == "MUG")
        #expect(decayed.popular.first?.sku == "KETTLE" || decayed.popular.first?.sku == "MUG")
        let flat = try model(shop, asOf: 730 * day, .init(halfLifeDays: nil, shrinkage: 0, popularityBlend: 0))
        let tea = flat.neighbours["KETTLE"]?.first { $0.sku == "TEA" }?.score
        let mug = flat.neighbours["KETTLE"]?.first { $0.sku == "MUG" }?.score
        #expect(tea == mug)
        // Purchases on or after `asOf` are not learnt from.
        #expect(try model(shop, asOf: 1).lines == 5)
    }

    @Test func aStreamOutOfCustomerOrderIsRefused() throws {
        let scrambled = [
            PurchaseLine(customerID: CustomerID(1), sku: "A", placedAt: 0),
            PurchaseLine(customerID: CustomerID(2), sku: "B", placedAt: 0),
            PurchaseLine(customerID: CustomerID(1), sku: "C", placedAt: 0),
        ]
        #expect(throws: PatronError.self) { try model(scrambled) }
    }

    /// A shop where each customer buys a kettle or a grinder first and, after the cut, what goes
    /// with it; best sellers are something else, and thirty resellers buy kettles, grinders and
    /// candles among twenty other SKUs. The recommender finds the pairs (a reseller's pairs count
    /// 1/√23 each); the best-seller baseline cannot, and plain co-occurrence follows the
    /// resellers.
    @Test func theEvaluationCountsHitsForEachMethod() throws {
        let store = InMemoryStore()
        var events: [IngestEvent] = []
        func order(_ customer: Int, _ skus: [String], day: Int64) {
            let who = CustomerIdentity(refs: [ExternalRef(source: "shop", id: "c\(customer)")])
            events.append(
                IngestEvent(
                    id: "o\(events.count)", source: "shop", occurredAt: day * 86_400,
                    kind: .orderPlaced(
                        OrderData(
                            ref: "o\(events.count)", customer: who, placedAt: day * 86_400, currency: .eur,
                            totalMinor: 100 * Int64(skus.count),
                            lines: skus.map { OrderLine(sku: $0, quantity: 1, unitPriceMinor: 100) }))))
        }
        for c in 0..<60 {
            let (first, partner) = c % 2 == 0 ? ("KETTLE", "TEA") : ("GRINDER", "BEANS")
            if c < 40 {
                order(c, [first, partner], day: 10)  // learnt: the pairs
            } else {
                order(c, [first], day: 10)  // tested: bought the first half before the cut
                order(c, [partner], day: 40)
            }
        }
        for c in 100..<180 { order(c, ["CANDLE", "SOAP"], day: 12) }
        for c in 200..<230 { order(c, ["KETTLE", "GRINDER", "CANDLE"] + (0..<20).map { "BULK-\($0)" }, day: 12) }
        try Ingestor(store: store).ingest(events)
        let result = try RecommendationEvaluation.evaluate(store, cut: 30 * 86_400, n: 1)
        #expect(result.customers == 20)
        let byMethod = Dictionary(uniqueKeysWithValues: result.results.map { ($0.method, $0) })
        #expect(byMethod["recommender"]?.hitRate == 1 && byMethod["popular"]?.hitRate == 0)
        #expect(byMethod["recommender"]?.precision == 1 && byMethod["recommender"]?.recall == 1)
        #expect(result.results.map(\.method) == ["recommender", "popular", "co-occurrence"])
        // Plain counts: thirty resellers bought a grinder or a candle with each kettle, twenty
        // customers tea.
        #expect(byMethod["co-occurrence"]?.hitRate == 0)
        // Without the customer damping the default model follows the resellers too.
        var undamped = CoPurchaseModel.Options()
        undamped.customerDamping = 0
        let plainer = try RecommendationEvaluation.evaluate(store, cut: 30 * 86_400, n: 1, options: undamped)
        #expect(plainer.results.first?.hitRate == 0)
        #expect(result.recommenderWins, "\(result.results)")
        #expect(throws: PatronError.self) { try RecommendationEvaluation.evaluate(store, cut: 1, n: 1) }
    }
}

extension CoPurchaseModelTests {
    /// The JSON the API writes by hand parses to what ``Recommendation/jsonObject`` says.
    @Test func theWrittenJSONEqualsTheObjects() throws {
        let list = [
            Recommendation(
                sku: "TEA \"green\"", score: 0.40824829046386296, source: .alsoBought,
                because: [.init(sku: "KETTLE", score: 1e-7, together: 2)]),
            Recommendation(sku: "CANDLE", score: 3, source: .popular, because: []),
        ]
        let written = try JSONSerialization.jsonObject(with: Data(Recommendation.json(list).utf8)) as? NSArray
        let expected =
            try JSONSerialization.jsonObject(
                with: try JSONSerialization.data(withJSONObject: list.map(\.jsonObject))) as? NSArray
        #expect(written != nil && written == expected)
    }
}
