import Foundation
import PatronCore

extension StoreConformance {
    /// Tiers: what they qualify on is streamed per customer in id order exactly as the kernel
    /// derives it (the ledger's earnings; counting orders' net spend), customers with nothing
    /// left out; tier changes are stored and read back (a `nil` tier included), the stored tiers
    /// follow them, a merge moves the changes and drops the merged customer's tier; the nightly
    /// job stores what ``TierPolicy`` says, once; `tier_changed` triggers select the changes
    /// ``FlowTrigger/matches(_:)`` says.
    static func loyaltyTiers<S: Store & SegmentRepository & CampaignStore>(_ store: S) throws {
        let rule = "loyalty tiers"
        let program = LoyaltyProgram(
            tiers: TierPolicy(
                tiers: [.init(name: "Silver", threshold: 40), .init(name: "Gold", threshold: 100)],
                window: .rollingDays(60)))
        try LoyaltyDesk.activate(store, rules: "(kit)", program: program, at: at(0))
        try Ingestor(store: store).ingest([
            order("t1", who("a", email: "ta@x.com"), day: 1, total: 5_000),
            order("t2", who("a", email: "ta@x.com"), day: 2, total: 8_000),
            order("t3", who("b", email: "tb@x.com"), day: 3, total: 4_500),
            order("t4", who("c", email: "tc@x.com"), day: 4, total: 1_000),
            IngestEvent(
                id: "t2-refund", source: "shop", occurredAt: at(5),
                kind: .orderRefunded(RefundData(orderRef: "t2", amountMinor: 2_000, currency: .usd))),
        ])
        let ids = try store.read { t in
            try ["ta@x.com", "tb@x.com", "tc@x.com"].map { try t.customerID(email: $0)! }
        }
        let (a, b, c) = (ids[0], ids[1], ids[2])
        // An adjustment is not an earning: c has a ledger entry that qualifies for nothing more.
        _ = try LoyaltyDesk.adjust(store, customer: c, points: 500, reason: "gift", actor: "kit", at: at(6))

        for basis in [TierPolicy.Basis.pointsEarned, .netSpend] {
            var visited: [CustomerID] = []
            var got: [CustomerID: [Int64]] = [:]
            try store.read { t in
                try t.forEachTierBasis(basis) { customer, amounts in
                    visited.append(customer)
                    got[customer] = amounts.map { $0.at * 1_000_000 + $0.amount }.sorted()
                }
            }
            var expected: [CustomerID: [Int64]] = [:]
            try store.read { t in
                for id in ids {
                    let amounts: [(at: Int64, amount: Int64)] =
                        basis == .pointsEarned
                        ? LoyaltyLedger(customerID: id, entries: try t.loyaltyEntries(of: id)).earnings
                        : try t.orders(of: id).filter(\.status.counts).map { ($0.placedAt, $0.netMinor) }
                    if !amounts.isEmpty { expected[id] = amounts.map { $0.at * 1_000_000 + $0.amount }.sorted() }
                }
            }
            try require(visited == visited.sorted() && Set(visited).count == visited.count, rule, "\(basis): order")
            try require(got == expected, rule, "\(basis): \(got) instead of \(expected)")
        }

        // The job: a 110 points (Gold), b 45 (Silver), c 10 (none).
        let first = try LoyaltyDesk.updateTiers(store, at: at(10))
        try require(
            first.upgrades == 2 && first.downgrades == 0 && first.sizes == ["Gold": 1, "Silver": 1], rule,
            "the first run: \(first)")
        let tiers = try store.read { try $0.loyaltyTiers() }
        try require(tiers == [a: "Gold", b: "Silver"], rule, "stored tiers: \(tiers)")
        for (source, members) in [
            (#"loyalty.tier = "Gold""#, [a]), (#"loyalty.tier in ("Gold", "Silver")"#, [a, b]),
            ("loyalty.tier is null", [c]),
        ] {
            let got = try store.members(try SegmentParser.parse(source), now: at(10))
            try require(got == members, rule, "\(source): \(got)")
        }
        try require(try LoyaltyDesk.updateTiers(store, at: at(10)).upgrades == 0, rule, "a second run changed tiers")
        // Sixty days on, the window is empty: both go down to no tier.
        let later = try LoyaltyDesk.updateTiers(store, at: at(80))
        try require(later.downgrades == 2, rule, "after the window: \(later)")
        let changes = try store.read { try $0.tierChanges(of: a) }
        try require(
            changes == [
                TierChange(customerID: a, from: nil, to: "Gold", at: at(10)),
                TierChange(customerID: a, from: "Gold", to: nil, at: at(80)),
            ], rule, "a's changes: \(changes)")
        try require(try store.read { try $0.loyaltyTiers() } == [a: nil, b: nil], rule, "tiers after the window")
        let recent = try store.read { try $0.tierChanges(since: at(80)) }
        try require(
            recent.map(\.customerID).sorted() == [a, b] && recent.allSatisfy { $0.to == nil }, rule,
            "changes since day 80: \(recent)")

        // Tier changes fire `tier_changed` flows: into a group of tiers from outside it, out of
        // named tiers, or any change; each change once per flow, with its own key.
        let window = (from: at(9), through: at(80))
        for (trigger, expected) in [
            (FlowTrigger.tierChanged(from: nil, to: ["Gold"]), [a]),
            (.tierChanged(from: nil, to: ["Gold", "Silver"]), [a, b]),
            (.tierChanged(from: ["Gold"], to: nil), [a]),
            (.tierChanged(from: ["Silver"], to: ["Gold"]), []),
            (.tierChanged(from: nil, to: nil), [a, b, a, b]),
        ] {
            let fired = try store.triggerInstances(
                of: trigger, flowID: "tiers", from: window.from, through: window.through)
            let all = try store.read { t in try [a, b].flatMap { try t.tierChanges(of: $0) } }
            let wanted = all.filter { $0.at > window.from && $0.at <= window.through && trigger.matches($0) }
            try require(
                fired.map(\.customerID).sorted() == expected.sorted() && wanted.count == fired.count
                    && Set(fired.map(\.key)).count == fired.count && fired.allSatisfy { $0.key.hasPrefix("tier:") },
                rule, "\(trigger) fired \(fired)")
            try require(
                fired.map(\.at).sorted() == wanted.map(\.at).sorted(), rule, "\(trigger) fired at \(fired.map(\.at))")
        }

        // An override gives its tier while it lasts (recorded as a change), then the computed
        // tier returns; a tier the programme lacks is refused; an override can be ended early.
        let set = try LoyaltyDesk.setTierOverride(
            store, customer: c, tier: "Gold", until: at(100), reason: "VIP guest", actor: "kit", at: at(85))
        try require(try store.read { try $0.tierOverrides() } == [c: set], rule, "the stored override")
        try require(try LoyaltyDesk.updateTiers(store, at: at(86)).upgrades == 1, rule, "the override applied")
        try require(try store.read { try $0.loyaltyTiers()[c] } == .some("Gold"), rule, "c is Gold by override")
        try require(try LoyaltyDesk.updateTiers(store, at: at(101)).downgrades == 1, rule, "the override ended")
        try require(try store.read { try $0.loyaltyTiers()[c] } == .some(nil), rule, "c has no tier again")
        do {
            _ = try LoyaltyDesk.setTierOverride(
                store, customer: c, tier: "Bronze", until: nil, reason: "x", actor: "kit", at: at(102))
            throw ConformanceFailure(rule: rule, detail: "an unknown tier was accepted")
        } catch let error as PatronError {
            try require(error.code == .invalidValue, rule, "an unknown tier: \(error)")
        }
        _ = try LoyaltyDesk.setTierOverride(
            store, customer: c, tier: "Silver", until: nil, reason: "trial", actor: "kit", at: at(103))
        let ended = try LoyaltyDesk.setTierOverride(
            store, customer: c, tier: nil, until: nil, reason: "trial over", actor: "kit", at: at(104))
        try require(ended.until == at(104) && ended.tier == "Silver", rule, "an ended override: \(ended)")
        try require(try store.read { try $0.tierOverrides()[c]?.until } == at(104), rule, "the end is stored")

        // A merge moves the changes to the survivor and drops the merged customer's tier.
        try store.write { try $0.recordTierChanges([TierChange(customerID: b, from: nil, to: "Silver", at: at(81))]) }
        try store.write { try $0.reassign(from: b, into: a, at: at(82)) }
        let merged = try store.read { try $0.tierChanges(of: a) }
        try require(merged.count == 5 && merged.allSatisfy { $0.customerID == a }, rule, "merged changes: \(merged)")
        try require(try store.read { try $0.tierChanges(of: b) }.isEmpty, rule, "the merged customer keeps changes")
        try require(try store.read { try $0.loyaltyTiers() } == [a: nil, c: nil], rule, "tiers after the merge")
    }
}
