import Foundation
import Testing

@Suite(.serialized) struct SegmentCLITests {
    static let expression = #"orders.count >= 2 and orders.last_at < 90 days ago and consent.email = "granted""#

    func shop() async throws -> Workspace {
        let work = Workspace()
        let result = try await CLI.run(
            ["generate", "--customers", "1500", "--seed", "4", "--until", "2025-06-30"], in: work.url)
        #expect(result.status == 0)
        return work
    }

    @Test func countEqualsTheExportsRowsInEveryFormat() async throws {
        let work = try await shop()
        let count = try await CLI.run(["segment", "count", "--as-of", "2025-06-30", Self.expression], in: work.url)
        #expect(count.status == 0, "\(count.stderr)")
        let n = try #require(Int(count.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(n > 0)
        let csv = try await CLI.run(
            ["segment", "export", "--as-of", "2025-06-30", Self.expression, "-o", "s.csv"], in: work.url)
        #expect(csv.status == 0)
        let lines = try String(contentsOfFile: work.path("s.csv"), encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "customer_id,email,country,orders.count,orders.total,orders.last_at")
        #expect(lines.count == n + 1)
        let ndjson = try await CLI.run(
            [
                "segment", "export", "--as-of", "2025-06-30", Self.expression, "--format", "ndjson", "--fields",
                "orders.total,tags",
            ], in: work.url)
        let objects = try ndjson.stdout.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(objects.count == n)
        #expect(
            objects.allSatisfy { $0?["customer_id"] is String && $0?["orders.total"] is String && $0?["tags"] is [Any] }
        )
        let json = try await CLI.run(
            ["segment", "export", "--as-of", "2025-06-30", Self.expression, "--format", "json"], in: work.url)
        let array = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect(array?.count == n)
    }

    @Test func aBrokenExpressionWritesNothingAndPointsAtTheSpot() async throws {
        let work = try await shop()
        let result = try await CLI.run(
            ["segment", "export", "orders.count > 2 and ordrs.count > 1", "-o", "out.csv"], in: work.url)
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty)
        #expect(
            result.stderr == """
                patron: segment: 1:22: unknown field 'ordrs.count' — did you mean 'orders.count'?
                  orders.count > 2 and ordrs.count > 1
                                       ^

                """)
        #expect(!FileManager.default.fileExists(atPath: work.path("out.csv")))
        let unknownColumn = try await CLI.run(
            ["segment", "export", "orders.count > 2", "--fields", "emial"], in: work.url)
        #expect(unknownColumn.status != 0 && unknownColumn.stdout.isEmpty)
        #expect(unknownColumn.stderr.contains("unknown field 'emial' — did you mean 'email'?"))
    }

    @Test func explainShowsTreeSQLAndPlanWithParametersOnly() async throws {
        let work = try await shop()
        let result = try await CLI.run(["segment", "explain", #"country in ("DE", "x') OR 1=1 --")"#], in: work.url)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout.contains("WHERE ((c.country IN (?, ?)))")
                || result.stdout.contains("WHERE (c.country IN (?, ?))"))
        #expect(result.stdout.contains(#"-- parameters: "DE", "x') OR 1=1 --""#))
        #expect(result.stdout.contains("plan:"))
        let count = try await CLI.run(["segment", "count", #"country in ("x') OR 1=1 --")"#], in: work.url)
        #expect(count.stdout == "0\n")
    }

    @Test func savedSegmentsDiffAndRecordEvents() async throws {
        let work = try await shop()
        #expect(try await CLI.run(["segment", "save", "vip", "orders.total > 1500"], in: work.url).status == 0)
        #expect(
            try await CLI.run(
                ["segment", "save", "lapsed", #"in_segment("vip") and orders.last_at < 120 days ago"#], in: work.url
            ).status == 0)
        let list = try await CLI.run(["segment", "list"], in: work.url)
        #expect(list.stdout.split(separator: "\n").map { $0.split(separator: "\t").first ?? "" } == ["lapsed", "vip"])
        let early = try await CLI.run(["segment", "diff", "lapsed", "--as-of", "2025-03-01"], in: work.url)
        #expect(early.status == 0, "\(early.stderr)")
        #expect(early.stdout.contains("(first snapshot)"))
        let later = try await CLI.run(["segment", "diff", "lapsed", "--as-of", "2025-06-30", "--list"], in: work.url)
        #expect(later.stdout.contains("since 2025-03-01T23:59:59Z"))
        let entered = later.stdout.split(separator: "\n").filter { $0.hasPrefix("+\t") }.count
        let left = later.stdout.split(separator: "\n").filter { $0.hasPrefix("-\t") }.count
        #expect(later.stdout.contains("+\(entered) entered, -\(left) left"))
        let count = try await CLI.run(
            ["segment", "count", "--as-of", "2025-06-30", #"in_segment("lapsed")"#], in: work.url)
        #expect(
            later.stdout.hasPrefix("lapsed: \(count.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) members"))
        let events = try CLI.dump(work.path("patron.sqlite")).filter { $0.hasPrefix("segment_membership_changes ") }
        #expect(events.count > 0)
        let cycle = try await CLI.run(["segment", "save", "vip", #"in_segment("lapsed")"#], in: work.url)
        #expect(cycle.status != 0)
        #expect(cycle.stderr.contains("saved segments form a cycle"))
        #expect(try await CLI.run(["segment", "delete", "lapsed"], in: work.url).status == 0)
        #expect(try await CLI.run(["segment", "delete", "lapsed"], in: work.url).status != 0)
    }
}
