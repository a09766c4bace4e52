import Foundation
import PatronCore
import Testing

private let day: Int64 = 86_400

private func at(_ iso: String) -> Int64 { Day(iso: iso)!.epochSeconds }

@Suite struct LoyaltyProgramTests {
    private func order(total: Int64, refunded: Int64 = 0, status: OrderStatus = .placed, lines: [OrderLine])
        -> OrderRecord
    {
        OrderRecord(
            id: OrderID(1), ref: ExternalRef(source: "shop", id: "1"), customerID: CustomerID(1), placedAt: 0,
            currency: CurrencyCode("USD")!, totalMinor: total, refundedMinor: refunded, status: status, lines: lines,
            updatedAt: 0)
    }

    @Test func anOrderEarnsOnItsNetSpendWithSKUAndTagMultipliersAndACap() {
        let lines = [
            OrderLine(sku: "COFFEE", quantity: 1, unitPriceMinor: 6_000),
            OrderLine(sku: "MUG", quantity: 2, unitPriceMinor: 2_000),
        ]
        // $100 (shipping included), a point per dollar.
        var program = LoyaltyProgram(points: 1, perMinor: 100)
        #expect(program.points(for: order(total: 10_000, lines: lines)) == 100)
        #expect(program.points(for: order(total: 10_000, refunded: 2_550, lines: lines)) == 74)
        #expect(program.points(for: order(total: 10_000, refunded: 10_000, lines: lines)) == 0)
        #expect(program.points(for: order(total: 10_000, status: .cancelled, lines: lines)) == 0)
        // Coffee earns double: the lines are 60 + 40 of 100, so 60% of the net counts twice.
        program.skuMultipliers = ["COFFEE": 2_000]
        #expect(program.points(for: order(total: 10_000, lines: lines)) == 160)
        // A VIP earns 1.5x on top; the best tag applies once.
        program.tagMultipliers = ["vip": 1_500, "staff": 1_200]
        #expect(program.points(for: order(total: 10_000, lines: lines), customerTags: ["staff", "vip"]) == 240)
        program.maxPointsPerOrder = 200
        #expect(program.points(for: order(total: 10_000, lines: lines), customerTags: ["vip"]) == 200)
    }

    @Test func hugeRulesAreBoundedAndDecimalProductsRoundToTheWholeNumber() {
        let program = LoyaltyProgram(
            points: 1_000_000_000, perMinor: 1, skuMultipliers: ["A": 100_000], tagMultipliers: ["vip": 100_000])
        let big = order(total: 1_000_000, lines: [OrderLine(sku: "A", quantity: 1, unitPriceMinor: 1_000_000)])
        #expect(program.points(for: big, customerTags: ["vip"]) == 1_000_000_000_000_000)
        // 953,254 x 1.1 x 25 = 26,214,485 exactly (in binary floating point just below it).
        let precise = LoyaltyProgram(points: 25, perMinor: 1, tagMultipliers: ["vip": 1_100])
        #expect(precise.points(for: order(total: 953_254, lines: []), customerTags: ["vip"]) == 26_214_485)
    }

    @Test func expiryPoliciesDateTheEndOfAnAward() {
        let earned = at("2026-03-15") + 3_600
        #expect(LoyaltyProgram.ExpiryPolicy.never.expiresAt(earnedAt: earned) == nil)
        #expect(LoyaltyProgram.ExpiryPolicy.afterDays(30).expiresAt(earnedAt: earned) == earned + 30 * day)
        #expect(LoyaltyProgram.ExpiryPolicy.endOfMonth(afterMonths: 0).expiresAt(earnedAt: earned) == at("2026-04-01"))
        #expect(LoyaltyProgram.ExpiryPolicy.endOfMonth(afterMonths: 12).expiresAt(earnedAt: earned) == at("2027-04-01"))
        #expect(
            LoyaltyProgram.ExpiryPolicy.endOfMonth(afterMonths: 9).expiresAt(earnedAt: earned) == at("2027-01-01"))
        #expect(LoyaltyProgram.ExpiryPolicy.endOfYear(afterYears: 1).expiresAt(earnedAt: earned) == at("2028-01-01"))
    }

    private let silverGold = [TierPolicy.Tier(name: "Silver", threshold: 500), .init(name: "Gold", threshold: 2_000)]

    @Test func tiersFollowPointsEarnedInARollingWindowWithAGracePeriod() {
        let policy = TierPolicy(tiers: silverGold, window: .rollingDays(365), graceDays: 30)
        let amounts: [(at: Int64, amount: Int64)] = [
            (at("2025-01-10"), 1_500), (at("2025-06-01"), 600), (at("2025-09-01"), 300),
        ]
        #expect(policy.tier(at: at("2025-01-09"), amounts: amounts) == nil)
        #expect(policy.tier(at: at("2025-02-01"), amounts: amounts)?.name == "Silver")
        #expect(policy.tier(at: at("2025-06-01"), amounts: amounts)?.name == "Gold")  // 2,100
        // 2026-01-10 the 1,500 leave the window (900 left): still Gold for the 30 days of grace…
        #expect(policy.tier(at: at("2026-01-10"), amounts: amounts)?.name == "Gold")
        #expect(policy.tier(at: at("2026-02-08"), amounts: amounts)?.name == "Gold")
        // … then Silver, then nothing once the rest has left too and its grace is over.
        #expect(policy.tier(at: at("2026-02-10"), amounts: amounts)?.name == "Silver")
        #expect(policy.tier(at: at("2026-10-05"), amounts: amounts) == nil)
        // A reversal counts against: the refund of the 600 drops Gold at once (no grace: never reached).
        let refunded = amounts + [(at("2025-06-02"), -600)]
        #expect(policy.tier(at: at("2025-07-01"), amounts: refunded)?.name == "Gold")  // held 1 day, grace 30
        #expect(policy.tier(at: at("2025-07-03"), amounts: refunded)?.name == "Silver")
        #expect(policy.next(after: policy.tier(at: at("2025-02-01"), amounts: amounts))?.name == "Gold")
    }

    @Test func aCalendarYearWindowStartsAgainOnTheFirstOfJanuary() {
        let policy = TierPolicy(tiers: silverGold, window: .calendarYear, graceDays: 0)
        let amounts: [(at: Int64, amount: Int64)] = [(at("2025-12-20"), 2_500)]
        #expect(policy.tier(at: at("2025-12-31"), amounts: amounts)?.name == "Gold")
        #expect(policy.tier(at: at("2026-01-01"), amounts: amounts) == nil)
        let graced = TierPolicy(tiers: silverGold, window: .calendarYear, graceDays: 31)
        #expect(graced.tier(at: at("2026-01-31"), amounts: amounts)?.name == "Gold")
        #expect(graced.tier(at: at("2026-02-02"), amounts: amounts) == nil)
    }

    @Test func aManualTierHoldsUntilItsEndAndIsNotAFloor() {
        let policy = TierPolicy(tiers: silverGold, window: .rollingDays(365))
        let amounts: [(at: Int64, amount: Int64)] = [(at("2026-01-01"), 2_500)]
        let override = TierOverride(
            tier: "Silver", from: at("2026-02-01"), until: at("2026-03-01"), actor: "ann", reason: "fraud check")
        #expect(policy.tier(at: at("2026-01-15"), amounts: amounts, override: override)?.name == "Gold")
        #expect(policy.tier(at: at("2026-02-15"), amounts: amounts, override: override)?.name == "Silver")
        #expect(policy.tier(at: at("2026-03-01"), amounts: amounts, override: override)?.name == "Gold")
    }
}
