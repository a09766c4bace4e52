import Foundation
import Testing

/// `patron feedback` end to end, as processes, on an SQLite file and (when a server is there) on
/// PostgreSQL: answers recorded (a second under the same key replaces the first, a score out of
/// range refused with nothing written), the NPS, CSAT and review reports as tables and JSON,
/// reviews moderated by rule and by key and exported, a customer's answers.
@Suite struct FeedbackCLITests {
    @Test func feedbackCommandsWorkOnEveryStore() async throws {
        let work = Workspace()
        var stores = ["shop.sqlite"]
        if ProcessInfo.processInfo.environment["PATRON_PG_URL"] != nil {
            stores.append(try PostgresCLITests.freshDatabaseURL())
        }
        for db in stores {
            func patron(_ arguments: String...) async throws -> CLI.Result {
                try await CLI.run(["feedback"] + arguments + ["--db", db], in: work.url)
            }
            let made = try await CLI.run(["generate", "--customers", "10", "--orders", "20", "--db", db], in: work.url)
            #expect(made.status == 0, "\(db): \(made.stderr)")
            for (customer, score) in [("1", "10"), ("2", "9"), ("3", "8"), ("4", "2"), ("5", "0")] {
                let recorded = try await patron(
                    "record", customer, "--kind", "nps", "--score", score, "--key", "q\(customer)")
                #expect(recorded.status == 0 && recorded.stdout.hasPrefix("recorded "), "\(recorded)")
            }
            // A second answer to the same question replaces the first: 0 becomes 7.
            let again = try await patron(
                "record", "5", "--kind", "nps", "--score", "7", "--key", "q5", "--text", "ok now")
            #expect(again.status == 0 && again.stdout.hasPrefix("replaced ") && again.stdout.contains("\"ok now\""))
            let wrong = try await patron("record", "6", "--kind", "nps", "--score", "11")
            #expect(wrong.status == 1 && wrong.stderr == "patron: score: 11 is out of range for nps (0 to 10)\n")
            let other = try await patron("record", "6", "--kind", "nps", "--score", "3", "--key", "q5")
            #expect(other.status == 1 && other.stderr.contains("'q5' is answered already by customer 5"), "\(other)")

            // 10, 9 promote; 8, 7 passive; 2 detracts: (2 − 1) / 5 → 20.
            let table = try await patron("nps")
            #expect(table.status == 0)
            #expect(
                table.stdout
                    == "     responses  promoters  passives  detractors  nps  asked  rate %\n"
                    + "all          5          2         2           1   20      0       -\n",
                "\(table.stdout)")
            let json = try await patron("nps", "--format", "json")
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            let total = object["total"] as? [String: Any]
            #expect(
                total?["nps"] as? Int == 20 && total?["responses"] as? Int == 5 && total?["average"] as? Double == 7.2)
            let future = try await patron("nps", "--from", "2999-01-01")
            #expect(future.stdout.contains("all          0          0         0           0    -"), "\(future.stdout)")

            for (score, sku) in [("5", "SKU-0001"), ("3", "SKU-0001"), ("4", "SKU-0002")] {
                #expect(
                    try await patron(
                        "record", score == "3" ? "2" : "1", "--kind", "review", "--score", score, "--sku", sku
                    ).status == 0)
            }
            let reviews = try await patron("reviews", "--by", "sku", "--format", "json")
            let groups = try #require(
                (try JSONSerialization.jsonObject(with: Data(reviews.stdout.utf8)) as? [String: Any])?["groups"]
                    as? [[String: Any]])
            #expect(groups.map { $0["group"] as? String } == ["SKU-0001", "SKU-0002"])
            #expect(
                groups.map { $0["average"] as? Double } == [4, 4] && groups.map { $0["responses"] as? Int } == [2, 1])
            // Moderation: the three reviews wait; the 4-and-5-star ones are approved by rule, the
            // 3-star one hidden by key; the storefront export shows what is approved.
            let waiting = try await patron("moderation")
            #expect(waiting.stdout.split(separator: "\n").count == 3 && waiting.stdout.hasPrefix("pending  "))
            #expect(try await patron("export-reviews").stdout == "[]\n")
            let approved = try await patron("approve", "--pending", "--min-stars", "4")
            #expect(
                approved.status == 0
                    && approved.stdout == "approved: 2 reviews\n  review:1:SKU-0001\n  review:1:SKU-0002\n",
                "\(approved)")
            let hidden = try await patron("hide", "review:2:SKU-0001")
            #expect(hidden.stdout == "hidden: 1 review\n  review:2:SKU-0001\n", "\(hidden)")
            let unknown = try await patron("hide", "review:2:SKU-0001", "review:9:NONE")
            #expect(unknown.status == 1 && unknown.stderr == "patron: no review 'review:9:NONE'\n", "\(unknown)")
            #expect(try await patron("approve").status != 0)
            let published = try await patron("export-reviews", "--format", "csv", "--include-pending")
            #expect(published.stdout.split(separator: "\n").count == 3 && !published.stdout.contains(",3,"))
            let hiddenList = try await patron("moderation", "--status", "hidden", "--format", "json")
            let hiddenKeys = (try JSONSerialization.jsonObject(with: Data(hiddenList.stdout.utf8)) as? [[String: Any]])?
                .compactMap { $0["key"] as? String }
            #expect(hiddenKeys == ["review:2:SKU-0001"], "\(hiddenList)")

            let csat = try await patron("csat", "--by", "month")
            #expect(
                csat.status == 0
                    && csat.stdout.hasSuffix("all            0          0       -        -      0       -\n"),
                "\(csat.stdout)")

            let answers = try await patron("responses", "5")
            #expect(answers.stdout.split(separator: "\n").count == 1 && answers.stdout.contains("nps 7  via cli  [q5]"))
            #expect(try await patron("responses", "nobody@example.com").status == 1)
        }
    }
}
