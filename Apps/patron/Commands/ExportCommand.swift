import ArgumentParser
import Foundation
import PatronCore

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export customers or orders as CSV (RFC 4180, UTF-8, a stable column order).",
        discussion: """
            Text cells that a spreadsheet would run as a formula (starting with = + - @, tab or CR) get a \
            leading ' unless --raw; numbers, amounts, dates and well-formed phones (+14155550100) and emails \
            are left alone. The file appears only when complete.
            """,
        subcommands: [Customers.self, Orders.self])

    struct Common: ParsableArguments {
        @OptionGroup var store: StoreOptions
        @Option(help: "Only customers in this segment (the segment language; default: everyone).") var `where`: String?
        @Option(help: "Evaluate relative dates as of the end of this day, YYYY-MM-DD (default: now).") var asOf: String?
        @Option(name: [.short, .customLong("output")], help: "Write to FILE (- for stdout).") var output: String?
        @Flag(help: "Write text cells as they are (no formula guard).") var raw = false

        func prepare() throws -> (any PatronStore, SegmentExpression?, now: Int64, digits: Int) {
            let sqlite = try store.open(.read)
            let digits = CurrencyCode.minorUnitDigits(of: try sqlite.reportingCurrency())
            let now =
                try parseDay(asOf, option: "--as-of").map { ($0 + 1).epochSeconds - 1 }
                ?? Int64(Date().timeIntervalSince1970)
            let expression = try `where`.map { try sqlite.parseSegment($0, currencyDigits: digits) }
            return (sqlite, expression, now, digits)
        }
    }

    struct Customers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every customer (or a segment's), customer_id first, then every catalogue field.")
        @OptionGroup var common: Common

        func run() async throws {
            try await reportingErrors {
                let (sqlite, expression, now, digits) = try common.prepare()
                let everyone = try SegmentParser.parse("orders.count >= 0")
                let fields = SegmentCatalogue.fields
                let out = try OutputFile(path: common.output)
                var csv = CSVBuffer()
                out.write(SegmentExport.csvHeader(fields) + "\n")
                var rows = 0
                try await sqlite.forEachSegmentMember(
                    expression ?? everyone, fields: fields, now: now, after: nil, limit: nil
                ) { row in
                    rows += 1
                    SegmentExport.appendCSV(row, fields: fields, digits: digits, guardFormulas: !common.raw, to: &csv)
                    if csv.bytes.count >= 1 << 20 {
                        out.write(bytes: csv.bytes)
                        csv.removeAll()
                    }
                }
                out.write(bytes: csv.bytes)
                try out.commit(confirming: "export customers: \(rows) customers")
            }
        }
    }

    struct Orders: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every order (or a segment's customers' orders): id, source, customer, time, status, amounts.")
        @OptionGroup var common: Common

        func run() async throws {
            try await reportingErrors {
                let (sqlite, expression, now, _) = try common.prepare()
                let out = try OutputFile(path: common.output)
                var csv = CSVBuffer()
                out.write(OrderExport.columns.joined(separator: ",") + "\n")
                var rows = 0
                try await sqlite.forEachOrder(of: expression, now: now) { order in
                    rows += 1
                    OrderExport.appendCSV(order, guardFormulas: !common.raw, to: &csv)
                    if csv.bytes.count >= 1 << 20 {
                        out.write(bytes: csv.bytes)
                        csv.removeAll()
                    }
                }
                out.write(bytes: csv.bytes)
                try out.commit(confirming: "export orders: \(rows) orders")
            }
        }
    }
}
