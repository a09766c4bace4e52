import Foundation

/// A realistic synthetic shop, deterministic for a seed: customers with different purchase rates
/// who drop out at different times, orders with lines and SKUs (each customer has favourites in
/// one category, so replenishment and recommendations have something to find), carts of which some are abandoned, support tickets,
/// consent states, birthdays, countries and time zones.
///
/// Events come customer by customer (profile, consent, orders, cancellations, refunds, carts,
/// tickets). The total number of orders is exactly ``Options/orders``.
public struct ShopGenerator: Sequence, Sendable {
    public struct Options: Hashable, Sendable {
        public var customers: Int
        /// Total orders; defaults to ten per customer.
        public var orders: Int
        public var seed: UInt64
        /// The last day of the shop's history.
        public var until: Day
        /// How many days of history.
        public var days: Int
        public var currency: CurrencyCode
        /// The source name of the events.
        public var source: String

        public init(
            customers: Int, orders: Int? = nil, seed: UInt64 = 1, until: Day = .today, days: Int = 1095,
            currency: CurrencyCode = .usd, source: String = "demo-shop"
        ) {
            self.customers = customers
            self.orders = orders ?? customers * 10
            self.seed = seed
            self.until = until
            self.days = days
            self.currency = currency
            self.source = source
        }
    }

    public let options: Options
    let catalogue: [Product]
    let orderCounts: [Int32]
    /// The number of orders of all customers before each one (for sequential order numbers).
    let orderOffsets: [Int64]

    struct Product: Sendable {
        var sku: String
        var name: String
        var priceMinor: Int64
    }

    /// Prepares the shop (the catalogue and each customer's number of orders).
    public init(options: Options) throws(PatronError) {
        guard options.customers > 0 else { throw PatronError(.invalidArgument, "--customers must be positive") }
        guard options.orders >= 0 else { throw PatronError(.invalidArgument, "--orders must not be negative") }
        guard options.days > 0 else { throw PatronError(.invalidArgument, "the history must span at least a day") }
        self.options = options
        catalogue = Self.makeCatalogue(seed: options.seed, currency: options.currency)
        orderCounts = Self.allocateOrders(options)
        var offsets = [Int64](repeating: 0, count: options.customers)
        var running: Int64 = 0
        for index in 0..<options.customers {
            offsets[index] = running
            running += Int64(orderCounts[index])
        }
        orderOffsets = offsets
    }

    /// The shop's id for customer `index` (0-based): `C00000001`, fixed width and increasing, as
    /// shop platforms number them.
    public static func customerRef(_ index: Int) -> String { "C" + padded(index + 1, width: 8) }

    /// The shop's order number for the shop's n-th order (0-based): `100000001`, increasing.
    public static func orderRef(_ n: Int64) -> String { String(100_000_001 + n) }

    static func padded(_ value: Int, width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    static let productWords = [
        ("Tea", "Loose Leaf Tea"), ("Coffee", "Coffee Beans"), ("Mug", "Stoneware Mug"), ("Candle", "Soy Candle"),
        ("Soap", "Olive Soap"), ("Sock", "Wool Socks"), ("Book", "Notebook"), ("Pen", "Fountain Pen"),
        ("Bag", "Tote Bag"), ("Plant", "Herb Kit"), ("Honey", "Raw Honey"), ("Spice", "Spice Blend"),
    ]

    static func makeCatalogue(seed: UInt64, currency: CurrencyCode) -> [Product] {
        var random = SeededRandom(seed: seed, stream: 0xC47A_1061)
        var scale: Int64 = 1
        for _ in 0..<currency.minorUnitDigits { scale *= 10 }
        return (0..<240).map { index in
            let word = productWords[index % productWords.count]
            let major = Int64(exp(log(3.0) + random.unit() * (log(120.0) - log(3.0))))
            let cents: Int64 = random.chance(0.7) ? scale - 1 : 0
            let number = String(index + 1)
            return Product(
                sku: "\(word.0.uppercased())-\(String(repeating: "0", count: 3 - number.count))\(number)",
                name: "\(word.1) No. \(index + 1)", priceMinor: Swift.max(1, major) * scale + cents)
        }
    }

    /// Exactly `orders` orders over the customers: about 8% never buy, about 45% of buyers buy
    /// once, and repeat buyers share the rest in proportion to a log-normal purchase propensity.
    static func allocateOrders(_ options: Options) -> [Int32] {
        let n = options.customers
        var weights = [Double](repeating: 0, count: n)
        var buyer = [Bool](repeating: false, count: n)
        for index in 0..<n {
            var random = SeededRandom(seed: options.seed, stream: UInt64(index) &+ 0x5EED)
            buyer[index] = random.chance(0.92) || options.orders >= 2 * n
            if buyer[index], random.chance(0.55) { weights[index] = exp(1.1 * random.normal()) }
        }
        var counts = [Int32](repeating: 0, count: n)
        var given = 0
        for index in 0..<n where buyer[index] && given < options.orders {
            counts[index] = 1
            given += 1
        }
        var extra = options.orders - given
        guard extra > 0 else { return counts }
        var total = weights.reduce(0, +)
        if total == 0 {  // tiny shops: let every buyer repeat
            for index in 0..<n where buyer[index] { weights[index] = 1 }
            total = weights.reduce(0, +)
        }
        if total == 0 {  // no buyer at all: the first customer buys everything
            counts[0] += Int32(extra)
            return counts
        }
        var cumulative = 0.0
        var assigned = 0
        for index in 0..<n where weights[index] > 0 {
            cumulative += weights[index]
            let target = Swift.min(extra, Int((Double(extra) * cumulative / total).rounded()))
            counts[index] += Int32(target - assigned)
            assigned = target
        }
        extra -= assigned
        if extra > 0, let last = weights.lastIndex(where: { $0 > 0 }) { counts[last] += Int32(extra) }
        return counts
    }

    public func makeIterator() -> Iterator { Iterator(generator: self) }

    /// The catalogue as `product.updated` events, stated at the start of the history: every
    /// SKU the orders use, its page, image and category; about one in twenty is out of stock.
    public func catalogueEvents() -> [IngestEvent] {
        let o = options
        let at = (o.until - (o.days - 1)).epochSeconds
        var random = SeededRandom(seed: o.seed, stream: 0x57_0C4)
        return catalogue.enumerated().map { index, product in
            let slug = product.sku.lowercased()
            let word = Self.productWords[index % Self.productWords.count]
            return IngestEvent(
                id: "gen\(o.seed)-product-\(product.sku)", source: o.source, occurredAt: at,
                kind: .productUpdated(
                    ProductData(
                        ref: product.sku, name: product.name, url: "https://\(o.source).example/products/\(slug)",
                        imageURL: "https://\(o.source).example/images/\(slug).jpg", category: word.1,
                        variants: [
                            ProductVariant(
                                sku: product.sku,
                                price: Money.decimalString(product.priceMinor, digits: o.currency.minorUnitDigits),
                                currency: o.currency, inStock: !random.chance(0.05))
                        ])))
        }
    }

    /// Yields the shop's events: the catalogue (``catalogueEvents()``), then customer by customer.
    public struct Iterator: IteratorProtocol {
        let generator: ShopGenerator
        public private(set) var customer = 0
        var pending: [IngestEvent]
        var position = 0

        init(generator: ShopGenerator) {
            self.generator = generator
            pending = generator.catalogueEvents()
        }

        public mutating func next() -> IngestEvent? {
            while position == pending.count {
                guard customer < generator.options.customers else { return nil }
                pending = generator.events(forCustomer: customer)
                position = 0
                customer += 1
            }
            defer { position += 1 }
            return pending[position]
        }
    }

    static let firstNames = [
        "Ava", "Ben", "Chloe", "David", "Emma", "Felix", "Grace", "Hugo", "Isla", "Jonas", "Kira", "Liam", "Mia",
        "Noah", "Olivia", "Paul", "Quinn", "Rosa", "Sam", "Tara", "Umar", "Vera", "Wen", "Yuki", "Zoe",
    ]
    static let lastNames = [
        "Adams", "Berg", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Hansen", "Ito", "Jensen", "Kowalski",
        "Lopez", "Müller", "Nowak", "O'Brien", "Peters", "Rossi", "Schmidt", "Tanaka", "Weber",
    ]
    static let places: [(country: String, zone: String, callingCode: String)] = [
        ("US", "America/New_York", "1"), ("US", "America/Chicago", "1"), ("US", "America/Los_Angeles", "1"),
        ("CA", "America/Toronto", "1"), ("GB", "Europe/London", "44"), ("DE", "Europe/Berlin", "49"),
        ("FR", "Europe/Paris", "33"), ("NL", "Europe/Amsterdam", "31"), ("ES", "Europe/Madrid", "34"),
        ("IT", "Europe/Rome", "39"), ("SE", "Europe/Stockholm", "46"), ("AU", "Australia/Sydney", "61"),
        ("JP", "Asia/Tokyo", "81"),
    ]

    /// Every event of customer `index`.
    func events(forCustomer index: Int) -> [IngestEvent] {
        let o = options
        var random = SeededRandom(seed: o.seed, stream: UInt64(index) &+ 0xC057_0000)
        let prefix = "gen\(o.seed)"
        let customerRef = Self.customerRef(index)
        let serial = Self.padded(index + 1, width: 8)
        let place = Self.places[random.int(0...Self.places.count - 1)]
        let first = Self.firstNames[random.int(0...Self.firstNames.count - 1)]
        let last = Self.lastNames[random.int(0...Self.lastNames.count - 1)]
        let email = "\(first.lowercased()).\(last.lowercased().filter(\.isLetter)).\(index + 1)@example.com"
        let digits = String(index + 1)
        let phone =
            random.chance(0.6)
            ? "+\(place.callingCode)7\(String(repeating: "0", count: Swift.max(0, 9 - digits.count)))\(digits)" : nil
        let identity = CustomerIdentity(refs: [ExternalRef(source: "", id: customerRef)], email: email, phone: phone)
        let start = o.until - (o.days - 1)
        let count = Int(orderCounts[index])
        // Sign-up: up to 30 days before the first order; buyers' first orders spread over history.
        let firstDay = start + random.int(0...o.days - 1)
        let signUp = firstDay - random.int(0...30)
        let signUpAt = signUp.epochSeconds + Int64(random.int(0...86_399))
        var birthday: String?
        if random.chance(0.7) {
            let month = random.int(1...12)
            let day = random.int(1...28)
            birthday = "\(random.int(1950...2005))-\(Timestamp.pad2(month))-\(Timestamp.pad2(day))"
        }
        var events: [IngestEvent] = []
        events.reserveCapacity(count + 6)
        func add(_ id: String, _ at: Int64, _ kind: IngestEvent.Kind) {
            events.append(IngestEvent(id: "\(prefix)-\(id)", source: o.source, occurredAt: at, kind: kind))
        }
        add(
            "\(customerRef)-profile", signUpAt,
            .customerUpserted(
                CustomerUpsert(
                    identity: identity, firstName: first, lastName: last, country: place.country,
                    timeZone: place.zone, birthday: birthday, tags: random.chance(0.1) ? ["wholesale"] : [],
                    createdAt: signUpAt)))
        let who = CustomerIdentity(refs: [ExternalRef(source: "", id: customerRef)])
        if random.chance(0.65) {
            add(
                "\(customerRef)-consent-email", signUpAt + 1,
                .consentChanged(ConsentChange(customer: who, channel: .email, status: .granted)))
            if random.chance(0.1) {
                // Within the history only: a revocation after `until` would be an event from the future.
                let revokedAt = signUpAt + 86_400 * Int64(random.int(30...400))
                if revokedAt < (o.until + 1).epochSeconds {
                    add(
                        "\(customerRef)-consent-email-2", revokedAt,
                        .consentChanged(ConsentChange(customer: who, channel: .email, status: .revoked)))
                }
            }
        }
        if phone != nil, random.chance(0.45) {
            add(
                "\(customerRef)-consent-sms", signUpAt + 2,
                .consentChanged(ConsentChange(customer: who, channel: "sms", status: .granted)))
        }

        // Orders: alive to the end, or dropped out on a day after the first order.
        let untilDay = random.chance(0.55) ? o.until : firstDay + random.int(0...Swift.max(0, o.until - firstDay))
        var days = (0..<count).map { $0 == 0 ? firstDay : firstDay + random.int(0...Swift.max(0, untilDay - firstDay)) }
        days.sort()
        // A customer's favourites share a category (a tea drinker's teas): what customers buy
        // together has a pattern for recommendations to find beyond what sells most.
        let taste = pickIndex(&random)
        let categories = Self.productWords.count
        let favourites =
            [catalogue[taste]]
            + (0..<2).map { _ in
                let index = pickIndex(&random)
                return catalogue[index - index % categories + taste % categories]
            }
        var cartUsed = false
        for (number, day) in days.enumerated() {
            let at = day.epochSeconds + Int64(random.int(28_800...79_200))
            var lines: [OrderLine] = []
            for _ in 0..<random.int(1...3) {
                // Otherwise one of the shop's, half the time of the customer's favourite category.
                let product: Product
                if random.chance(0.5) {
                    product = favourites[random.int(0...2)]
                } else {
                    // The draw's low digits (independent of which product it picks) toss the coin.
                    let u = random.unit()
                    let index = Swift.min(catalogue.count - 1, Int(Double(catalogue.count) * u * u * u))
                    let own = Int(u * 1_000_003) % 2 == 1
                    product = catalogue[own ? index - index % categories + taste % categories : index]
                }
                lines.append(
                    OrderLine(
                        sku: product.sku, name: product.name, quantity: random.chance(0.8) ? 1 : random.int(2...4),
                        unitPriceMinor: product.priceMinor))
            }
            let total = lines.reduce(0) { $0 + Int64($1.quantity) * $1.unitPriceMinor }
            let orderRef = Self.orderRef(orderOffsets[index] + Int64(number))
            var cartRef: String?
            if !cartUsed, number == count - 1, random.chance(0.15) {
                cartRef = "K\(serial)"
                cartUsed = true
                add(
                    "O\(orderRef)-cart", at - 600,
                    .cartUpdated(
                        CartData(ref: cartRef!, customer: who, currency: o.currency, valueMinor: total, lines: lines)))
            }
            add(
                "O\(orderRef)", at,
                .orderPlaced(
                    OrderData(
                        ref: orderRef, customer: who, placedAt: at, currency: o.currency, totalMinor: total,
                        lines: lines, cartRef: cartRef)))
            let roll = random.unit()
            // Cancellations and refunds within the history only (the draws are made either way,
            // so a longer history keeps every earlier customer's events).
            let historyEnd = (o.until + 1).epochSeconds
            if roll < 0.02 {
                if at + 3_600 < historyEnd {
                    add("O\(orderRef)-cancel", at + 3_600, .orderCancelled(orderRef: orderRef))
                }
            } else if roll < 0.05, total > 1 {
                let share = Int64(random.int(1...4))
                if at + 86_400 * 7 < historyEnd {
                    add(
                        "O\(orderRef)-refund", at + 86_400 * 7,
                        .orderRefunded(
                            RefundData(
                                orderRef: orderRef, amountMinor: Swift.max(1, total / share), currency: o.currency)))
                }
            }
        }
        // An open cart left behind by a quarter of customers, some recently (abandoned-cart flows).
        if !cartUsed, random.chance(0.25) {
            let lastActive = days.last ?? firstDay
            let day = Swift.min(o.until, lastActive + random.int(0...60))
            let product = pick(&random)
            let line = OrderLine(sku: product.sku, name: product.name, quantity: 1, unitPriceMinor: product.priceMinor)
            add(
                "K\(serial)-open", day.epochSeconds + Int64(random.int(0...86_399)),
                .cartUpdated(
                    CartData(
                        ref: "K\(serial)", customer: who, currency: o.currency, valueMinor: line.unitPriceMinor,
                        lines: [line])))
        }
        if random.chance(0.08) {
            let day = Swift.min(o.until, (days.last ?? firstDay) + random.int(0...20))
            add(
                "T\(serial)", day.epochSeconds + 40_000,
                .ticketUpdated(
                    TicketData(
                        ref: "T\(serial)", customer: who,
                        subject: ["Where is my order?", "Damaged item", "Change my address", "Refund request"][
                            random.int(0...3)],
                        status: random.chance(0.7) ? .closed : .open)))
        }
        return events
    }

    func pick(_ random: inout SeededRandom) -> Product { catalogue[pickIndex(&random)] }

    /// A catalogue index, the first ones far more often (a few products sell most).
    func pickIndex(_ random: inout SeededRandom) -> Int {
        let u = random.unit()
        return Swift.min(catalogue.count - 1, Int(Double(catalogue.count) * u * u * u))
    }
}

extension ShopGenerator: SourceConnector {
    public var source: String { options.source }

    public func events() -> AsyncThrowingStream<IngestEvent, any Error> {
        let generator = self
        return AsyncThrowingStream { continuation in
            for event in generator { continuation.yield(event) }
            continuation.finish()
        }
    }
}
