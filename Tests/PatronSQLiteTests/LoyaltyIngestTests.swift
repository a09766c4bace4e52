import Foundation
import PatronCore
import PatronSQLite
import PatronTestKit
import Testing

/// Points earned as events arrive: with a programme active, ingest settles every order it
/// touches. On random streams (merges, orders moving between customers, refunds, cancellations,
/// erasures, replays), one event at a time into the in-memory store and random batches into
/// SQLite, every order's points end where the rules put its final state, on its owner's ledger
/// only; balances agree between the two; replaying everything writes nothing.
@Suite struct LoyaltyIngestTests {
    init() { TestChannels.register() }

    static let program = LoyaltyProgram(
        points: 1, perMinor: 100, skuMultipliers: ["SKU-0-1": 2_000, "SKU-1-3": 500],
        actions: ["signup": .init(points: 50)], returnWindowDays: 14)

    static func activate(_ store: some Store) throws {
        try LoyaltyDesk.activate(store, rules: "(test)", program: program, at: 1_600_000_000)
    }

    /// Every order's points on every ledger, and each customer's balance less sign-ups.
    static func ledgers(_ store: some Store, customers: Int) throws -> (
        orders: [String: [Int64: Int64]], balances: [Int64: Int64], entries: Int
    ) {
        try store.read { t in
            var orders: [String: [Int64: Int64]] = [:]
            var balances: [Int64: Int64] = [:]
            var entries = 0
            for raw in 1...Int64(customers) {
                let ledger = LoyaltyLedger(
                    customerID: CustomerID(raw), entries: try t.loyaltyEntries(of: CustomerID(raw)))
                entries += ledger.entries.count
                for ref in Set(ledger.entries.compactMap(\.orderRef)) {
                    orders[ref, default: [:]][raw] = ledger.net(ofOrder: ref)
                }
                let signups = ledger.entries.filter { $0.reason == "signup" }.reduce(0) { $0 + $1.points }
                let balance = ledger.balance(at: .max / 2) - signups
                if balance != 0 { balances[raw] = balance }
                #expect(ledger.entries.allSatisfy { $0.unrecovered == 0 })
            }
            return (orders, balances, entries)
        }
    }

    @Test(arguments: 1...6 as ClosedRange<UInt64>)
    func ordersEndWithThePointsOfTheirFinalState(seed: UInt64) throws {
        let events = IngestEquivalence.stream(seed: seed, count: seed <= 2 ? 2_300 : 600)
        let memory = InMemoryStore()
        let sqlite = try SQLiteStore()
        try Self.activate(memory)
        try Self.activate(sqlite)
        var oneByOne = Ingestor(store: memory)
        oneByOne.setBased = false
        var created = 0
        for event in events { created += try oneByOne.ingest([event]).customersCreated }
        for batch in IngestEquivalence.batches(events, seed: seed, largest: 1_500) {
            try Ingestor(store: sqlite).ingest(batch)
        }
        for store in [memory, sqlite] as [any Store] {
            let got = try Self.ledgers(store, customers: created)
            let expected: [String: (owner: Int64, points: Int64)] = try store.read { t in
                var expected: [String: (Int64, Int64)] = [:]
                for raw in 1...Int64(created) {
                    for order in try t.orders(of: CustomerID(raw)) {
                        expected["\(order.ref.source):\(order.ref.id)"] = (raw, Self.program.points(for: order))
                    }
                }
                return expected
            }
            #expect(got.entries > 0)
            var checked = 0
            for (ref, want) in expected {
                let nets = got.orders[ref] ?? [:]
                #expect(nets[want.owner, default: 0] == want.points, "\(ref) on its owner \(want.owner): \(nets)")
                #expect(nets.allSatisfy { $0.key == want.owner || $0.value == 0 }, "\(ref) elsewhere: \(nets)")
                if want.points > 0 { checked += 1 }
            }
            #expect(checked > 100)
            // Sign-ups: once per customer who stated an account, never twice on one ledger
            // unless two customers that both had one were merged.
            try store.read { t in
                for raw in 1...Int64(created) {
                    let signups = try t.loyaltyEntries(of: CustomerID(raw)).filter { $0.reason == "signup" }
                    #expect(Set(signups.map(\.key)).count == signups.count)
                }
            }
        }
        let (a, b) = (try Self.ledgers(memory, customers: created), try Self.ledgers(sqlite, customers: created))
        #expect(a.balances == b.balances)

        // Replaying every event (new batch shapes) writes nothing.
        for batch in IngestEquivalence.batches(events, seed: seed &+ 5, largest: 400) {
            try Ingestor(store: sqlite).ingest(batch)
        }
        #expect(try Self.ledgers(sqlite, customers: created).entries == b.entries)
    }

    /// The worked example: an order earns (pending for the return window), a partial refund
    /// takes back its share, a cancellation the rest; an account earns its sign-up points once;
    /// without an active programme nothing is earned.
    @Test func anOrderEarnsThenGivesBack() throws {
        let store = try SQLiteStore()
        let t0: Int64 = 1_700_000_000
        let who = CustomerIdentity(refs: [ExternalRef(source: "shop", id: "c1")], email: "ann@example.com")
        func event(_ id: String, _ at: Int64, _ kind: IngestEvent.Kind) -> IngestEvent {
            IngestEvent(id: id, source: "shop", occurredAt: at, kind: kind)
        }
        let line = OrderLine(sku: "SKU-0-1", quantity: 1, unitPriceMinor: 4_000)  // 2× points
        let order = OrderData(
            ref: "1001", customer: who, placedAt: t0, currency: .usd, totalMinor: 10_000,
            lines: [line, OrderLine(sku: "X", quantity: 1, unitPriceMinor: 6_000)])
        try Ingestor(store: store).ingest([
            event(
                "before", t0 - 10,
                .orderPlaced(
                    OrderData(
                        ref: "999", customer: who, placedAt: t0 - 10, currency: .usd, totalMinor: 5_000, lines: [])))
        ])
        try Self.activate(store)
        try Ingestor(store: store).ingest([
            event("u1", t0, .customerUpserted(CustomerUpsert(identity: who, firstName: "Ann"))),
            event("o1", t0, .orderPlaced(order)),
            event("u2", t0 + 1, .customerUpserted(CustomerUpsert(identity: who, lastName: "Lee"))),
        ])
        let id = try #require(try store.read { try $0.customerID(email: "ann@example.com") })
        var statement = try LoyaltyDesk.statement(store, customer: id, program: Self.program, at: t0 + 60)
        // 40.00 at 2× and 60.00 at 1×: 140 points, pending for 14 days; 50 for the sign-up.
        #expect(statement.pending == 140 && statement.balance == 50 && statement.lifetimeEarned == 190)
        try Ingestor(store: store).ingest([
            event("r1", t0 + 86_400, .orderRefunded(RefundData(orderRef: "1001", amountMinor: 5_000, currency: .usd)))
        ])
        statement = try LoyaltyDesk.statement(store, customer: id, program: Self.program, at: t0 + 86_400)
        #expect(statement.pending == 70 && statement.lifetimeEarned == 120)
        try Ingestor(store: store).ingest([event("c1", t0 + 2 * 86_400, .orderCancelled(orderRef: "1001"))])
        statement = try LoyaltyDesk.statement(store, customer: id, program: Self.program, at: t0 + 20 * 86_400)
        #expect(statement.pending == 0 && statement.balance == 50 && statement.lifetimeEarned == 50)
        #expect(statement.entries.map(\.kind) == [.earn, .earn, .reverse, .reverse])
        #expect(statement.entries.allSatisfy { $0.orderRef != "shop:999" })
    }

    /// Referral codes: a new customer's first order with someone's code rewards both once; a
    /// second order, one's own code, a mistyped code or a code naming nobody rewards nothing
    /// (and is no error); replaying changes nothing.
    @Test func aReferralRewardsBothSidesOnce() throws {
        var program = Self.program
        program.referral = .init(referrerPoints: 200, refereePoints: 100)
        program.actions = [:]
        let store = try SQLiteStore()
        try LoyaltyDesk.activate(store, rules: "(test)", program: program, at: 0)
        let t0: Int64 = 1_700_000_000
        func order(_ ref: String, _ who: String, code: String?, at: Int64) -> IngestEvent {
            IngestEvent(
                id: "e-\(ref)", source: "shop", occurredAt: at,
                kind: .orderPlaced(
                    OrderData(
                        ref: ref, customer: CustomerIdentity(email: "\(who)@example.com"), placedAt: at, currency: .usd,
                        totalMinor: 1_000, referralCode: code)))
        }
        try Ingestor(store: store).ingest([order("a1", "ann", code: nil, at: t0)])
        let ann = try #require(try store.read { try $0.customerID(email: "ann@example.com") })
        let code = ReferralCode.code(for: ann)
        let events = [
            order("b1", "bob", code: code.lowercased(), at: t0 + 10),  // rewards both
            order("b2", "bob", code: code, at: t0 + 20),  // not a first order
            order("a2", "ann", code: code, at: t0 + 30),  // her own code
            order("c1", "cat", code: "R" + code.dropFirst().dropLast() + "?", at: t0 + 40),  // mistyped
            order("d1", "dan", code: ReferralCode.code(for: CustomerID(999_999)), at: t0 + 50),  // nobody
        ]
        for _ in 0..<2 { try Ingestor(store: store).ingest(events) }
        let bob = try #require(try store.read { try $0.customerID(email: "bob@example.com") })
        let referrals = try store.read { t in
            (try t.loyaltyEntries(of: ann) + t.loyaltyEntries(of: bob)).filter { $0.reason == "referral" }
        }
        #expect(
            referrals.map { "\($0.customerID.rawValue) \($0.points) \($0.key)" }.sorted()
                == [
                    "\(ann.rawValue) 200 referrer:\(ann.rawValue):\(bob.rawValue)",
                    "\(bob.rawValue) 100 referral:\(bob.rawValue)",
                ])
        let all = try store.read { t in try (1...4).flatMap { try t.loyaltyEntries(of: CustomerID(Int64($0))) } }
        #expect(all.filter { $0.reason == "referral" }.count == 2)
    }

    @Test func referralCodesNameTheirCustomerAndNothingElse() {
        var seen = Set<String>()
        for raw in [1, 2, 3, 41, 1_000, 999_999, 123_456_789, 1 << 39] as [Int64] {
            let code = ReferralCode.code(for: CustomerID(raw))
            #expect(ReferralCode.customer(fromCode: code) == CustomerID(raw), "\(code)")
            #expect(ReferralCode.customer(fromCode: " \(code.lowercased()) ") == CustomerID(raw))
            #expect(seen.insert(code).inserted)
            // Any one character changed is caught by the check character or names nobody valid.
            var chars = Array(code)
            chars[2] = chars[2] == "7" ? "8" : "7"
            #expect(ReferralCode.customer(fromCode: String(chars)) != CustomerID(raw))
        }
        #expect(ReferralCode.code(for: CustomerID(1)) != "R1" && ReferralCode.customer(fromCode: "hello") == nil)
    }

    /// The nightly birthday award: today's birthdays (in each customer's zone) get the action's
    /// points once a year; a second run the same day awards nothing; no action, no points.
    @Test func birthdaysEarnTheirPointsOnceAYear() throws {
        let store = try SQLiteStore()
        var program = Self.program
        program.actions = ["birthday": .init(points: 30)]
        try LoyaltyDesk.activate(store, rules: "(test)", program: program, at: 0)
        let noon = Day(iso: "2026-03-03")!.epochSeconds + 12 * 3600
        try Ingestor(store: store).ingest(
            [("ann", "--03-03", "UTC"), ("bob", "1990-03-04", "UTC"), ("kim", "--03-04", "Pacific/Kiritimati")]
                .map { who, birthday, zone in
                    IngestEvent(
                        id: who, source: "shop", occurredAt: noon - 86_400,
                        kind: .customerUpserted(
                            CustomerUpsert(
                                identity: CustomerIdentity(email: "\(who)@example.com"), timeZone: zone,
                                birthday: birthday)))
                })
        // Noon UTC on 3 March is already 4 March in Kiritimati (UTC+14).
        #expect(try LoyaltyDesk.awardBirthdays(store, at: noon) == 2)
        #expect(try LoyaltyDesk.awardBirthdays(store, at: noon + 3600) == 0)
        let ann = try #require(try store.read { try $0.customerID(email: "ann@example.com") })
        let entry = try #require(try store.read { try $0.loyaltyEntries(of: ann) }.first)
        #expect(entry.key == "birthday:\(ann.rawValue):2026" && entry.points == 30 && entry.reason == "birthday")
        program.actions = [:]
        try LoyaltyDesk.activate(store, rules: "(test)", program: program, at: 0)
        #expect(try LoyaltyDesk.awardBirthdays(store, at: noon + 86_400) == 0)
    }
}
