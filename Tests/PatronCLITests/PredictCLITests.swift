import Foundation
import Testing

/// `patron predict` on the CDNOW sample, end to end through the binary.
@Suite(.serialized) struct PredictCLITests {
    /// A store holding the CDNOW 1/10 sample, or nil when ../shared is absent.
    func sample() async throws -> Workspace? {
        guard let path = Shared.path("data/cdnow/CDNOW_sample.txt") else { return nil }
        let work = Workspace()
        let result = try await CLI.run(["import", "cdnow", path], in: work.url)
        #expect(result.status == 0, "\(result.stderr)")
        return work
    }

    static func agrees(_ value: Double, _ expected: Double) -> Bool {
        abs(value - expected) <= 0.5 * pow(10, floor(log10(abs(expected))) - 2)
    }

    @Test func fitPrintsThePublishedParametersAsJSON() async throws {
        guard let work = try await sample() else { return }
        let result = try await CLI.run(
            ["predict", "fit", "--calibration-end", "1997-09-30", "--model", "all", "--format", "json"], in: work.url)
        #expect(result.status == 0, "\(result.stderr)")
        let fits = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(fits.map { $0["model"] as? String } == ["bgnbd", "pareto", "gg"])
        let expected: [[String: Double]] = [
            ["r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426],
            ["r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669],
            ["p": 6.25, "q": 3.74, "gamma": 15.44],
        ]
        for (fit, published) in zip(fits, expected) {
            let parameters = try #require(fit["parameters"] as? [String: Double])
            for (name, value) in published {
                #expect(
                    Self.agrees(parameters[name] ?? .nan, value),
                    "\(fit["model"]!) \(name) = \(parameters[name] ?? .nan)")
            }
            #expect((fit["warnings"] as? [String])?.isEmpty == true)
        }
        #expect(Self.agrees(fits[0]["log_likelihood"] as? Double ?? 0, -9582.4))
        #expect(Self.agrees(fits[1]["log_likelihood"] as? Double ?? 0, -9595.0))
    }

    @Test func checkDefaultsToTheMiddleAndReproducesThePapersCorrelation() async throws {
        guard let work = try await sample() else { return }
        let result = try await CLI.run(
            ["predict", "check", "--holdout-end", "1998-06-30", "--format", "json"], in: work.url)
        #expect(result.status == 0, "\(result.stderr)")
        let check = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(check["calibration_end"] as? String == "1997-09-30")
        #expect(check["holdout_weeks"] as? Double == 39)
        #expect(Self.agrees(check["correlation"] as? Double ?? 0, 0.626))
        let rows = try #require(check["by_x"] as? [[String: Any]])
        #expect(rows.map { $0["x"] as? String } == ["0", "1", "2", "3", "4", "5", "6", "7+"])
        #expect(rows.compactMap { $0["customers"] as? Int }.reduce(0, +) == 2357)
    }

    @Test func savedPredictionsAreSegmentFieldsEqualToTheCustomersOutput() async throws {
        guard let work = try await sample() else { return }
        let fit = try await CLI.run(["predict", "fit", "--save", "--calibration-end", "1998-06-30"], in: work.url)
        #expect(fit.status == 0, "\(fit.stderr)")
        #expect(fit.stderr.contains("saved predictions for 2357 customers"))
        let count = try await CLI.run(
            ["segment", "count", "predicted.p_alive < 0.3 and orders.total > 50"], in: work.url)
        #expect(count.status == 0, "\(count.stderr)")
        let n = try #require(Int(count.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        // The same question from the per-customer output and the orders.
        let customers = try await CLI.run(["predict", "customers", "--calibration-end", "1998-06-30"], in: work.url)
        #expect(customers.status == 0, "\(customers.stderr)")
        let lines = customers.stdout.split(separator: "\n")
        #expect(lines.first == "customer_id,x,t_x,T,p_alive,expected_purchases,expected_aov,clv")
        #expect(lines.count == 2358)
        let export = try await CLI.run(
            ["segment", "export", "orders.count >= 1", "--fields", "orders.total,predicted.p_alive"], in: work.url)
        var total: [String: Double] = [:]
        for line in export.stdout.split(separator: "\n").dropFirst() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            total[String(cells[0])] = Double(cells[1])
        }
        var expected = 0
        for line in lines.dropFirst() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            let alive = try #require(Double(cells[4]))
            if alive < 0.3, let spent = total[String(cells[0])], spent > 50 { expected += 1 }
        }
        #expect(expected > 0)
        #expect(n == expected)
    }

    @Test func badInputIsOneClearLineAndNothingOnStdout() async throws {
        let work = Workspace()
        try work.write("bad.csv", "customer_id,x,t_x,T\n1,2,3,4\n2,two,1,5\n")
        try work.write("late.csv", "id,frequency,recency,T\n1,2,9,4\n")
        let cases: [([String], String)] = [
            (["predict", "fit", "--summary", "bad.csv"], "bad.csv:3: field 'x': 'two' is not a non-negative number"),
            (["predict", "fit", "--summary", "late.csv"], "late.csv:2: field 't_x': t_x (9.0) is after T (4.0)"),
            (["predict", "customers", "--summary", "bad.csv", "--horizon", "5x"], "--horizon: unknown unit in '5x'"),
            (["init"], ""),
            (["predict", "fit"], "the store has no orders to fit a model to"),
            (["predict", "check", "--holdout-end", "2020-13-01"], "--holdout-end: unparseable date '2020-13-01'"),
        ]
        for (arguments, message) in cases {
            let result = try await CLI.run(arguments, in: work.url)
            if message.isEmpty { continue }
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stdout.isEmpty, "\(arguments): \(result.stdout)")
            #expect(result.stderr.hasPrefix("patron: \(message)"), "\(arguments): \(result.stderr)")
            #expect(result.stderr.filter { $0 == "\n" }.count == 1, "one line: \(result.stderr)")
        }
    }

    @Test func degenerateShopsSayWhyTheyCannotBeFitted() async throws {
        let work = Workspace()
        // Everyone bought exactly once.
        try work.write("once.csv", "customer_id,x,t_x,T\n1,0,0,10\n2,0,0,12\n3,0,0,30\n")
        let result = try await CLI.run(["predict", "fit", "--summary", "once.csv"], in: work.url)
        #expect(result.status == 1)
        #expect(result.stderr.contains("needs repeat purchases"), "\(result.stderr)")
    }

    @Test func reportsOnOldDataSayWhichDayToUse() async throws {
        guard let work = try await sample() else { return }
        let today = try await CLI.run(["metrics"], in: work.url)
        #expect(today.status == 0)
        #expect(
            today.stderr
                == "note: the newest order is from 1998-06-30, over a year ago; for the data as it was then, pass --as-of 1998-06-30\n"
        )
        let then = try await CLI.run(["rfm", "--as-of", "1998-06-30"], in: work.url)
        #expect(then.status == 0 && then.stderr.isEmpty, "\(then.stderr)")
    }
}
