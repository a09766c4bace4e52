import Foundation
import PatronCore
import PatronSQLite
import Testing

/// Every expression the parser accepts compiles to SQL that SQLite accepts (it used to fail with
/// "parser stack overflow" at an `or` of about 90 terms), and selects what the evaluator selects.
@Suite struct SegmentSQLLimitsTests {
    init() { TestChannels.register() }

    typealias Shared = SegmentAgreementTests

    func agree(_ source: String, _ comment: String) throws {
        let expression = try SegmentParser.parse(source)
        let inMemory = try Shared.stores.memory.members(expression, now: Shared.now)
        let inSQL = try Shared.stores.sqlite.segmentMembers(expression, now: Shared.now)
        #expect(inSQL == inMemory, "\(comment): SQL \(inSQL.count), memory \(inMemory.count)")
    }

    @Test(arguments: [2, 90, 100, 999, 1_000, 4_000])
    func wideChainsCompile(count: Int) throws {
        let kinds = [
            { (i: Int) in "orders.count = \(i % 9)" }, { i in "country = \"\(["DE", "US", "GB"][i % 3])\"" },
            { i in "orders.total > \(i % 500)" }, { i in "not tickets.open = \(i % 2)" },
        ]
        for (index, kind) in kinds.enumerated() {
            try agree((0..<count).map(kind).joined(separator: " or "), "or of \(count), kind \(index)")
            try agree((0..<count).map(kind).joined(separator: " and "), "and of \(count), kind \(index)")
        }
        // Mixed, and negated as a whole (De Morgan turns the lists over).
        let mixed = (0..<count).map { kinds[$0 % 4]($0) }.joined(separator: " or ")
        try agree(mixed, "mixed or of \(count)")
        try agree("not (\(mixed))", "not (mixed or of \(count))")
        try agree("not (\(mixed.replacingOccurrences(of: " or ", with: " and ")))", "not (mixed and of \(count))")
    }

    /// The deepest nesting the parser admits, with the heaviest predicates (subqueries, the
    /// anniversary CASE) at every level, first and last in each list.
    @Test(arguments: [false, true])
    func theDeepestNestingCompiles(nestedFirst: Bool) throws {
        func deep(_ level: Int) -> String {
            if level == 0 { return #"bought(sku: "TEA-001", within: 300 days)"# }
            let op = level % 2 == 0 ? "and" : "or"
            let siblings = "birthday within 10 days \(op) abandoned_cart(min_value: 5) \(op) ordered(count >= 2)"
            let inner =
                nestedFirst ? "(\(deep(level - 1)) \(op) \(siblings))" : "(\(siblings) \(op) \(deep(level - 1)))"
            return level % 3 == 0 ? "not \(inner)" : inner
        }
        try agree(deep(SegmentLimits.maxDepth), "depth \(SegmentLimits.maxDepth)")
        try agree("not " + deep(SegmentLimits.maxDepth), "not depth \(SegmentLimits.maxDepth)")
    }

    @Test func theMostTermsCompile() throws {
        // As many as fit in the longest expression.
        let values = (0..<(SegmentLimits.maxTerms - 2)).map(String.init).joined(separator: ",")
        try agree("orders.count in (\(values)) or tickets.open > 0", "a list of \(SegmentLimits.maxTerms - 2) values")
        let terms = (0..<2_500).map { "orders.total between \($0) and \($0 + 5)" }
        try agree(terms.joined(separator: " or "), "2,500 betweens")
    }

    @Test func equalitiesOfOneFieldBecomeOneList() throws {
        let expression = try SegmentParser.parse(
            #"country = "DE" or country = "US" or orders.count > 5 or country in ("GB", "FR")"#)
        let (sql, _) = try Shared.stores.sqlite.explainSegment(expression, now: Shared.now)
        #expect(sql.contains("c.country IN (?, ?, ?, ?)"), "\(sql)")
        let negated = try SegmentParser.parse(#"not (country = "DE" or country = "US")"#)
        let (negatedSQL, _) = try Shared.stores.sqlite.explainSegment(negated, now: Shared.now)
        #expect(negatedSQL.contains("c.country NOT IN (?, ?)"), "\(negatedSQL)")
    }
}
