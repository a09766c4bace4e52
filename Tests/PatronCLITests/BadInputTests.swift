import Foundation
import GRDB
import Testing

/// Every bad input gets one line naming the file, line and field, a non-zero exit, and leaves the
/// store exactly as it was before the batch.
@Suite(.serialized) struct BadInputTests {
    static let good = """
        {"id":"g1","type":"order.placed","source":"shop","at":"2024-03-01T10:00:00Z","order":{"id":"1","customer":{"id":"c1","email":"ann@example.com"},"currency":"EUR","total":"25.00"}}
        {"id":"g2","type":"order.placed","source":"shop","at":"2024-03-02T10:00:00Z","order":{"id":"2","customer":{"id":"c2"},"currency":"EUR","total":"5.00"}}

        """

    /// (name, file contents, expected error line).
    static let cases: [(String, String, String)] = [
        (
            "malformed JSON",
            #"{"id":"b1","type":"order.placed","source":"shop","at":"2024-03-03T10:00:00Z","order":{"id":"3","customer":{"id":"c3"}"#,
            "bad.ndjson:2: malformed JSON"
        ),
        (
            "unknown event type", #"{"id":"b1","type":"order.shipped","source":"shop","at":"2024-03-03T10:00:00Z"}"#,
            "bad.ndjson:2: field 'type': unknown event type 'order.shipped'"
        ),
        (
            "unknown currency",
            #"{"id":"b1","type":"order.placed","source":"shop","at":"2024-03-03T10:00:00Z","order":{"id":"3","customer":{"id":"c3"},"currency":"EUX","total":"1.00"}}"#,
            "bad.ndjson:2: field 'order.currency': unknown currency 'EUX'"
        ),
        (
            "negative quantity",
            #"{"id":"b1","type":"order.placed","source":"shop","at":"2024-03-03T10:00:00Z","order":{"id":"3","customer":{"id":"c3"},"currency":"EUR","total":"1.00","lines":[{"sku":"A","quantity":-1,"unit_price":"1.00"}]}}"#,
            "bad.ndjson:2: field 'order.lines[0].quantity': negative quantity -1"
        ),
        (
            "unparseable date",
            #"{"id":"b1","type":"order.placed","source":"shop","at":"2024-03-03T10:00:00Z","order":{"id":"3","customer":{"id":"c3"},"placed_at":"3/3/2024","currency":"EUR","total":"1.00"}}"#,
            "bad.ndjson:2: field 'order.placed_at': unparseable date '3/3/2024'"
        ),
        (
            "quantity too large",
            #"{"id":"b1","type":"order.placed","source":"shop","at":"2024-03-03T10:00:00Z","order":{"id":"3","customer":{"id":"c3"},"currency":"EUR","lines":[{"sku":"A","quantity":9223372036854775807,"unit_price":"2.00"}]}}"#,
            "bad.ndjson:2: field 'order.total': the lines add up to more than the largest amount Patron accepts"
        ),
        (
            "amount too large",
            #"{"id":"b1","type":"order.placed","source":"shop","at":"2024-03-03T10:00:00Z","order":{"id":"3","customer":{"id":"c3"},"currency":"EUR","total":"90000000000000000.00"}}"#,
            "bad.ndjson:2: field 'order.total': amount is larger than Patron accepts"
        ),
        (
            "object expected",
            #"{"id":"b1","type":"order.placed","source":"shop","at":"2024-03-03T10:00:00Z","order":{"id":"3","customer":"c3","currency":"EUR","total":"1.00"}}"#,
            "bad.ndjson:2: field 'order.customer': expected an object"
        ),
        (
            "second currency",
            #"{"id":"b1","type":"order.placed","source":"shop","at":"2024-03-03T10:00:00Z","order":{"id":"3","customer":{"id":"c3"},"currency":"USD","total":"1.00"}}"#,
            "bad.ndjson:2: field 'order.currency': currency USD differs from the store's currency EUR"
        ),
    ]

    @Test(arguments: cases.map(\.0))
    func badNDJSONChangesNothing(name: String) async throws {
        let (_, body, expected) = try #require(Self.cases.first { $0.0 == name })
        let work = Workspace()
        try work.write("good.ndjson", Self.good)
        #expect(try await CLI.run(["ingest", "good.ndjson"], in: work.url).status == 0)
        let before = try CLI.dump(work.path("patron.sqlite"))
        // A valid first line, then the bad one: the whole batch must be rolled back.
        let valid =
            #"{"id":"ok3","type":"order.placed","source":"shop","at":"2024-03-03T09:00:00Z","order":{"id":"9","customer":{"id":"c9"},"currency":"EUR","total":"9.00"}}"#
        try work.write("bad.ndjson", valid + "\n" + body + "\n")
        let result = try await CLI.run(["ingest", "bad.ndjson"], in: work.url)
        #expect(result.status != 0)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(result.stderr)")
        #expect(result.stderr.hasPrefix("patron: " + expected), "stderr: \(result.stderr)")
        #expect(try CLI.dump(work.path("patron.sqlite")) == before)
    }

    @Test func anEmptyFileIsAnError() async throws {
        let work = Workspace()
        try work.write("empty.ndjson", "")
        let result = try await CLI.run(["ingest", "empty.ndjson"], in: work.url)
        #expect(result.status != 0)
        #expect(result.stderr == "patron: empty.ndjson: empty file: no events\n")
        let cdnow = try await CLI.run(["import", "cdnow", "empty.ndjson"], in: work.url)
        #expect(cdnow.status != 0)
        #expect(cdnow.stderr == "patron: empty.ndjson: empty file: no purchases\n")
        #expect(
            !FileManager.default.fileExists(atPath: work.path("patron.sqlite")), "a failed first read created a store")
    }

    @Test func aMissingFileIsAnError() async throws {
        let work = Workspace()
        let result = try await CLI.run(["ingest", "nope.ndjson"], in: work.url)
        #expect(result.status != 0)
        #expect(result.stderr.hasPrefix("patron: nope.ndjson: cannot open file"))
    }

    @Test(arguments: [
        ("id date cds dollars\n00001 19970101 1 11.77\n", "cdnow.txt:1: not a CDNOW file: expected the header"),
        (
            " customer_id  date number_of_cds  dollar_value\r\n 00001 19970101  1   11.77\r\n 00002 1997013  1   12.00\r\n",
            "cdnow.txt:3: field 'date': unparseable date '1997013'"
        ),
        (" customer_id  date number_of_cds  dollar_value\n 00001 19970101  1\n", "cdnow.txt:2: expected 4 columns"),
        (
            " customer_id  date number_of_cds  dollar_value\n 00001 19970101  1  1O.00\n",
            "cdnow.txt:2: field 'dollar_value'"
        ),
    ])
    func badCDNOWChangesNothing(body: String, expected: String) async throws {
        let work = Workspace()
        try work.write("cdnow.txt", body)
        #expect(try await CLI.run(["init"], in: work.url).status == 0)
        let before = try CLI.dump(work.path("patron.sqlite"))
        let result = try await CLI.run(["import", "cdnow", "cdnow.txt"], in: work.url)
        #expect(result.status != 0)
        #expect(result.stderr.hasPrefix("patron: " + expected), "stderr: \(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(try CLI.dump(work.path("patron.sqlite")) == before)
    }

    @Test func aStoreThatIsNotPatronsIsRefused() async throws {
        let work = Workspace()
        try work.write("notes.sqlite", "just some notes, not a database\n")
        try work.write("good.ndjson", Self.good)
        let result = try await CLI.run(["ingest", "good.ndjson", "--db", "notes.sqlite"], in: work.url)
        #expect(result.status != 0)
        #expect(result.stderr == "patron: notes.sqlite: not a Patron database (not an SQLite file)\n")
        #expect(
            try String(contentsOfFile: work.path("notes.sqlite"), encoding: .utf8)
                == "just some notes, not a database\n")
    }

    @Test func aNewerSchemaIsRefused() async throws {
        let work = Workspace()
        try work.write("good.ndjson", Self.good)
        #expect(try await CLI.run(["ingest", "good.ndjson"], in: work.url).status == 0)
        let queue = try await GRDBQueue.open(work.path("patron.sqlite"))
        try await queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA user_version = 42") }
        try queue.close()
        let result = try await CLI.run(["rfm", "--as-of", "2024-04-01"], in: work.url)
        #expect(result.status != 0)
        #expect(result.stderr.contains("patron.sqlite: the store has schema version 42, newer than this patron knows"))
    }

    @Test func anAsOfBeforeTheFirstOrderIsAnError() async throws {
        let work = Workspace()
        try work.write("good.ndjson", Self.good)
        #expect(try await CLI.run(["ingest", "good.ndjson"], in: work.url).status == 0)
        let result = try await CLI.run(["rfm", "--as-of", "2024-02-01"], in: work.url)
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "patron: as-of 2024-02-01 is before the first order (2024-03-01); nothing to score\n")
        let metrics = try await CLI.run(["metrics", "--as-of", "2024-02-31"], in: work.url)
        #expect(metrics.status != 0)
        #expect(metrics.stderr == "patron: --as-of: unparseable date '2024-02-31' (expected YYYY-MM-DD)\n")
    }

    @Test func readingCommandsDoNotCreateAStore() async throws {
        let work = Workspace()
        let result = try await CLI.run(["rfm"], in: work.url)
        #expect(result.status != 0)
        #expect(result.stderr.contains("no Patron store here"))
        #expect(!FileManager.default.fileExists(atPath: work.path("patron.sqlite")))
    }
}

enum GRDBQueue {
    static func open(_ path: String) async throws -> DatabaseQueue { try DatabaseQueue(path: path) }
}
