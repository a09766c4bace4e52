import Foundation

/// Item-to-item "also bought" scores learnt from purchases, and the SKUs' popularity: what
/// recommendations are made of. Cheap and explainable: two SKUs are close when the same
/// customers bought both — counted with time decay, each customer's pairs weighed down by how
/// many SKUs they bought, and (with other settings than the defaults) normalised by how many
/// bought each SKU or shrunk when few customers support the pair (``Options``).
///
/// Built in one pass over purchases in customer order (``Store/forEachPurchase(before:_:)``):
/// customer → SKUs and SKU → customers as flat arrays, then for each SKU the co-counts with every
/// other SKU in a dense array — time and memory grow with the lines and with the sum over
/// customers of (distinct SKUs)², bounded by ``Options/mostItemsPerCustomer``.
public struct CoPurchaseModel: Sendable {
    /// The defaults: customers who bought both, each customer's pairs weighed by
    /// 1/√(their distinct SKUs) (a reseller's thousand SKUs say less about each pair than a
    /// shopper's three: the user-degree normalisation of graph recommenders such as RP3β), a
    /// one-year half-life (a seasonal shop keeps last season's pairs), best sellers only to fill
    /// the list. On the UCI Online Retail subset this beats the best sellers and plain
    /// co-occurrence on the test split (cut 2011-09-01) and plain co-occurrence on a validation
    /// split; the cosine of earlier versions lost to both (docs/recommendations.md).
    public struct Options: Hashable, Sendable {
        /// How fast old purchases count less: a purchase this many days before `asOf` counts half.
        /// `nil`: no decay.
        public var halfLifeDays: Double?
        /// Pairs bought together by few customers are shrunk by `together / (together + shrinkage)`.
        public var shrinkage: Double
        /// The closest SKUs kept per SKU.
        public var neighbours: Int
        /// A customer's most recent distinct SKUs that count (a reseller's thousand SKUs say little).
        public var mostItemsPerCustomer: Int
        /// The score of `j` after `i` is the (decayed) number of customers who bought both over
        /// `buyers(i)^sourceWeight × buyers(j)^popularityDamping` (Deshpande & Karypis 2004): both
        /// 0 is plain co-occurrence; 1 and 0 the conditional probability P(j | i); ½ and ½ the
        /// cosine. A higher damping holds best sellers back.
        public var sourceWeight: Double
        public var popularityDamping: Double
        /// How much popularity adds to the also-bought score: each candidate scores its share of
        /// the best also-bought score plus `popularityBlend` × its share of the best seller's
        /// (decayed) buyers, over the also-bought SKUs and the hundred best sellers. 0: also-bought
        /// alone, best sellers only to fill the list.
        public var popularityBlend: Double
        /// Each customer's pairs count `1 / (their distinct SKUs)^customerDamping`: 0 counts every
        /// customer alike, ½ the default, 1 spreads one vote over each customer's pairs.
        public var customerDamping: Double

        public init(
            halfLifeDays: Double? = 365, shrinkage: Double = 0, neighbours: Int = 50, mostItemsPerCustomer: Int = 200,
            sourceWeight: Double = 0, popularityDamping: Double = 0, popularityBlend: Double = 0,
            customerDamping: Double = 0.5
        ) {
            self.halfLifeDays = halfLifeDays
            self.shrinkage = shrinkage
            self.neighbours = neighbours
            self.mostItemsPerCustomer = mostItemsPerCustomer
            self.sourceWeight = sourceWeight
            self.popularityDamping = popularityDamping
            self.popularityBlend = popularityBlend
            self.customerDamping = customerDamping
        }

        /// Plain co-occurrence: counts of customers who bought both, no decay, no normalisation.
        public static let plainCoOccurrence = Options(
            halfLifeDays: nil, shrinkage: 0, sourceWeight: 0, popularityDamping: 0, customerDamping: 0)

        /// The cosine model of earlier versions (a 90-day half-life, shrinkage 2, no customer damping).
        public static let cosine = Options(
            halfLifeDays: 90, shrinkage: 2, sourceWeight: 0.5, popularityDamping: 0.5, customerDamping: 0)
    }

    /// A SKU close to another, and why: how many customers bought both.
    public struct Neighbour: Hashable, Sendable {
        public var sku: String
        public var score: Double
        public var together: Int

        public init(sku: String, score: Double, together: Int) {
            self.sku = sku
            self.score = score
            self.together = together
        }
    }

    public let options: Options
    /// When the model was learnt: purchases before it count.
    public let asOf: Int64
    /// Each SKU's closest SKUs, best first.
    public let neighbours: [String: [Neighbour]]
    /// Every SKU by popularity (decayed number of buyers), most popular first.
    public let popular: [(sku: String, score: Double)]
    /// Each SKU's decayed number of buyers (its score in ``popular``).
    public let popularity: [String: Double]
    /// How many customers bought each SKU (undecayed).
    public let buyers: [String: Int]
    /// The customers and lines it learnt from.
    public let customers: Int
    public let lines: Int

    /// Learns from `purchases`, which must come in customer order (then time): a customer's
    /// lines together. Throws when they do not.
    public static func build(
        asOf: Int64, options: Options = Options(),
        _ purchases: ((PurchaseLine) throws -> Void) throws -> Void
    ) throws -> CoPurchaseModel {
        var index: [String: Int32] = [:]
        var skus: [String] = []
        // Customer → (SKU, decay weight) as a flat list with offsets.
        var customerStart: [Int32] = [0]
        var customerItems: [Int32] = []
        var customerWeights: [Float] = []
        // Each customer's pairs' weight: 1 / (distinct SKUs)^customerDamping.
        var customerScale: [Double] = []
        var current: CustomerID?
        var basket: [Int32: Int64] = [:]
        var seen = Set<CustomerID>()
        var lines = 0
        func decay(_ at: Int64) -> Float {
            guard let half = options.halfLifeDays, half > 0 else { return 1 }
            return Float(pow(0.5, Double(max(0, asOf - at)) / (half * 86_400)))
        }
        func flush() {
            guard !basket.isEmpty else { return }
            var items = basket.map { ($0.key, $0.value) }
            if items.count > options.mostItemsPerCustomer {
                items.sort { ($0.1, $0.0) > ($1.1, $1.0) }
                items.removeLast(items.count - options.mostItemsPerCustomer)
            }
            items.sort { $0.0 < $1.0 }
            customerScale.append(
                options.customerDamping == 0 ? 1 : 1 / pow(Double(items.count), options.customerDamping))
            for (item, at) in items {
                customerItems.append(item)
                customerWeights.append(decay(at))
            }
            customerStart.append(Int32(customerItems.count))
            basket.removeAll(keepingCapacity: true)
        }
        try purchases { line in
            guard line.placedAt < asOf else { return }
            if line.customerID != current {
                flush()
                guard seen.insert(line.customerID).inserted else {
                    throw PatronError(
                        .invalidValue,
                        "purchases must come in customer order (customer \(line.customerID.rawValue) again)")
                }
                current = line.customerID
            }
            lines += 1
            let item: Int32
            if let known = index[line.sku] {
                item = known
            } else {
                item = Int32(skus.count)
                index[line.sku] = item
                skus.append(line.sku)
            }
            basket[item] = max(basket[item] ?? .min, line.placedAt)
        }
        flush()
        let customers = customerStart.count - 1

        // SKU → (customer, weight), from the customer lists.
        let itemCount = skus.count
        var itemStart = [Int32](repeating: 0, count: itemCount + 1)
        for item in customerItems { itemStart[Int(item) + 1] += 1 }
        for i in 0..<itemCount { itemStart[i + 1] += itemStart[i] }
        var fill = itemStart
        var itemCustomers = [Int32](repeating: 0, count: customerItems.count)
        var itemWeights = [Float](repeating: 0, count: customerItems.count)
        for customer in 0..<customers {
            for k in Int(customerStart[customer])..<Int(customerStart[customer + 1]) {
                let item = Int(customerItems[k])
                itemCustomers[Int(fill[item])] = Int32(customer)
                itemWeights[Int(fill[item])] = customerWeights[k]
                fill[item] += 1
            }
        }
        var mass = [Double](repeating: 0, count: itemCount)
        for item in 0..<itemCount {
            for k in Int(itemStart[item])..<Int(itemStart[item + 1]) { mass[item] += Double(itemWeights[k]) }
        }

        // For each SKU, the co-counts with every other SKU its buyers bought.
        var weighted = [Double](repeating: 0, count: itemCount)
        var together = [Int32](repeating: 0, count: itemCount)
        var touched: [Int32] = []
        var neighbours: [String: [Neighbour]] = [:]
        for item in 0..<itemCount {
            for k in Int(itemStart[item])..<Int(itemStart[item + 1]) {
                let customer = Int(itemCustomers[k])
                let mine = itemWeights[k]
                let scale = customerScale[customer]
                for m in Int(customerStart[customer])..<Int(customerStart[customer + 1]) {
                    let other = Int(customerItems[m])
                    guard other != item else { continue }
                    if together[other] == 0 { touched.append(Int32(other)) }
                    together[other] += 1
                    weighted[other] += Double(min(mine, customerWeights[m])) * scale
                }
            }
            var scored: [Neighbour] = []
            scored.reserveCapacity(touched.count)
            for other in touched.map(Int.init) {
                let count = Double(together[other])
                var score =
                    weighted[other]
                    / (pow(mass[item], options.sourceWeight) * pow(mass[other], options.popularityDamping))
                if options.shrinkage > 0 { score *= count / (count + options.shrinkage) }
                if score.isFinite, score > 0 {
                    scored.append(Neighbour(sku: skus[other], score: score, together: Int(together[other])))
                }
                weighted[other] = 0
                together[other] = 0
            }
            touched.removeAll(keepingCapacity: true)
            if !scored.isEmpty {
                neighbours[skus[item]] = Array(scored.sorted(by: Self.better).prefix(options.neighbours))
            }
        }
        var buyers: [String: Int] = [:]
        for item in 0..<itemCount { buyers[skus[item]] = Int(itemStart[item + 1] - itemStart[item]) }
        let popular = (0..<itemCount).map { (sku: skus[$0], score: mass[$0]) }
            .sorted { ($0.score, $1.sku) > ($1.score, $0.sku) }
        return CoPurchaseModel(
            options: options, asOf: asOf, neighbours: neighbours, popular: popular,
            popularity: Dictionary(uniqueKeysWithValues: popular.map { ($0.sku, $0.score) }), buyers: buyers,
            customers: customers, lines: lines)
    }

    /// Learns from the store's purchases before `asOf`.
    public static func build<S: Store>(_ store: S, asOf: Int64, options: Options = Options()) throws
        -> CoPurchaseModel
    {
        try build(asOf: asOf, options: options) { body in try store.forEachPurchase(before: asOf, body) }
    }

    /// Higher score first, then more customers, then SKU: a total order, so every store and run
    /// lists the same neighbours.
    static func better(_ a: Neighbour, _ b: Neighbour) -> Bool {
        if a.score != b.score { return a.score > b.score }
        if a.together != b.together { return a.together > b.together }
        return a.sku < b.sku
    }
}
