import PatronCore
import Testing

@Suite struct SavedSegmentTests {
    init() { TestChannels.register() }

    func shop() throws -> InMemoryStore {
        let store = InMemoryStore()
        try Ingestor(store: store).ingest(
            (1...6).map { n in
                Make.order("\(n)", customer: "c\(n)", day: "2024-01-1\(n)", total: Int64(n) * 1000)
            })
        return store
    }

    @Test func inSegmentExpandsASavedSegment() throws {
        let store = try shop()
        try store.saveSegment(name: "big", expression: "orders.total >= 40", currencyDigits: 2, at: 0)
        let expression = try store.parseSegment(#"in_segment("big") and orders.total < 60"#, currencyDigits: 2)
        #expect(expression.description == "(orders.total >= 4000 and orders.total < 6000)")
        #expect(try store.members(expression, now: 0).count == 2)
    }

    @Test func cyclesAndUnknownNamesAreErrors() throws {
        let store = try shop()
        try store.saveSegment(name: "a", expression: "orders.count > 0", currencyDigits: 2, at: 0)
        try store.saveSegment(name: "b", expression: #"in_segment("a")"#, currencyDigits: 2, at: 0)
        // Redefining a in terms of b would close a cycle: refused, and a is unchanged.
        let cycle = try #require(throws: SegmentError.self) {
            try store.saveSegment(name: "a", expression: #"in_segment("b")"#, currencyDigits: 2, at: 0)
        }
        #expect(cycle.message.contains("cycle"))
        #expect(try store.savedSegment(named: "a")?.expression == "orders.count > 0")
        let unknown = try #require(throws: SegmentError.self) {
            try store.parseSegment(#"in_segment("zzz")"#, currencyDigits: 2)
        }
        #expect(unknown.description == "1:12: no saved segment named 'zzz'")
        #expect(throws: PatronError.self) {
            try store.saveSegment(name: "9lives", expression: "orders.count > 0", currencyDigits: 2, at: 0)
        }
    }

    @Test func diffReportsWhoEnteredAndWhoLeft() throws {
        let store = try shop()
        try store.saveSegment(name: "recent", expression: "orders.last_at within 3 days", currencyDigits: 2, at: 0)
        let day = { (text: String) in Day(iso: text)!.epochSeconds + 86_399 }
        let first = try store.diffSegment(name: "recent", currencyDigits: 2, now: day("2024-01-13"), record: true)
        #expect(first.previous == nil)
        #expect(first.diff.entered == [CustomerID(1), CustomerID(2), CustomerID(3)])
        let second = try store.diffSegment(name: "recent", currencyDigits: 2, now: day("2024-01-15"), record: false)
        #expect(second.diff.entered == [CustomerID(4), CustomerID(5)])
        #expect(second.diff.left == [CustomerID(1), CustomerID(2)])
        // A dry run records nothing: the next diff still compares with the first snapshot.
        let third = try store.diffSegment(name: "recent", currencyDigits: 2, now: day("2024-01-15"), record: true)
        #expect(third.diff == second.diff)
        #expect(try store.latestMembership(of: "recent")?.members == [CustomerID(3), CustomerID(4), CustomerID(5)])
    }
}
