import Foundation
import Testing

/// `patron loyalty` end to end, as processes, on an SQLite file and (when a server is there) on
/// PostgreSQL: rules checked and activated, adjustments and redemptions (idempotent by key, a
/// short balance refused and nothing written), the balance and the ledger.
@Suite struct LoyaltyCLITests {
    static let rules = """
        earn:
          points: 1
          per: "1.00"
        expiry: { after_days: 365 }
        tiers:
          levels:
            - { name: Silver, from: 100 }
            - { name: Gold, from: 1000 }
        """

    @Test func loyaltyCommandsWorkOnEveryStore() async throws {
        let work = Workspace()
        try work.write("loyalty.yaml", Self.rules)
        try work.write(
            "bad.yaml", "earn: { points: 1 }\ntiers: { levels: [{ name: A, from: 5 }, { name: B, from: 2 }] }\n")
        var stores = ["shop.sqlite"]
        if ProcessInfo.processInfo.environment["PATRON_PG_URL"] != nil {
            stores.append(try PostgresCLITests.freshDatabaseURL())
        }
        let good = try await CLI.run(["loyalty", "rules", "validate", "loyalty.yaml"], in: work.url)
        #expect(good.status == 0 && good.stdout.contains("loyalty.yaml: ok (1 point per 100 minor units"), "\(good)")
        let bad = try await CLI.run(["loyalty", "rules", "validate", "bad.yaml"], in: work.url)
        #expect(bad.status == 1)
        #expect(
            bad.stderr
                == "bad.yaml:1:7: missing key 'per'\nbad.yaml:2:58: tiers go up: 'B' must start above 'A' (5), found 2\n"
        )

        for db in stores {
            func patron(_ arguments: String...) async throws -> CLI.Result {
                try await CLI.run(["loyalty"] + arguments + ["--db", db], in: work.url)
            }
            let made = try await CLI.run(["generate", "--customers", "20", "--orders", "40", "--db", db], in: work.url)
            #expect(made.status == 0, "\(db): \(made.stderr)")
            #expect(try await patron("rules", "activate", "bad.yaml").status == 1)
            #expect(try await patron("rules", "activate", "loyalty.yaml").status == 0)

            let gift = try await patron(
                "adjust", "1", "250", "--reason", "welcome gift", "--key", "k1", "--actor", "ann")
            #expect(
                gift.status == 0 && gift.stdout.contains("\tadjust\t+250\twelcome gift\tadjust:1:k1\tby ann"), "\(gift)"
            )
            #expect(
                try await patron("adjust", "1", "250", "--reason", "welcome gift", "--key", "k1").stdout == gift.stdout)
            let take = try await patron("adjust", "1", "-400", "--reason", "typo")
            #expect(
                take.status == 1 && take.stderr == "patron: customer 1 has 250 points, cannot take 400\n", "\(take)")
            let noReason = try await patron("adjust", "1", "5")
            #expect(noReason.status == 1 && noReason.stderr.contains("--reason is required"))

            let spend = try await patron("redeem", "1", "100", "--key", "r1", "--reason", "voucher")
            #expect(
                spend.status == 0 && spend.stdout.contains("\tspend\t-100\tvoucher\tredeem:1:r1\tfrom adjust:1:k1 100"))
            #expect(try await patron("redeem", "1", "100", "--key", "r1", "--reason", "voucher").stdout == spend.stdout)
            let reused = try await patron("redeem", "1", "200", "--key", "r1")
            #expect(reused.status == 1)
            #expect(reused.stderr == "patron: idempotency key 'r1' was used for a redemption of 100 points, not 200\n")
            let short = try await patron("redeem", "1", "151")
            #expect(short.status == 1 && short.stderr == "patron: customer 1 has 150 points to spend, not 151\n")
            for (arguments, message) in [
                (["redeem", "99999", "5"], "patron: no customer 99999\n"),
                (["redeem", "1", "1.5"], "patron: points: '1.5' is not a whole number above 0 (at most 1000000000)\n"),
                (["redeem", "1", "-3"], "patron: points: '-3' is not a whole number above 0 (at most 1000000000)\n"),
            ] {
                let refused = try await CLI.run(["loyalty"] + arguments + ["--db", db], in: work.url)
                #expect(refused.status == 1 && refused.stderr == message, "\(arguments) on \(db): \(refused.stderr)")
            }

            let balance = try await patron("balance", "1", "--format", "json")
            let figures = try #require(
                try JSONSerialization.jsonObject(with: Data(balance.stdout.utf8)) as? [String: Any], "\(balance)")
            #expect(figures["balance"] as? Int == 150, "\(db): \(balance.stdout)")
            #expect(figures["lifetime_earned"] as? Int == 0)
            #expect(figures["next_tier"] as? String == "Silver")
            #expect(figures["to_next_tier"] as? Int == 100)
            let ledger = try await patron("ledger", "1")
            #expect(ledger.stdout.split(separator: "\n").count == 3, "\(db): \(ledger.stdout)")

            // A gift that expired already: out of the balance at once, written off by one expiry run.
            let old = try await patron("adjust", "2", "80", "--reason", "old gift", "--expires", "2020-01-01")
            #expect(old.status == 0 && old.stdout.contains("expires 2020-01-01T00:00:00Z"), "\(old)")
            #expect(try await patron("expire").stdout == "80 points expired from 1 awards of 1 customers\n")
            #expect(try await patron("expire").stdout == "0 points expired from 0 awards of 0 customers\n")
            let future = try await patron("expire", "--as-of", "2999-01-01")
            #expect(future.status == 1 && future.stderr.contains("is in the future"), "\(future)")
            let reusedKey = try await patron("adjust", "1", "-50", "--reason", "typo", "--key", "k1")
            #expect(reusedKey.status == 1)
            #expect(reusedKey.stderr == "patron: key 'k1' was used for an adjustment of 250 points, not -50\n")
            let after = try await patron("ledger", "2")
            #expect(after.stdout.contains("\texpire\t-80\texpired\texpire:adjust:2:"), "\(after.stdout)")

            // With rules active, ingest earns: an order of 142.50 less a refund of 10.00 in the same
            // file earns 132 points, and ingesting the file again changes nothing.
            let now = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-60))
            try work.write(
                "later.ndjson",
                #"{"id":"l1","type":"order.placed","source":"pos","at":"\#(now)","order":{"id":"p1","customer":{"id":"z1","email":"zoe@example.com"},"currency":"USD","total":"142.50"}}"#
                    + "\n"
                    + #"{"id":"l2","type":"order.refunded","source":"pos","at":"\#(now)","refund":{"order_id":"p1","currency":"USD","amount":"10.00"}}"#
                    + "\n")
            for _ in 0..<2 {
                let ingested = try await CLI.run(["ingest", "later.ndjson", "--db", db], in: work.url)
                #expect(ingested.status == 0, "\(db): \(ingested.stderr)")
            }
            let zoe = try await patron("ledger", "zoe@example.com")
            #expect(zoe.stdout.split(separator: "\n").count == 2, "\(db): \(zoe.stdout)")
            #expect(zoe.stdout.contains("\tearn\t+132\torder\torder:"), "\(db): \(zoe.stdout)")

            // The tier job: Zoe's 132 points earned make her Silver (100), once.
            let tiers = try await patron("tiers", "--update")
            #expect(tiers.status == 0, "\(db): \(tiers.stderr)")
            #expect(tiers.stdout.hasPrefix("1 customers: 1 up, 0 down; tiers: Silver 1\n"), "\(db): \(tiers.stdout)")
            #expect(tiers.stdout.contains("Silver\t1\nGold\t0\n") && tiers.stdout.contains("none → Silver\t1"))
            let again = try await patron("tiers", "--update")
            #expect(again.stdout.hasPrefix("1 customers: 0 up, 0 down; tiers: Silver 1\n"), "\(db): \(again.stdout)")
            let zoeNow = try await patron("balance", "zoe@example.com")
            #expect(zoeNow.stdout.contains("tier\tSilver"), "\(zoeNow.stdout)")

            // A tier by hand: refused without a reason or for a tier the rules lack; applied by
            // the next tier run, then ended.
            #expect(try await patron("tier-override", "zoe@example.com", "Gold").status == 1)
            let bronze = try await patron("tier-override", "zoe@example.com", "Bronze", "--reason", "x")
            #expect(bronze.status == 1 && bronze.stderr.contains("no tier 'Bronze'"), "\(bronze.stderr)")
            let gold = try await patron(
                "tier-override", "zoe@example.com", "Gold", "--until", "2999-01-01", "--reason", "press", "--actor",
                "ann")
            #expect(gold.status == 0 && gold.stdout.contains("Gold from ") && gold.stdout.contains("by ann: press"))
            let moved = try await patron("tiers", "--update")
            #expect(moved.stdout.contains("Silver → Gold\t1"), "\(db): \(moved.stdout)")
            #expect(try await patron("tier-override", "zoe@example.com", "--end", "--reason", "over").status == 0)
            let back = try await patron("tiers", "--update")
            #expect(back.stdout.hasPrefix("1 customers: 0 up, 1 down; tiers: Silver 1\n"), "\(db): \(back.stdout)")
        }
    }
}
