import Foundation
import PatronCore
import PatronSQLite
import PatronTestKit
import Testing

/// The SQL back end and the in-memory evaluator must select exactly the same customers.
@Suite struct SegmentAgreementTests {
    init() { TestChannels.register() }

    static let until = Day(iso: "2025-06-30")!
    static let now = until.epochSeconds + 86_399
    /// An instant when the calendar day differs around the world (for anniversaries).
    static let midday = until.epochSeconds + 12 * 3600

    /// One generated shop in both stores.
    static let stores: (memory: InMemoryStore, sqlite: SQLiteStore) = {
        let memory = InMemoryStore()
        let sqlite = try! SQLiteStore()
        let events = Array(try! ShopGenerator(options: .init(customers: 1200, seed: 21, until: until)))
        try! Ingestor(store: memory).ingest(events)
        try! Ingestor(store: sqlite).ingest(events)
        // The newest RFM snapshot, for the rfm.* fields (buyers only: others have no row).
        for store in [memory as any Store, sqlite as any Store] {
            let run = try! RFMRun.compute(
                store: store, asOf: until, windowDays: nil, configuration: try! RFMConfiguration(), currency: .usd)
            _ = try! run.save(to: store, takenAt: 1)
            // Saved predictions, for the predicted.* fields (buyers only).
            let summary = try! PurchaseSummary.from(store: store, calibrationEnd: until, currencyDigits: 2)
            try! store.savePredictions(
                SavedPredictions.compute(
                    summary: summary, calibrationEnd: until, currencyDigits: 2, monthlyDiscount: 0.01, savedAt: 1))
            // Survey answers, for the feedback.* fields: several per customer, some in the same
            // second (the higher score is the latest then).
            try! store.write { t in
                for response in Self.answers { try t.saveFeedbackResponse(response) }
            }
        }
        return (memory, sqlite)
    }()

    /// Survey answers of the 1,200 customers (``StoreConformance/sampleAnswers(customers:until:)``).
    static let answers = StoreConformance.sampleAnswers(customers: 1200, until: until)

    /// Random well-typed expressions, as text (so the parser is exercised too).
    static func randomExpression(_ random: inout SeededRandom, depth: Int = 0) -> String {
        if depth < 3, random.chance(0.15) {
            // A chain without parentheses (precedence, flat lists, merged equality lists), or `not`s.
            var chain = randomExpression(&random, depth: depth + 1)
            for _ in 0..<random.int(1...5) {
                chain += (random.chance(0.5) ? " and " : " or ") + randomExpression(&random, depth: depth + 1)
            }
            return random.chance(0.3) ? "not not (\(chain))" : "(\(chain))"
        }
        if depth < 3, random.chance(0.35) {
            let left = randomExpression(&random, depth: depth + 1)
            let right = randomExpression(&random, depth: depth + 1)
            let joined = "(\(left) \(random.chance(0.5) ? "and" : "or") \(right))"
            return random.chance(0.2) ? "not \(joined)" : joined
        }
        let ops = ["=", "!=", "<", "<=", ">", ">="]
        let op = ops[random.int(0...5)]
        switch random.int(0...17) {
        case 0: return "orders.count \(op) \(random.int(0...15))"
        case 1: return "orders.total \(op) \(random.int(0...3000))"
        case 2: return "orders.last_at \(op) \(random.int(0...800)) days ago"
        case 3:
            return
                "orders.first_at between \(Self.until - random.int(400...1100)) and \(Self.until - random.int(0...399))"
        case 4: return "aov \(op) \(random.int(5...150)).\(random.int(10...99))"
        case 5 where random.chance(0.5):
            return "country \(random.chance(0.5) ? "=" : "!=") \"\(["DE", "US", "GB", "FR"][random.int(0...3)])\""
        case 5:
            return
                "country \(random.chance(0.5) ? "in" : "not in") (\"DE\", \"US\", \"\(["GB", "FR", "JP"][random.int(0...2)])\")"
        case 6:
            return
                "consent.sms \(random.chance(0.5) ? "=" : "!=") \"\(["granted", "unknown", "revoked"][random.int(0...2)])\""
        case 7: return "cart.abandoned_at \(random.chance(0.5) ? "is null" : "within \(random.int(1...400)) days")"
        case 8: return "tickets.open \(op) \(random.int(0...1))"
        case 9: return "email contains \".\(random.int(1...99))\""
        case 10:
            // Prefixes that also occur later in the text, so "starts with" and "contains" differ.
            let field = random.chance(0.5) ? "phone" : "email"
            let prefix =
                field == "phone"
                ? ["+1", "+49", "+44", "7", "+3"][random.int(0...4)] : ["a", "m", "e", "ava.", "o"][random.int(0...4)]
            return "\(field) starts with \"\(prefix)\""
        case 11: return "tags contains \"wholesale\""
        case 12:
            return random.chance(0.5)
                ? "birthday is \(random.chance(0.5) ? "" : "not ")null" : "birthday within \(random.int(0...60)) days"
        case 13:
            switch random.int(0...3) {
            case 0: return "rfm.r \(op) \(random.int(1...5))"
            case 1: return "rfm.f \(op) \(random.int(1...5))"
            case 2: return "rfm.recency_days \(op) \(random.int(0...900))"
            default:
                let names = ["Champions", "At Risk", "Hibernating", "Loyal Customers", "New Customers"]
                return
                    "rfm.segment \(random.chance(0.5) ? "in" : "not in") (\"\(names[random.int(0...4)])\", \"\(names[random.int(0...4)])\")"
            }
        case 15:
            switch random.int(0...3) {
            case 0: return "predicted.p_alive \(op) 0.\(random.int(0...99))"
            case 1: return "predicted.orders_52w \(op) \(random.int(0...3)).\(random.int(0...9))"
            case 2: return "predicted.clv_12m \(op) \(random.int(0...400))"
            default: return "predicted.p_alive is \(random.chance(0.5) ? "" : "not ")null"
            }
        case 14:
            let within = random.chance(0.7) ? ", within: \(random.int(1...500)) days" : ""
            switch random.int(0...2) {
            case 0:
                let sku = ["TEA-001", "COFFEE-002", "MUG-003", "CANDLE-004", "SOAP-005", "SOCK-006"][random.int(0...5)]
                return "bought(sku: \"\(sku)\"\(within))"
            case 1: return "ordered(count \(op) \(random.int(0...6))\(within))"
            default: return "abandoned_cart(min_value: \(random.int(0...60))\(within))"
            }
        case 16:
            switch random.int(0...3) {
            case 0: return "feedback.nps_last \(op) \(random.int(0...10))"
            case 1:
                let band = NPSClass.allCases[random.int(0...2)].rawValue
                return random.chance(0.3)
                    ? "feedback.nps_class is \(random.chance(0.5) ? "" : "not ")null"
                    : "feedback.nps_class \(random.chance(0.5) ? "=" : "!=") \"\(band)\""
            case 2: return "feedback.csat_last \(op) \(random.int(1...5))"
            default: return "feedback.reviews.count \(op) \(random.int(0...2))"
            }
        default: return "cart.open_value \(op) \(random.int(0...80))"
        }
    }

    @Test(arguments: Array(1...12))
    func bothBackEndsSelectTheSameCustomers(seed: UInt64) throws {
        var random = SeededRandom(seed: seed * 7919)
        for _ in 0..<25 {
            let source = Self.randomExpression(&random)
            let expression = try SegmentParser.parse(source)
            for now in [Self.now, Self.midday] {
                let inMemory = try Self.stores.memory.members(expression, now: now)
                let inSQL = try Self.stores.sqlite.segmentMembers(expression, now: now)
                #expect(inSQL == inMemory, "\(source) at \(now): SQL \(inSQL.count), memory \(inMemory.count)")
            }
        }
    }

    @Test(arguments: [
        "orders.count >= 2", "tags contains \"wholesale\" or rfm.segment is not null", "orders.count >= 0",
    ])
    func bothBackEndsExportTheSameCSVForEveryField(source: String) throws {
        // Every catalogue field, through SQLite's in-place rows and through the evaluator's values.
        let expression = try SegmentParser.parse(source)
        let fields = SegmentCatalogue.fields
        var fromSQL = CSVBuffer()
        var fromMemory = CSVBuffer()
        try Self.stores.sqlite.forEachSegmentMember(expression, fields: fields, now: Self.now) {
            SegmentExport.appendCSV($0, fields: fields, digits: 2, to: &fromSQL)
        }
        try Self.stores.memory.forEachSegmentMember(expression, fields: fields, now: Self.now) {
            SegmentExport.appendCSV($0, fields: fields, digits: 2, to: &fromMemory)
        }
        let sqlText = String(decoding: fromSQL.bytes, as: UTF8.self)
        let memoryText = String(decoding: fromMemory.bytes, as: UTF8.self)
        let count = try Self.stores.sqlite.segmentCount(expression, now: Self.now)
        #expect(sqlText.split(separator: "\n").count == count)
        #expect(sqlText.contains(",wholesale,") || !source.contains("tags"), "the tags column is filled")
        #expect(sqlText == memoryText)
    }

    @Test func selectsSomethingAndNotEverything() throws {
        // Guard against a vacuous agreement: typical segments are neither empty nor everyone.
        let total = Self.stores.memory.allCustomers().count
        for source in [
            "orders.count >= 2", "orders.last_at < 180 days ago", #"consent.email = "granted""#,
            "cart.abandoned_at is not null", "predicted.p_alive < 0.5", "predicted.clv_12m > 100",
        ] {
            let count = try Self.stores.sqlite.segmentCount(try SegmentParser.parse(source), now: Self.now)
            #expect(count > 0 && count < total, "\(source): \(count) of \(total)")
        }
    }
}
