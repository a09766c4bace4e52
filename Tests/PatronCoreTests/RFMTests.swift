import Foundation
import PatronCore
import Testing

@Suite struct RFMTests {
    init() { TestChannels.register() }

    func facts(_ values: [(recency: Int, frequency: Int, monetary: Int64)]) -> [RFMFact] {
        values.enumerated().map { index, value in
            RFMFact(
                customerID: CustomerID(Int64(index + 1)), key: String(index + 1), recencyDays: value.recency,
                frequency: value.frequency, monetaryMinor: value.monetary)
        }
    }

    /// The quantile definition, by brute force: L = customers strictly worse.
    func bruteForce(_ facts: [RFMFact], k: Int) -> [(Int, Int, Int)] {
        let n = facts.count
        return facts.map { fact in
            let r = facts.filter { $0.recencyDays > fact.recencyDays }.count
            let f = facts.filter { $0.frequency < fact.frequency }.count
            let m = facts.filter { $0.monetaryMinor < fact.monetaryMinor }.count
            return (1 + k * r / n, 1 + k * f / n, 1 + k * m / n)
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8])
    func quantileMatchesTheDefinition(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let n = random.int(1...400)
        let input = facts(
            (0..<n).map { _ in (random.int(0...60), random.int(1...6), Int64(random.int(0...50)) * 100) })
        for k in [2, 3, 5, 10] {
            let scores = RFMAnalysis.score(
                input, configuration: try RFMConfiguration(bins: k, method: .quantile, segmentMap: nil))
            let expected = bruteForce(input, k: k)
            for (score, want) in zip(scores, expected) {
                #expect((score.r, score.f, score.m) == want)
            }
        }
    }

    @Test func equalValuesGetEqualScores() throws {
        let input = facts(Array(repeating: (10, 1, 500), count: 7) + [(1, 9, 9000)])
        let scores = RFMAnalysis.score(input, configuration: try RFMConfiguration())
        #expect(Set(scores.prefix(7).map(\.r)).count == 1)
        #expect(scores.prefix(7).allSatisfy { $0.f == 1 && $0.m == 1 })
        #expect(scores[7].r == 5 && scores[7].f == 5)
    }

    @Test(arguments: [1, 4, 5, 11, 23, 100, 101])
    func ntileBucketSizesFollowSQL(n: Int) throws {
        let input = facts((0..<n).map { ($0 % 3, 1, 100) })
        let scores = RFMAnalysis.score(input, configuration: try RFMConfiguration(method: .ntile, segmentMap: nil))
        var sizes = [Int](repeating: 0, count: 5)
        for score in scores { sizes[score.f - 1] += 1 }
        // SQL NTILE(5): the first n % 5 buckets get one more row; with n < 5, one row each.
        let expected = (0..<5).map { bucket in n / 5 + (bucket < n % 5 ? 1 : 0) }
        #expect(sizes == expected)
        // Ties split by customer id: all frequencies are equal, so ids ascend with the bucket.
        let buckets = scores.sorted { $0.fact.customerID < $1.fact.customerID }.map(\.f)
        #expect(buckets == buckets.sorted())
    }

    /// NTILE by the book: sort worst first with ties by id, then deal rows into k buckets.
    func naiveNtile(_ facts: [RFMFact], k: Int, worse: (RFMFact, RFMFact) -> Bool) -> [CustomerID: Int] {
        let ordered = facts.sorted { a, b in worse(a, b) || (!worse(b, a) && a.customerID < b.customerID) }
        let n = ordered.count
        var result: [CustomerID: Int] = [:]
        var position = 0
        for bucket in 1...k {
            let size = n / k + (bucket <= n % k ? 1 : 0)
            for fact in ordered[position..<position + size] { result[fact.customerID] = bucket }
            position += size
        }
        return result
    }

    @Test(arguments: [11, 12, 13, 14])
    func ntileMatchesTheBookOnShuffledInput(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let n = random.int(1...3000)
        var input = (0..<n).map { index in
            RFMFact(
                customerID: CustomerID(Int64(index * 3 + 1)), key: "k\(index)", recencyDays: random.int(0...40),
                frequency: random.int(1...5),
                monetaryMinor: random.chance(0.1)
                    ? Int64.max / 4 - Int64(random.int(0...9)) : Int64(random.int(-500...5000)))
        }
        input.shuffle(using: &random)
        let scores = RFMAnalysis.score(input, configuration: try RFMConfiguration(method: .ntile, segmentMap: nil))
        let r = naiveNtile(input, k: 5) { $0.recencyDays > $1.recencyDays }
        let f = naiveNtile(input, k: 5) { $0.frequency < $1.frequency }
        let m = naiveNtile(input, k: 5) { $0.monetaryMinor < $1.monetaryMinor }
        for score in scores {
            #expect(score.r == r[score.fact.customerID])
            #expect(score.f == f[score.fact.customerID])
            #expect(score.m == m[score.fact.customerID])
        }
    }

    @Test func ntileRecencyPutsTheMostRecentInTheTopBucket() throws {
        let input = facts([(100, 1, 1), (0, 1, 1), (50, 1, 1), (10, 1, 1), (70, 1, 1)])
        let scores = RFMAnalysis.score(input, configuration: try RFMConfiguration(method: .ntile, segmentMap: nil))
        #expect(scores.map(\.r) == [1, 5, 3, 4, 2])
    }

    @Test func thresholdsScoreByFixedBounds() throws {
        let bounds = try RFMThresholds(
            recencyDays: [30, 90, 180, 365], frequency: [2, 3, 5, 8], monetaryMinor: [5000, 10000, 25000, 50000])
        let input = facts([(30, 1, 4999), (31, 2, 5000), (365, 8, 50000), (366, 100, 1_000_000)])
        let scores = RFMAnalysis.score(input, configuration: try RFMConfiguration(method: .thresholds(bounds)))
        #expect(scores.map(\.r) == [5, 4, 2, 1])
        #expect(scores.map(\.f) == [1, 2, 5, 5])
        #expect(scores.map(\.m) == [1, 2, 5, 5])
    }

    @Test(arguments: [
        (5, 5, "Champions"), (5, 4, "Champions"), (4, 2, "Potential Loyalists"), (5, 3, "Potential Loyalists"),
        (5, 1, "New Customers"), (4, 1, "Promising"), (4, 5, "Loyal Customers"), (3, 4, "Loyal Customers"),
        (3, 3, "Need Attention"), (3, 1, "About To Sleep"), (3, 2, "About To Sleep"), (1, 5, "Can't Lose Them"),
        (2, 5, "Can't Lose Them"), (2, 3, "At Risk"), (1, 4, "At Risk"), (2, 2, "Hibernating"), (1, 1, "Hibernating"),
    ])
    func standardMapNamesEveryCell(r: Int, f: Int, name: String) {
        #expect(RFMSegmentMap.standard.segment(r: r, f: f, m: 1) == name)
    }

    @Test func readsAMapFileWithM() throws {
        let json =
            #"{"bins":3,"segments":[{"name":"VIP","r":"2-3","m":[3,3]},{"name":"Big","m":3}],"otherwise":"Rest"}"#
        let map = try RFMSegmentMap.parse(json: Data(json.utf8), name: "map.json")
        #expect(map.segment(r: 3, f: 1, m: 3) == "VIP")
        #expect(map.segment(r: 1, f: 1, m: 3) == "Big")
        #expect(map.segment(r: 3, f: 3, m: 2) == "Rest")
        let bad = #"{"bins":3,"segments":[{"name":"X","r":"2-7"}]}"#
        #expect(throws: PatronError.self) { try RFMSegmentMap.parse(json: Data(bad.utf8), name: "bad.json") }
    }

    @Test func factsFollowTheDefinitions() throws {
        let store = InMemoryStore()
        try Ingestor(store: store).ingest([
            Make.order("1", customer: "a", day: "2024-01-01", total: 1000),
            Make.order("2", customer: "a", day: "2024-06-01", total: 0),
            Make.order("3", customer: "a", day: "2024-06-20", total: 500),
            Make.event("x", .orderCancelled(orderRef: "3"), day: "2024-06-21"),
            Make.event(
                "y", .orderRefunded(RefundData(orderRef: "1", amountMinor: 300, currency: .usd)), day: "2024-06-22"),
            Make.order("4", customer: "b", day: "2024-07-01", total: 100),
        ])
        let asOf = Day(iso: "2024-06-30")!
        let allTime = try store.rfmFacts(asOf: asOf, windowDays: nil)
        #expect(allTime.count == 1)  // b's only order is after the as-of date
        #expect(allTime[0].recencyDays == 29)
        #expect(allTime[0].frequency == 2)  // cancelled never counts; $0 does
        #expect(allTime[0].monetaryMinor == 700)  // refund reduces
        let windowed = try store.rfmFacts(asOf: asOf, windowDays: 30)
        #expect(windowed[0].recencyDays == 29 && windowed[0].frequency == 1 && windowed[0].monetaryMinor == 0)
    }

    @Test func refusesAnAsOfBeforeTheFirstOrder() throws {
        let store = InMemoryStore()
        try Ingestor(store: store).ingest([Make.order("1", customer: "a", day: "2024-01-01", total: 1000)])
        let error = try #require(throws: PatronError.self) {
            try RFMRun.compute(
                store: store, asOf: Day(iso: "2023-12-31"), windowDays: nil, configuration: try RFMConfiguration(),
                currency: .usd)
        }
        #expect(error.message.contains("before the first order"))
    }

    @Test func snapshotsReportMoves() throws {
        let store = InMemoryStore()
        let ingestor = Ingestor(store: store)
        try ingestor.ingest(
            (1...10).map { Make.order("\($0)", customer: "c\($0)", day: "2024-01-\(10 + $0)", total: Int64($0) * 100) })
        let configuration = try RFMConfiguration()
        let first = try RFMRun.compute(
            store: store, asOf: Day(iso: "2024-02-01"), windowDays: nil, configuration: configuration, currency: .usd)
        #expect(first.previousSnapshot == nil)
        _ = try first.save(to: store, takenAt: 1)
        let later = try RFMRun.compute(
            store: store, asOf: Day(iso: "2024-02-01"), windowDays: nil, configuration: configuration, currency: .usd)
        #expect(later.moves.isEmpty)
        try ingestor.ingest([
            Make.order("11", customer: "c1", day: "2024-01-31", total: 100),
            Make.order("12", customer: "c1", day: "2024-01-31", total: 1),
        ])
        let moved = try RFMRun.compute(
            store: store, asOf: Day(iso: "2024-02-01"), windowDays: nil, configuration: configuration, currency: .usd)
        let c1 = try #require(moved.moves.first { $0.customerID == CustomerID(1) })
        #expect(c1.from == "Hibernating")
        #expect(c1.to == "Champions")
    }

    @Test func noMovesAgainstASnapshotOfOtherSettings() throws {
        let store = InMemoryStore()
        try Ingestor(store: store).ingest(
            (1...10).map { Make.order("\($0)", customer: "c\($0)", day: "2024-01-\(10 + $0)", total: 100) })
        let asOf = Day(iso: "2024-02-01")
        _ = try RFMRun.compute(
            store: store, asOf: asOf, windowDays: nil, configuration: try RFMConfiguration(), currency: .usd
        )
        .save(to: store, takenAt: 1)
        let ntile = try RFMRun.compute(
            store: store, asOf: asOf, windowDays: nil, configuration: try RFMConfiguration(method: .ntile),
            currency: .usd)
        #expect(ntile.previousSnapshot != nil)
        #expect(!ntile.comparable)
        #expect(ntile.moves.isEmpty)
    }

    /// Found in review: the stored parameters named the thresholds method without its bounds, so
    /// snapshots scored with other bounds were compared and their "moves" saved.
    @Test func thresholdSnapshotsWithOtherBoundsAreNotCompared() throws {
        let store = InMemoryStore()
        try Ingestor(store: store).ingest(
            (1...10).map { Make.order("\($0)", customer: "c\($0)", day: "2024-01-\(10 + $0)", total: Int64(100 * $0)) })
        let asOf = Day(iso: "2024-02-01")
        func run(monetary: [Int64]) throws -> RFMRun {
            let bounds = try RFMThresholds(
                recencyDays: [7, 14, 30, 60], frequency: [2, 3, 4, 5], monetaryMinor: monetary)
            return try RFMRun.compute(
                store: store, asOf: asOf, windowDays: nil,
                configuration: try RFMConfiguration(method: .thresholds(bounds)), currency: .usd)
        }
        _ = try run(monetary: [100, 200, 300, 400]).save(to: store, takenAt: 1)
        let same = try run(monetary: [100, 200, 300, 400])
        let other = try run(monetary: [1_000, 2_000, 3_000, 4_000])
        #expect(same.comparable)
        #expect(!other.comparable && other.moves.isEmpty)
        #expect(other.parameters.contains("M 1000/2000/3000/4000 minor"))
    }
}
