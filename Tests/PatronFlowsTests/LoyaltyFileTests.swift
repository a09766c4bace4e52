import Foundation
import PatronCore
import PatronFlows
import Testing

@Suite struct LoyaltyFileTests {
    static let example = """
        earn:
          points: 1
          per: "1.00"
          max_per_order: 5000
          multipliers:
            skus: { COFFEE-1KG: 2 }
            tags: { vip: 1.5 }
        actions:
          signup: 50
          review: { points: 20, max_per_year: 5 }
        referral: { referrer: 200, referee: 100 }
        expiry: { end_of_month: 12 }
        return_window: 30d
        tiers:
          basis: points_earned
          window: 365d
          grace: 30d
          levels:
            - { name: Silver, from: 500 }
            - { name: Gold, from: 2000 }
        """

    @Test func aRulesFileReadsIntoTheProgramItSays() throws {
        let program = try LoyaltyFile.parse(Self.example, file: "loyalty.yaml")
        #expect(program.points == 1 && program.perMinor == 100)
        #expect(program.maxPointsPerOrder == 5_000)
        #expect(program.skuMultipliers == ["COFFEE-1KG": 2_000])
        #expect(program.tagMultipliers == ["vip": 1_500])
        #expect(program.actions["signup"] == .init(points: 50))
        #expect(program.actions["review"] == .init(points: 20, maxPerYear: 5))
        #expect(program.referral == .init(referrerPoints: 200, refereePoints: 100))
        #expect(program.expiry == .endOfMonth(afterMonths: 12))
        #expect(program.returnWindowDays == 30)
        #expect(
            program.tiers
                == TierPolicy(
                    tiers: [.init(name: "Silver", threshold: 500), .init(name: "Gold", threshold: 2_000)],
                    basis: .pointsEarned, window: .rollingDays(365), graceDays: 30))
    }

    @Test func netSpendTiersTakeAmountsAndACalendarYear() throws {
        let program = try LoyaltyFile.parse(
            """
            earn: { points: 10, per: "2.50" }
            expiry: never
            tiers:
              basis: net_spend
              window: calendar_year
              levels: [{ name: Gold, from: "1000.00" }]
            """, file: "l.yaml")
        #expect(program.points == 10 && program.perMinor == 250)
        #expect(program.expiry == .never)
        #expect(program.tiers?.tiers == [.init(name: "Gold", threshold: 100_000)])
        #expect(program.tiers?.window == .calendarYear)
    }

    /// Every mistake is reported at its place, all of them at once.
    @Test func mistakesAreReportedAtTheirLineAndColumn() {
        let text = """
            earn:
              points: -1
              per: "0"
              multipliers: { skus: { A: 0 }, brands: {} }
            actions:
              signup: lots
            expiry: { after_months: 3 }
            return_window: 12h
            tiers:
              levels:
                - { name: Gold, from: 2000 }
                - { name: Silver, from: 500 }
                - { name: Gold, from: 3000 }
            refferal: { referrer: 1, referee: 1 }
            """
        #expect(throws: FlowFileErrors.self) { try LoyaltyFile.parse(text, file: "loyalty.yaml") }
        do {
            _ = try LoyaltyFile.parse(text, file: "loyalty.yaml")
        } catch {
            let lines = error.errors.map(\.description)
            #expect(
                lines == [
                    "loyalty.yaml:2:11: points must be more than 0, found -1",
                    "loyalty.yaml:3:8: per must be more than 0",
                    "loyalty.yaml:4:29: expected a multiplier like 2 or 1.5 (above 0, at most 100), found '0'",
                    "loyalty.yaml:4:34: unknown key 'brands' in multipliers",
                    "loyalty.yaml:6:11: expected a whole number of points for signup, found 'lots'",
                    "loyalty.yaml:7:11: unknown expiry 'after_months'",
                    "loyalty.yaml:8:16: expected return_window in whole days like 30d, found '12h'",
                    "loyalty.yaml:12:29: tiers go up: 'Silver' must start above 'Gold' (2000), found 500",
                    "loyalty.yaml:13:15: tier 'Gold' is named twice",
                    "loyalty.yaml:14:1: unknown key 'refferal' — did you mean 'referral'?",
                ])
        }
    }

    @Test func aRollingWindowOfNoDaysIsRefused() {
        do {
            _ = try LoyaltyFile.parse(
                "earn: { points: 1, per: \"1\" }\ntiers: { window: 0d, levels: [{ name: A, from: 1 }] }", file: "l.yaml"
            )
            Issue.record("a window of 0 days was accepted")
        } catch {
            #expect(error.description == "l.yaml:2:18: window must be at least 1d, found '0d'")
        }
    }

    @Test func aFileWithoutEarnRulesOrNotAMapSaysSo() {
        #expect(throws: FlowFileErrors.self) { try LoyaltyFile.parse("actions: { signup: 5 }", file: "l.yaml") }
        do {
            _ = try LoyaltyFile.parse("actions: { signup: 5 }", file: "l.yaml")
        } catch {
            #expect(error.description == "l.yaml:1:1: missing key 'earn'")
        }
        do {
            _ = try LoyaltyFile.parse("- earn", file: "l.yaml")
        } catch {
            #expect(error.description.hasPrefix("l.yaml:1:1: a loyalty file is a map"))
        }
    }
}
