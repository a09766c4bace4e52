import Foundation
import PatronCore
import Testing

private let day: Int64 = 86_400
private let c1 = CustomerID(1)

@Suite struct LoyaltyLedgerTests {
    @Test func spendsDrawFromTheAwardsThatExpireFirstSoAnExpiryTakesOnlyWhatIsLeft() throws {
        // odoo PR #206048: 100 points expiring in January, 50 in June; 120 spent in December.
        var ledger = LoyaltyLedger(customerID: c1)
        try ledger.earn(key: "a", points: 100, at: 0, expiresAt: 40 * day, reason: "order")
        try ledger.earn(key: "b", points: 50, at: 10 * day, expiresAt: 180 * day, reason: "order")
        let spend = try ledger.spend(key: "r1", points: 120, at: 20 * day, reason: "voucher")
        #expect(
            spend.first?.allocations == [.init(award: "a", points: 100), .init(award: "b", points: 20)])
        #expect(ledger.balance(at: 20 * day) == 30)
        // January: the first award has nothing left, so nothing expires and the balance stays.
        #expect(ledger.expire(at: 41 * day).isEmpty)
        #expect(ledger.balance(at: 41 * day) == 30)
        // June: the 30 left of the second expire, dated at its expiry.
        let expired = ledger.expire(at: 200 * day)
        #expect(expired.map(\.points) == [-30])
        #expect(expired.first?.at == 180 * day)
        #expect(ledger.balance(at: 200 * day) == 0)
        #expect(ledger.lifetimeEarned == 150)
    }

    @Test func aSpendAboveTheBalanceIsAConflictAndWritesNothing() throws {
        var ledger = LoyaltyLedger(customerID: c1)
        try ledger.earn(key: "a", points: 40, at: 0, expiresAt: nil, reason: "order")
        #expect(throws: PatronError.self) { try ledger.spend(key: "r", points: 41, at: 1, reason: "voucher") }
        #expect(throws: PatronError.self) { try ledger.spend(key: "r", points: 0, at: 1, reason: "voucher") }
        #expect(throws: PatronError.self) { try ledger.spend(key: "r", points: -5, at: 1, reason: "voucher") }
        #expect(ledger.entries.count == 1)
        do {
            try ledger.spend(key: "r", points: 41, at: 1, reason: "voucher")
        } catch let error as PatronError {
            #expect(error.code == .conflict)
            #expect(error.message.contains("has 40 points"))
        }
    }

    @Test func pointsInsideTheReturnWindowArePendingUntilItEnds() throws {
        var ledger = LoyaltyLedger(customerID: c1)
        try ledger.settle(orderRef: "shop:1", points: 70, at: 0, availableAt: 30 * day, expiresAt: nil)
        #expect(ledger.balance(at: day) == 0)
        #expect(ledger.pending(at: day) == 70)
        #expect(throws: PatronError.self) { try ledger.spend(key: "r", points: 10, at: day, reason: "voucher") }
        #expect(ledger.balance(at: 30 * day) == 70)
        #expect(ledger.pending(at: 30 * day) == 0)
    }

    @Test func aRefundTakesBackFromTheOrdersAwardThenOthersAndRecordsWhatWasSpent() throws {
        var ledger = LoyaltyLedger(customerID: c1)
        try ledger.settle(orderRef: "shop:1", points: 100, at: 0, expiresAt: nil)
        try ledger.settle(orderRef: "shop:2", points: 30, at: day, expiresAt: nil)
        try ledger.spend(key: "r", points: 110, at: 2 * day, reason: "voucher")  // 100 of shop:1, 10 of shop:2
        #expect(ledger.balance(at: 2 * day) == 20)
        // Half of shop:1 refunded: 50 to take back; its award has nothing left, shop:2 has 20.
        let reversal = try ledger.settle(orderRef: "shop:1", points: 50, at: 3 * day, expiresAt: nil)
        #expect(reversal.first?.kind == .reverse)
        #expect(reversal.first?.points == -20)
        #expect(reversal.first?.unrecovered == 30)
        #expect(ledger.balance(at: 3 * day) == 0)
        #expect(ledger.net(ofOrder: "shop:1") == 50)
        #expect(ledger.lifetimeEarned == 80)
        // The same state again changes nothing; cancelling takes the rest.
        #expect(try ledger.settle(orderRef: "shop:1", points: 50, at: 4 * day, expiresAt: nil).isEmpty)
        let cancel = try ledger.settle(orderRef: "shop:1", points: 0, at: 5 * day, expiresAt: nil)
        #expect(cancel.first?.unrecovered == 50)
        #expect(ledger.net(ofOrder: "shop:1") == 0)
        #expect(ledger.lifetimeEarned == 30)
    }

    @Test func aCancellationAfterTheOrdersPointsExpiredTakesNothingTwiceWhenEverTheJobRan() throws {
        for jobRan in [false, true] {
            var ledger = LoyaltyLedger(customerID: c1)
            try ledger.settle(orderRef: "shop:1", points: 100, at: 0, expiresAt: 300 * day)
            try ledger.earn(key: "other", points: 100, at: 0, expiresAt: nil, reason: "review")
            if jobRan { ledger.expire(at: 300 * day) }
            let cancel = try ledger.settle(orderRef: "shop:1", points: 0, at: 310 * day, expiresAt: nil)
            #expect(cancel.first?.points == 0, "job ran: \(jobRan)")
            #expect(ledger.balance(at: 310 * day) == 100, "job ran: \(jobRan)")
        }
    }

    @Test func pointsNotTakenBackAreNotAwardedAgainWhenTheOrderGrowsBack() throws {
        var ledger = LoyaltyLedger(customerID: c1)
        try ledger.settle(orderRef: "shop:1", points: 100, at: 0, expiresAt: nil)
        try ledger.spend(key: "r", points: 100, at: day, reason: "voucher")
        #expect(try ledger.settle(orderRef: "shop:1", points: 40, at: 2 * day, expiresAt: nil).first?.unrecovered == 60)
        #expect(try ledger.settle(orderRef: "shop:1", points: 100, at: 3 * day, expiresAt: nil).isEmpty)
        #expect(try ledger.settle(orderRef: "shop:1", points: 120, at: 4 * day, expiresAt: nil).first?.points == 20)
        #expect(ledger.balance(at: 4 * day) == 20)
    }

    @Test func anOrderRefLikeALaterKeyNeverCollides() throws {
        var ledger = LoyaltyLedger(customerID: c1)
        try ledger.settle(orderRef: "shop:7#1", points: 40, at: 0, expiresAt: nil)
        try ledger.settle(orderRef: "shop:7", points: 100, at: 0, expiresAt: nil)
        let refund = try ledger.settle(orderRef: "shop:7", points: 60, at: day, expiresAt: nil)
        #expect(refund.first?.points == -40)
        #expect(ledger.net(ofOrder: "shop:7") == 60 && ledger.net(ofOrder: "shop:7#1") == 40)
        // Keys name the owner: the same order settled on another ledger (it moved) merges in,
        // and the survivor's next settlement takes a key neither had.
        var other = LoyaltyLedger(customerID: CustomerID(2))
        try other.settle(orderRef: "shop:7", points: 5, at: 0, expiresAt: nil)
        try ledger.absorb(other)
        #expect(ledger.net(ofOrder: "shop:7") == 65)
        let next = try ledger.settle(orderRef: "shop:7", points: 0, at: 2 * day, expiresAt: nil)
        #expect(next.first?.points == -65 && next.first?.key == "order#3:1:shop:7")
        var clash = LoyaltyLedger(customerID: CustomerID(3))
        try clash.earn(key: ledger.entries[0].key, points: 1, at: 0, expiresAt: nil, reason: "x")
        #expect(throws: PatronError.self) { try ledger.absorb(clash) }
    }

    @Test func anAdjustmentNeedsAReasonAndCannotTakeMoreThanTheBalance() throws {
        var ledger = LoyaltyLedger(customerID: c1)
        #expect(throws: PatronError.self) { try ledger.adjust(key: "k", points: 10, at: 0, reason: " ", actor: "ann") }
        #expect(throws: PatronError.self) { try ledger.adjust(key: "k", points: 0, at: 0, reason: "x", actor: "ann") }
        try ledger.adjust(key: "k1", points: 25, at: 0, reason: "goodwill", actor: "ann")
        #expect(throws: PatronError.self) {
            try ledger.adjust(key: "k2", points: -26, at: 0, reason: "typo", actor: "ann")
        }
        try ledger.adjust(key: "k2", points: -5, at: 0, reason: "typo", actor: "ann")
        #expect(ledger.balance(at: 0) == 20)
        // Manual points are not earned: tiers do not count them.
        #expect(ledger.lifetimeEarned == 0)
    }

    /// Random histories of earns, orders settled and refunded, spends, adjustments, expiries and a
    /// merge: the invariants hold after every step, and the figures derived from the entries agree
    /// with a model that keeps each award's points left as it goes.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func randomHistoriesKeepTheInvariants(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        var ledger = LoyaltyLedger(customerID: c1)
        var other = LoyaltyLedger(customerID: CustomerID(2))
        var model = AwardModel()
        var otherModel = AwardModel()
        var now: Int64 = 0
        var orderPoints: [String: Int64] = [:]
        for step in 0..<300 {
            now += Int64.random(in: 0...(3 * day), using: &random)
            let expiry: Int64? =
                Bool.random(using: &random) ? now + Int64.random(in: 1...90, using: &random) * day : nil
            switch Int.random(in: 0..<10, using: &random) {
            case 0, 1:
                let ref = "shop:\(Int.random(in: 0..<12, using: &random))"
                let points = Int64.random(in: 0...200, using: &random)
                let available = Bool.random(using: &random) ? now + 14 * day : now
                let added = try ledger.settle(
                    orderRef: ref, points: points, at: now, availableAt: available, expiresAt: expiry)
                model.apply(added)
                // Settled: at the points asked, or above them only by points not taken back
                // (spent before a refund), which are never awarded a second time.
                let standing = ledger.orderStanding(ref)
                let net = ledger.net(ofOrder: ref)
                #expect(net == points || (net < points && points <= standing.given - standing.taken), "\(ref)")
                orderPoints[ref] = points
            case 2:
                let added = try ledger.earn(
                    key: "action:\(step)", points: Int64.random(in: 1...50, using: &random), at: now, expiresAt: expiry,
                    reason: "review")
                model.apply(added)
            case 3, 4:
                let points = Int64.random(in: 1...150, using: &random)
                let before = ledger.entries
                do {
                    let added = try ledger.spend(key: "redeem:\(step)", points: points, at: now, reason: "voucher")
                    try checkSpendOrder(added[0], ledgerBefore: LoyaltyLedger(customerID: c1, entries: before))
                    model.apply(added)
                } catch {
                    #expect(points > model.balance(at: now))
                    #expect(ledger.entries == before)
                }
            case 5:
                let points = Int64.random(in: -60...60, using: &random)
                if let added = try? ledger.adjust(
                    key: "adjust:\(step)", points: points, at: now, reason: "support", actor: "ann", expiresAt: expiry)
                {
                    model.apply(added)
                } else {
                    #expect(points == 0 || -points > model.balance(at: now))
                }
            case 6:
                model.apply(ledger.expire(at: now))
                for award in ledger.awards where award.isExpired(at: now) { #expect(award.remaining == 0) }
                #expect(ledger.expire(at: now).isEmpty)
            case 7:
                let added = try other.earn(
                    key: "other:\(step)", points: Int64.random(in: 1...80, using: &random), at: now, expiresAt: expiry,
                    reason: "order")
                otherModel.apply(added)
            default:
                // Replays change nothing.
                let before = ledger.entries
                if let entry = before.randomElement(using: &random), entry.kind == .spend {
                    #expect(try ledger.spend(key: entry.key, points: -entry.points, at: now, reason: "x").isEmpty)
                }
                for (ref, points) in orderPoints {
                    #expect(try ledger.settle(orderRef: ref, points: points, at: now, expiresAt: nil).isEmpty)
                }
                #expect(ledger.entries == before)
            }
            try checkInvariants(ledger, model: model, at: now)
        }
        // A merge: the survivor's figures are the sums.
        let (balance, pending, earned) = (
            ledger.balance(at: now) + other.balance(at: now), ledger.pending(at: now) + other.pending(at: now),
            ledger.lifetimeEarned + other.lifetimeEarned
        )
        try ledger.absorb(other)
        #expect(ledger.balance(at: now) == balance)
        #expect(ledger.pending(at: now) == pending)
        #expect(ledger.lifetimeEarned == earned)
        #expect(ledger.entries.allSatisfy { $0.customerID == c1 })
        model.merge(otherModel)
        try checkInvariants(ledger, model: model, at: now)
    }

    private func checkInvariants(_ ledger: LoyaltyLedger, model: AwardModel, at now: Int64) throws {
        let awards = ledger.awards
        for award in awards {
            #expect(award.remaining >= 0 && award.remaining <= award.entry.points)
            #expect(model.remaining[award.key] == award.remaining)
        }
        for entry in ledger.entries where !entry.isAward {
            #expect(entry.points <= 0)
            #expect(entry.allocations.reduce(0) { $0 + $1.points } == -entry.points)
            #expect(entry.allocations.allSatisfy { $0.points > 0 })
        }
        // What every entry adds up to is what the awards have left: nothing is lost or made.
        #expect(ledger.entries.reduce(0) { $0 + $1.points } == awards.reduce(0) { $0 + $1.remaining })
        #expect(ledger.balance(at: now) >= 0)
        #expect(ledger.balance(at: now) == model.balance(at: now))
        #expect(ledger.pending(at: now) == model.pending(at: now))
        // Rebuilt from its entries alone, the ledger says the same.
        let rebuilt = LoyaltyLedger(customerID: ledger.customerID, entries: ledger.entries)
        #expect(rebuilt.balance(at: now) == ledger.balance(at: now))
        #expect(rebuilt.lifetimeEarned == ledger.lifetimeEarned)
    }

    /// A spend drew from the spendable awards in order of expiry (never last, then oldest): every
    /// award it passed over or took only part of was emptied first, or comes after the last one drawn.
    private func checkSpendOrder(_ spend: LoyaltyEntry, ledgerBefore: LoyaltyLedger) throws {
        let spendable = ledgerBefore.awards.filter { $0.isAvailable(at: spend.at) && $0.remaining > 0 }
        let drawn = Dictionary(uniqueKeysWithValues: spend.allocations.map { ($0.award, $0.points) })
        let rank: (LoyaltyLedger.Award) -> Int64 = { $0.entry.expiresAt ?? .max }
        guard let last = spendable.filter({ drawn[$0.key] != nil }).map(rank).max() else { return }
        for award in spendable where rank(award) < last {
            #expect(drawn[award.key] == award.remaining, "award \(award.key) should have been emptied first")
        }
    }
}

/// The reference: each award's points left, changed by each entry's allocations as it is added.
private struct AwardModel {
    var awards: [String: LoyaltyEntry] = [:]
    var remaining: [String: Int64] = [:]

    mutating func apply(_ entries: [LoyaltyEntry]) {
        for entry in entries {
            if entry.isAward {
                awards[entry.key] = entry
                remaining[entry.key] = entry.points
            }
            for allocation in entry.allocations { remaining[allocation.award, default: 0] -= allocation.points }
        }
    }

    mutating func merge(_ other: AwardModel) {
        awards.merge(other.awards) { a, _ in a }
        remaining.merge(other.remaining) { a, _ in a }
    }

    func balance(at now: Int64) -> Int64 {
        awards.values.filter { $0.availableAt <= now && ($0.expiresAt ?? .max) > now }
            .reduce(0) { $0 + (remaining[$1.key] ?? 0) }
    }

    func pending(at now: Int64) -> Int64 {
        awards.values.filter { $0.availableAt > now && ($0.expiresAt ?? .max) > now }
            .reduce(0) { $0 + (remaining[$1.key] ?? 0) }
    }
}
