import ArgumentParser
import Foundation
import PatronCore
import PatronSQLite

struct SegmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segment",
        abstract: "Count, export and explain segments written in Patron's segment language.",
        discussion: """
            Example: patron segment count 'orders.count >= 2 and orders.last_at < 90 days ago and \
            consent.email = "granted"'. `patron fields` lists what an expression can test.
            """,
        subcommands: [Count.self, Export.self, Explain.self])

    /// Options every segment command shares.
    struct Common: ParsableArguments {
        @OptionGroup var store: StoreOptions

        @Option(help: "Evaluate relative dates as of the end of this day, YYYY-MM-DD (default: now).")
        var asOf: String?

        /// Opens the store and parses the expression with the store's currency.
        func prepare(_ source: String) throws -> (SQLiteStore, SegmentExpression, now: Int64, digits: Int) {
            let sqlite = try store.open(create: false)
            let digits = try sqlite.reportingCurrency()?.minorUnitDigits ?? 2
            let now =
                try parseDay(asOf, option: "--as-of").map { ($0 + 1).epochSeconds - 1 }
                ?? Int64(Date().timeIntervalSince1970)
            return (sqlite, try SegmentParser.parse(source, currencyDigits: digits), now, digits)
        }
    }

    struct Count: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "How many customers are in the segment.")
        @OptionGroup var common: Common
        @Argument(help: "The segment expression.") var expression: String

        func run() throws {
            try reportingErrors {
                let (sqlite, parsed, now, _) = try common.prepare(expression)
                print(try sqlite.segmentCount(parsed, now: now))
            }
        }
    }

    struct Export: ParsableCommand {
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
        @Option(name: [.short, .customLong("output")], help: "Write to FILE (- for stdout).") var output: String?

        func run() throws {
            try reportingErrors {
                let columns = try SegmentExport.fields(fields)
                let (sqlite, parsed, now, digits) = try common.prepare(expression)
                let out = try OutputFile(path: output)
                var csv = CSVBuffer()
                var first = true
                switch format {
                case .csv: out.write(SegmentExport.csvHeader(columns) + "\n")
                case .json: out.write("[")
                case .ndjson: break
                }
                try sqlite.forEachSegmentMember(parsed, fields: columns, now: now) { key, values in
                    switch format {
                    case .csv:
                        SegmentExport.appendCSV(key: key, values: values, fields: columns, digits: digits, to: &csv)
                        if csv.bytes.count >= 1 << 20 {
                            out.write(bytes: csv.bytes)
                            csv.removeAll()
                        }
                    case .ndjson:
                        out.write(SegmentExport.json(key: key, values: values, fields: columns, digits: digits) + "\n")
                    case .json:
                        out.write(
                            (first ? "\n" : ",\n")
                                + SegmentExport.json(key: key, values: values, fields: columns, digits: digits))
                    }
                    first = false
                }
                out.write(bytes: csv.bytes)
                if format == .json { out.write(first ? "]\n" : "\n]\n") }
                try out.commit()
            }
        }
    }

    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The parsed tree, the SQL and SQLite's query plan.")
        @OptionGroup var common: Common
        @Argument(help: "The segment expression.") var expression: String

        func run() throws {
            try reportingErrors {
                let (sqlite, parsed, now, _) = try common.prepare(expression)
                let (sql, plan) = try sqlite.explainSegment(parsed, now: now)
                print("tree:\n  \(parsed)\n\nsql:\n  \(sql.replacingOccurrences(of: "\n", with: "\n  "))\n\nplan:")
                for step in plan { print("  \(step)") }
            }
        }
    }
}

struct FieldsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fields", abstract: "The fields segment expressions can test, with types and examples.")

    func run() throws {
        let width = SegmentCatalogue.fields.map(\.name.count).max() ?? 0
        for field in SegmentCatalogue.fields {
            let pad = String(repeating: " ", count: width - field.name.count + 2)
            print(
                "\(field.name)\(pad)\(field.type.name) — \(field.summary)\n\(String(repeating: " ", count: width + 2))e.g. \(field.example)"
            )
        }
    }
}
