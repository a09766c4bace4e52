import PatronCore
import Testing

/// Hostile and merely large expressions: every size is answered with a tree or a positioned
/// error naming the limit — never a crash (the parser used to recurse once per level).
@Suite struct SegmentLimitsTests {
    init() { TestChannels.register() }

    func error(_ source: String, saved: [String: String] = [:]) -> SegmentError? {
        do {
            _ = try SegmentParser.parse(source, savedSegment: { saved[$0] })
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [SegmentLimits.maxDepth + 1, 1_000, 20_000])
    func deepParenthesesAreAPositionedErrorNamingTheLimit(depth: Int) throws {
        let source = String(repeating: "(", count: depth) + "orders.count > 1" + String(repeating: ")", count: depth)
        let error = try #require(self.error(source))
        #expect(error.message.contains("nested deeper than \(SegmentLimits.maxDepth) levels"))
        #expect(error.position == SegmentPosition(line: 1, column: SegmentLimits.maxDepth + 1))
        // The caret display stays short, however long the line.
        #expect(error.rendered.count < 400)
    }

    @Test func theDeepestAllowedNestingParses() throws {
        let depth = SegmentLimits.maxDepth
        let source = String(repeating: "(", count: depth) + "orders.count > 1" + String(repeating: ")", count: depth)
        #expect(try SegmentParser.parse(source).description == "orders.count > 1")
    }

    @Test(arguments: [2, 3, 201, 24_000])
    func chainsOfNotAddNoDepth(count: Int) throws {
        let source = String(repeating: "not ", count: count) + "orders.count > 1"
        let parsed = try SegmentParser.parse(source)
        let inner = try SegmentParser.parse("orders.count > 1")
        #expect(parsed == (count % 2 == 0 ? inner : .not(inner)))
    }

    @Test(arguments: [90, 100, 4_000])
    func longChainsAreOneFlatList(count: Int) throws {
        let or = (0..<count).map { "orders.count = \($0)" }.joined(separator: " or ")
        guard case .or(let operands) = try SegmentParser.parse(or) else {
            Issue.record("an or chain is one list")
            return
        }
        #expect(operands.count == count)
        let and = (0..<count).map { "orders.count != \($0)" }.joined(separator: " AND ")
        guard case .and(let all) = try SegmentParser.parse(and) else {
            Issue.record("an and chain is one list")
            return
        }
        #expect(all.count == count)
        // Parentheses of the same operator flatten too.
        let grouped = try SegmentParser.parse("(orders.count = 1 or orders.count = 2) or (orders.count = 3)")
        guard case .or(let three) = grouped else { return }
        #expect(three.count == 3)
    }

    @Test func tooManyTermsIsAnErrorAtTheFirstOneOver() throws {
        let values = (0...SegmentLimits.maxTerms).map(String.init).joined(separator: ", ")
        let error = try #require(self.error("orders.count in (\(values))"))
        #expect(error.message.contains("more than \(SegmentLimits.maxTerms) predicates and values"))
        let terms = (0...SegmentLimits.maxTerms).map { _ in "tickets.open = 1" }.joined(separator: " or ")
        #expect(try #require(self.error(terms)).message.contains("\(SegmentLimits.maxTerms)"))
    }

    @Test func tooLongIsAnErrorNamingTheLimit() throws {
        let source = "email = \"" + String(repeating: "a", count: SegmentLimits.maxLength) + "\""
        let error = try #require(self.error(source))
        #expect(
            error.message
                == "the expression is \(source.utf8.count) bytes long; the limit is \(SegmentLimits.maxLength)")
        #expect(error.rendered.count < 400)
    }

    @Test func savedSegmentsCountTowardsTheDepthAndTheTerms() throws {
        let nested =
            String(repeating: "(", count: SegmentLimits.maxDepth - 1) + "orders.count > 1"
            + String(repeating: ")", count: SegmentLimits.maxDepth - 1)
        // in_segment is one level: 15 + 1 fits, one more parenthesis around it does not.
        #expect(self.error(#"in_segment("deep")"#, saved: ["deep": nested]) == nil)
        let error = try #require(self.error(#"(in_segment("deep"))"#, saved: ["deep": nested]))
        #expect(error.message.contains("nested deeper than"))
        #expect(error.position == SegmentPosition(line: 1, column: 13))
        // A saved segment used many times draws on one budget of terms.
        let half =
            "orders.count in (" + (1..<(SegmentLimits.maxTerms / 2)).map(String.init).joined(separator: ", ") + ")"
        let twice = #"in_segment("half") or in_segment("half") or orders.count = 1"#
        #expect(try #require(self.error(twice, saved: ["half": half])).message.contains("more than"))
    }
}
