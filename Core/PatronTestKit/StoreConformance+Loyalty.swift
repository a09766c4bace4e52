import Foundation
import PatronCore

extension StoreConformance {
    /// The points ledgers: entries come back exactly as appended (allocations, `nil`s, keys with
    /// any character) and in order, per customer; a key is stored once across the store, and a
    /// write that repeats one leaves nothing of itself; a merge moves the entries to the survivor;
    /// the store finds the customers with expired awards that have points left (kept as allocations
    /// are appended) and an expiry run writes what the kernel says, once; the active rules are kept
    /// and replaced.
    static func loyalty<S: Store>(_ store: S) throws {
        let rule = "loyalty"
        try Ingestor(store: store).ingest([
            order("lo1", who("a", email: "a@x.com"), day: 1, total: 5_000),
            order("lo2", who("b", email: "b@x.com"), day: 2, total: 3_000),
        ])
        let (a, b) = try store.read { t in (try t.customerID(email: "a@x.com")!, try t.customerID(email: "b@x.com")!) }
        var ann = LoyaltyLedger(customerID: a)
        try ann.settle(orderRef: "shop:lo1", points: 50, at: at(1), expiresAt: at(300))
        try ann.earn(
            key: "action:review:\"ü,1\"", points: 20, at: at(2), availableAt: at(30), expiresAt: nil, reason: "review")
        try ann.spend(key: "redeem:k1", points: 30, at: at(3), reason: "voucher", actor: "api:pos")
        try ann.adjust(key: "adjust:1", points: 5, at: at(4), reason: "goodwill", actor: "ann")
        try ann.settle(orderRef: "shop:lo1", points: 0, at: at(5), expiresAt: nil)
        var bea = LoyaltyLedger(customerID: b)
        try bea.settle(orderRef: "shop:lo2", points: 30, at: at(2), expiresAt: nil)
        try store.write { t in
            try t.appendLoyaltyEntries(Array(ann.entries.prefix(2)))
            try t.appendLoyaltyEntries(Array(ann.entries.dropFirst(2)) + bea.entries)
        }
        let stored = try store.read { try $0.loyaltyEntries(of: a) }
        try require(stored == ann.entries, rule, "a ledger as appended: \(stored) instead of \(ann.entries)")
        try require(stored.contains { $0.unrecovered > 0 }, rule, "the history has an unrecovered reversal")
        try require(try store.read { try $0.loyaltyEntries(of: b) } == bea.entries, rule, "another customer's ledger")
        let both = try store.read { try $0.loyaltyEntries(ofCustomers: [b, a, CustomerID(987_654)]) }
        try require(
            both == [a: ann.entries, b: bea.entries], rule, "the ledgers of several customers at once: \(both.keys)")

        // A stored key, or one repeated in the batch: a conflict, and the write leaves nothing.
        let fresh = LoyaltyEntry(
            key: "action:signup:b", customerID: b, kind: .earn, points: 10, at: at(6), reason: "signup")
        for batch in [[fresh, ann.entries[0]], [fresh, fresh]] {
            do {
                try store.write { try $0.appendLoyaltyEntries(batch) }
                throw ConformanceFailure(rule: rule, detail: "appending a key twice was accepted")
            } catch let error as PatronError {
                try require(error.code == .conflict, rule, "a repeated key is a conflict, not \(error)")
            }
            try require(
                try store.read { try $0.loyaltyEntries(of: b) } == bea.entries, rule, "a failed append left entries")
        }

        // A merge moves the merged customer's entries to the survivor, after its own.
        try store.write { try $0.reassign(from: b, into: a, at: at(7)) }
        let merged = try store.read { try $0.loyaltyEntries(of: a) }
        var moved = bea.entries
        for index in moved.indices { moved[index].customerID = a }
        try require(merged == ann.entries + moved, rule, "a merged ledger: \(merged.map(\.key))")
        try require(try store.read { try $0.loyaltyEntries(of: b) }.isEmpty, rule, "the merged customer keeps entries")

        // Expiry: the store finds the customers with expired awards that have points left, and
        // the run expires exactly what the kernel's ledger says, once.
        var later = LoyaltyLedger(customerID: a, entries: merged)
        try later.earn(key: "action:x:1", points: 40, at: at(10), expiresAt: at(100), reason: "review")
        try later.earn(key: "action:x:2", points: 10, at: at(10), expiresAt: at(90), reason: "review")
        try later.spend(key: "redeem:k2", points: 25, at: at(11), reason: "voucher")  // 10 of x:2, 15 of x:1
        try store.write { try $0.appendLoyaltyEntries(Array(later.entries.dropFirst(merged.count))) }
        let due = { (day: Int) in try store.read { try $0.customersWithExpiredAwards(at: at(day)) } }
        let (early, late) = (try due(95), try due(150))
        try require(early == [], rule, "a spent-out award is not due: \(early)")
        try require(late == [a], rule, "the customers with expired awards: \(late)")
        let report = try LoyaltyDesk.expire(store, at: at(150))
        var expected = later
        let expired = expected.expire(at: at(150))
        try require(
            report.entries == 1 && report.points == 25 && expired.map(\.points) == [-25], rule,
            "an expiry run: \(report)")
        try require(try store.read { try $0.loyaltyEntries(of: a) } == expected.entries, rule, "the entries it wrote")
        try require(try due(150) == [], rule, "a customer is due again after the run")
        try require(try LoyaltyDesk.expire(store, at: at(160)).entries == 0, rule, "a second run wrote entries")

        // The data-request document shows the ledger.
        guard
            case .done(_, let document?) = try PrivacyRequests(store: store).dataRequest(
                CustomerIdentity(email: "a@x.com"), actor: "kit", at: at(170))
        else { throw ConformanceFailure(rule: rule, detail: "no data-request document") }
        try require(
            document.contains(#""loyalty_ledger":[{"key":"order:\#(a.rawValue):shop:lo1","kind":"earn","points":50"#)
                && document.contains(#""key":"redeem:k1","kind":"spend","points":-30"#), rule,
            "the data-request document's ledger: \(document.suffix(400))")

        // Erasure: the written reasons of redemptions and adjustments go, the figures stay.
        try store.write { try $0.eraseLoyaltyReasons(of: a) }
        let erased = try store.read { try $0.loyaltyEntries(of: a) }
        var expectedErased = expected.entries
        for index in expectedErased.indices where [.spend, .adjust].contains(expectedErased[index].kind) {
            expectedErased[index].reason = LoyaltyEntry.erasedReason
        }
        try require(
            erased == expectedErased && erased.contains { $0.reason == "goodwill" } == false
                && erased.contains { $0.reason == "order" }, rule, "an erased ledger: \(erased.map(\.reason))")

        try require(try store.read { try $0.loyaltyRules() } == nil, rule, "rules before any activation")
        let program = LoyaltyProgram(
            points: 2, perMinor: 100, skuMultipliers: ["ü-1": 1500], actions: ["signup": .init(points: 50)],
            expiry: .endOfMonth(afterMonths: 12), returnWindowDays: 30,
            referral: .init(referrerPoints: 200, refereePoints: 100),
            tiers: TierPolicy(tiers: [.init(name: "Gold", threshold: 500)], window: .calendarYear, graceDays: 30))
        for (text, program, time) in [
            ("earn: { points: 2, per: \"1.00\" }\n", program, at(8)), ("earn: { points: 2, per: \"1\" }", nil, at(9)),
        ] {
            let record = LoyaltyRulesRecord(text: text, program: program, activatedAt: time)
            try store.write { try $0.setLoyaltyRules(record) }
            let rules = try store.read { try $0.loyaltyRules() }
            try require(rules == record, rule, "the active rules and programme: \(String(describing: rules))")
        }
    }
}
