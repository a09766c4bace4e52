import ArgumentParser
import Foundation
import PatronCore

struct SegmentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segment",
        abstract: "Count, export and explain segments written in Patron's segment language.",
        discussion: """
            Example: patron segment count 'orders.count >= 2 and orders.last_at < 90 days ago and \
            consent.email = "granted"'. `patron fields` lists what an expression can test.
            """,
        subcommands: [
            Count.self, Export.self, Explain.self, Save.self, List.self, Show.self, Delete.self, Diff.self,
        ])

    /// Options every segment command shares.
    struct Common: ParsableArguments {
        @OptionGroup var store: StoreOptions

        @Option(help: "Evaluate relative dates as of the end of this day, YYYY-MM-DD (default: now).")
        var asOf: String?

        /// Opens the store and parses the expression with the store's currency.
        func prepare(_ source: String) throws -> (any PatronStore, SegmentExpression, now: Int64, digits: Int) {
            let (sqlite, digits, now) = try open()
            return (sqlite, try sqlite.parseSegment(source, currencyDigits: digits), now, digits)
        }

        /// The store, its currency digits and "now", without an expression.
        func open(_ access: StoreAccess = .read) throws -> (any PatronStore, digits: Int, now: Int64) {
            let sqlite = try store.open(access)
            let digits = CurrencyCode.minorUnitDigits(of: try sqlite.reportingCurrency())
            let now =
                try parseDay(asOf, option: "--as-of").map { ($0 + 1).epochSeconds - 1 }
                ?? Int64(Date().timeIntervalSince1970)
            return (sqlite, digits, now)
        }
    }

    struct Count: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "How many customers are in the segment.")
        @OptionGroup var common: Common
        @Argument(help: "The segment expression.") var expression: String

        func run() async throws {
            try await reportingErrors {
                let (sqlite, parsed, now, _) = try common.prepare(expression)
                await print(try sqlite.segmentCount(parsed, now: now))
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every member of the segment, streamed, customer_id first.",
            discussion: "The output file appears only when complete; on any error nothing is written.")

        enum Format: String, ExpressibleByArgument, CaseIterable { case csv, ndjson, json }

        @OptionGroup var common: Common
        @Argument(help: "The segment expression.") var expression: String
        @Option(
            help:
                "Columns after customer_id, comma-separated (default: \(SegmentExport.defaultFields.joined(separator: ",")))."
        )
        var fields: String?
        @Option(help: "csv | ndjson | json.") var format: Format = .csv
        @Flag(help: "Write text cells as they are (no ' before text a spreadsheet would run as a formula).")
        var raw = false
        @Option(name: [.short, .customLong("output")], help: "Write to FILE (- for stdout).") var output: String?

        func run() async throws {
            try await reportingErrors {
                let columns = try SegmentExport.fields(fields)
                let (sqlite, parsed, now, digits) = try common.prepare(expression)
                let out = try OutputFile(path: output)
                var csv = CSVBuffer()
                var first = true
                var members = 0
                switch format {
                case .csv: out.write(SegmentExport.csvHeader(columns) + "\n")
                case .json: out.write("[")
                case .ndjson: break
                }
                try await sqlite.forEachSegmentMember(parsed, fields: columns, now: now, after: nil, limit: nil) {
                    row in
                    switch format {
                    case .csv:
                        SegmentExport.appendCSV(row, fields: columns, digits: digits, guardFormulas: !raw, to: &csv)
                        if csv.bytes.count >= 1 << 20 {
                            out.write(bytes: csv.bytes)
                            csv.removeAll()
                        }
                    case .ndjson:
                        out.write(SegmentExport.json(row, fields: columns, digits: digits) + "\n")
                    case .json:
                        out.write(
                            (first ? "\n" : ",\n")
                                + SegmentExport.json(row, fields: columns, digits: digits))
                    }
                    first = false
                    members += 1
                }
                out.write(bytes: csv.bytes)
                if format == .json { out.write(first ? "]\n" : "\n]\n") }
                try out.commit(confirming: "segment export: \(members) members (\(format.rawValue))")
            }
        }
    }

    struct Explain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The parsed tree, the SQL and SQLite's query plan.")
        @OptionGroup var common: Common
        @Argument(help: "The segment expression.") var expression: String

        func run() async throws {
            try await reportingErrors {
                let (sqlite, parsed, now, digits) = try common.prepare(expression)
                let (sql, plan) = try await sqlite.explainSegment(parsed, now: now)
                print(
                    "tree:\n  \(parsed.explained(currencyDigits: digits))\n\nsql:\n  \(sql.replacingOccurrences(of: "\n", with: "\n  "))\n\nplan:"
                )
                for step in plan { print("  \(step)") }
            }
        }
    }
}

extension SegmentCommand {
    struct Save: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Save an expression under a name (replacing one of that name); use it as in_segment(\"NAME\").")
        @OptionGroup var common: Common
        @Argument(help: "The name: a letter, then letters, digits, - _ .") var name: String
        @Argument(help: "The segment expression.") var expression: String

        func run() async throws {
            try await reportingErrors {
                let (sqlite, digits, now) = try common.open(.write)
                try sqlite.saveSegment(name: name, expression: expression, currencyDigits: digits, at: now)
                print("saved segment '\(name)'")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The saved segments.")
        @OptionGroup var common: Common

        func run() async throws {
            try await reportingErrors {
                let (sqlite, _, _) = try common.open()
                for segment in try sqlite.savedSegments() { print("\(segment.name)\t\(segment.expression)") }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A saved segment: its expression, members now, last snapshot.")
        @OptionGroup var common: Common
        @Argument(help: "The segment's name.") var name: String

        func run() async throws {
            try await reportingErrors {
                let (sqlite, digits, now) = try common.open()
                guard let saved = try sqlite.savedSegment(named: name) else {
                    throw PatronError(.notFound, "no saved segment named '\(name)' (see `patron segment list`)")
                }
                let members = try await sqlite.segmentCount(
                    try sqlite.parseSegment(saved.expression, currencyDigits: digits), now: now)
                print(
                    "name:       \(saved.name)\nexpression: \(saved.expression)\nsaved:      \(Timestamp.format(saved.savedAt))"
                )
                print("members:    \(members)")
                if let last = try sqlite.latestMembership(of: name) {
                    print("snapshot:   \(Timestamp.format(last.takenAt)), \(last.members.count) members")
                }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a saved segment and its snapshots.")
        @OptionGroup var common: Common
        @Argument(help: "The segment's name.") var name: String

        func run() async throws {
            try await reportingErrors {
                let (sqlite, _, _) = try common.open(.write)
                guard try sqlite.deleteSegment(named: name) else {
                    throw PatronError(.notFound, "no saved segment named '\(name)'")
                }
                print("deleted segment '\(name)'")
            }
        }
    }

    struct Diff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Who entered and who left a saved segment since its last snapshot.",
            discussion: """
                Takes a new snapshot and records the changes as segment events (entered / left) for \
                campaigns, unless --dry-run. The first diff of a segment has everyone entering.
                """)
        @OptionGroup var common: Common
        @Argument(help: "The segment's name.") var name: String
        @Flag(help: "Report only; take no snapshot and record no event.") var dryRun = false
        @Flag(help: "List the customer ids that entered and left.") var list = false

        func run() async throws {
            try await reportingErrors {
                let (sqlite, digits, now) = try common.open(dryRun ? .read : .write)
                let result = try sqlite.diffSegment(name: name, currencyDigits: digits, now: now, record: !dryRun)
                let since = result.previous.map { "since \(Timestamp.format($0))" } ?? "first snapshot"
                print(
                    "\(name): \(result.members) members (\(since)): +\(result.diff.entered.count) entered, -\(result.diff.left.count) left"
                )
                if list {
                    let keys = try await sqlite.reportKeys(for: result.diff.entered + result.diff.left)
                    for id in result.diff.entered { print("+\t\(keys[id] ?? id.reportKey)") }
                    for id in result.diff.left { print("-\t\(keys[id] ?? id.reportKey)") }
                }
            }
        }
    }
}

struct FieldsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fields", abstract: "The fields segment expressions can test, with types and examples.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, markdown }
    @Option(help: "text | markdown (the whole language reference, as in docs/segments.md).") var format: Format = .text

    func run() async throws {
        if format == .markdown {
            print(SegmentReference.markdown, terminator: "")
            return
        }
        let width = SegmentCatalogue.fields.map(\.name.count).max() ?? 0
        for field in SegmentCatalogue.fields {
            let pad = String(repeating: " ", count: width - field.name.count + 2)
            print(
                "\(field.name)\(pad)\(field.type.name) — \(field.summary)\n\(String(repeating: " ", count: width + 2))e.g. \(field.example)"
            )
        }
    }
}
