import Foundation
import Testing

@Suite(.serialized) struct IngestCLITests {
    @Test func ingestingTwiceChangesNothing() async throws {
        let work = Workspace()
        #expect(
            try await CLI.run(
                ["generate", "--customers", "300", "--seed", "3", "--until", "2025-06-30", "--ndjson", "shop.ndjson"],
                in: work.url
            ).status == 0)
        let first = try await CLI.run(["ingest", "shop.ndjson"], in: work.url)
        #expect(first.status == 0, "\(first.stderr)")
        let once = try CLI.dump(work.path("patron.sqlite"))
        let second = try await CLI.run(["ingest", "shop.ndjson"], in: work.url)
        #expect(second.status == 0)
        #expect(second.stderr.contains(" 0 events applied"))
        #expect(try CLI.dump(work.path("patron.sqlite")) == once)
        // stdin works the same.
        let piped = try await CLI.run(
            ["ingest", "-"], in: work.url, stdin: try String(contentsOfFile: work.path("shop.ndjson"), encoding: .utf8))
        #expect(piped.status == 0)
        #expect(try CLI.dump(work.path("patron.sqlite")) == once)
    }

    @Test func generateIntoTheStoreEqualsIngestingItsNDJSON() async throws {
        let work = Workspace()
        let args = ["generate", "--customers", "200", "--seed", "8", "--until", "2025-06-30"]
        #expect(try await CLI.run(args + ["--db", "direct.sqlite"], in: work.url).status == 0)
        #expect(try await CLI.run(args + ["--ndjson", "shop.ndjson"], in: work.url).status == 0)
        #expect(try await CLI.run(["ingest", "shop.ndjson", "--db", "via-file.sqlite"], in: work.url).status == 0)
        #expect(try CLI.dump(work.path("direct.sqlite")) == (try CLI.dump(work.path("via-file.sqlite"))))
    }

    /// `kill -9` in the middle of an ingest, then the same ingest again: exactly the state of one
    /// clean run, and a sound file. Run once with one transaction and once with small batches
    /// (so some batches were committed before the kill).
    @Test(arguments: [nil, "500"])
    func killDashNineThenRerunEqualsOneCleanRun(batchSize: String?) async throws {
        let work = Workspace()
        #expect(
            try await CLI.run(
                ["generate", "--customers", "3000", "--seed", "5", "--until", "2025-06-30", "--ndjson", "shop.ndjson"],
                in: work.url
            ).status == 0)
        let batch = batchSize.map { ["--batch-size", $0] } ?? []
        let cleanRun = try await CLI.run(["ingest", "shop.ndjson", "--db", "clean.sqlite"] + batch, in: work.url)
        #expect(cleanRun.status == 0)
        let clean = try CLI.dump(work.path("clean.sqlite"))

        // Killed when its WAL grows, or half-way through the time the clean run took.
        try await CLI.killWhileWriting(
            ["ingest", "shop.ndjson", "--db", "killed.sqlite"] + batch, wal: work.path("killed.sqlite-wal"),
            after: cleanRun.seconds / 2, in: work.url)

        let rerun = try await CLI.run(["ingest", "shop.ndjson", "--db", "killed.sqlite"] + batch, in: work.url)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(try CLI.integrity(work.path("killed.sqlite")) == "ok")
        #expect(try CLI.dump(work.path("killed.sqlite")) == clean)
    }

    @Test func segmentExportIsCaseInsensitiveAndRefusedForTheTable() async throws {
        let work = Workspace()
        #expect(
            try await CLI.run(["generate", "--customers", "400", "--seed", "2", "--until", "2025-06-30"], in: work.url)
                .status
                == 0)
        let csv = try await CLI.run(
            ["rfm", "--as-of", "2025-06-30", "--format", "csv", "--segment", "at risk"], in: work.url)
        #expect(csv.status == 0, "\(csv.stderr)")
        let rows = csv.stdout.split(separator: "\n").dropFirst()
        #expect(!rows.isEmpty)
        #expect(rows.allSatisfy { $0.hasSuffix(",At Risk") })
        let table = try await CLI.run(["rfm", "--as-of", "2025-06-30", "--segment", "At Risk"], in: work.url)
        #expect(table.status != 0)
        #expect(table.stdout.isEmpty)
        #expect(table.stderr.contains("--segment selects rows of --format csv or json"))
    }

    @Test func aFailureAfterCommittedBatchesSaysSo() async throws {
        let work = Workspace()
        let good = (1...5).map {
            #"{"id":"e\#($0)","type":"order.placed","source":"s","at":"2024-01-0\#($0)","order":{"id":"\#($0)","customer":{"id":"c"},"currency":"EUR","total":"1.00"}}"#
        }
        try work.write("mixed.ndjson", (good + ["{broken"]).joined(separator: "\n") + "\n")
        let result = try await CLI.run(["ingest", "mixed.ndjson", "--batch-size", "2"], in: work.url)
        #expect(result.status != 0)
        #expect(
            result.stderr.hasPrefix(
                "patron: mixed.ndjson:6: malformed JSON (the 4 events before this batch were committed"))
        let rerun = try await CLI.run(["ingest", "mixed.ndjson", "--batch-size", "2"], in: work.url)
        #expect(rerun.status != 0)  // still broken, and still safe: nothing is applied twice
        #expect(rerun.stderr.contains("the 4 events before this batch were committed"))
    }
}
