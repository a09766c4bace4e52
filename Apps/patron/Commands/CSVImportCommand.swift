import ArgumentParser
import Foundation
import PatronCSV
import PatronCore

/// `patron import customers|orders|online-retail FILE`: CSV files into the store.
enum CSVImportCommand {
    enum Delimiter: String, ExpressibleByArgument, CaseIterable {
        case comma = ",", semicolon = ";", tab

        var byte: UInt8 {
            switch self {
            case .comma: UInt8(ascii: ",")
            case .semicolon: UInt8(ascii: ";")
            case .tab: 9
            }
        }
    }

    /// What every CSV import takes.
    struct Options: ParsableArguments {
        @OptionGroup var store: StoreOptions
        @Argument(help: "The CSV file, or - for standard input.") var file: String
        @Option(
            help: "utf-8 | utf-16le | utf-16be | latin-1 | windows-1252 (default: a byte-order mark, else a guess).")
        var encoding: String?
        @Option(help: "',' | ';' | tab (default: sniffed from the header).") var delimiter: Delimiter?
        @Flag(help: "Amounts use a decimal comma (1.234,56).") var decimalComma = false
        @Option(help: "The currency of the amounts (default: the store's; GBP for online-retail).") var currency:
            String?
        @Option(help: "Write each rejected row, with its line number and reason, to FILE (CSV).") var rejects: String?
        @Flag(help: "Read and check everything; write nothing.") var dryRun = false
        @Option(
            help: ArgumentHelp(
                "A JSON file naming the column of fields the usual names miss.",
                discussion: #"For example {"order_id": "Bestellnummer", "total": "Summe"}."#))
        var mapping: String?
        @Option(help: "Commit every N events (default 100000); a rerun after a crash resumes safely.")
        var batchSize: Int = 100_000
        @OptionGroup var load: LoadOptions
    }

    static func run(_ format: CSVImportFormat, _ options: Options) async throws {
        Patron.bootstrapLogging()
        try await reportingErrors {
            guard options.batchSize > 0 else { throw PatronError(.invalidArgument, "--batch-size must be positive") }
            let encoding = try options.encoding.map { name throws(PatronError) -> CSVEncoding in
                guard let encoding = CSVEncoding(name: name) else {
                    throw PatronError(
                        .invalidArgument,
                        "--encoding: unknown '\(name)' (\(CSVEncoding.allCases.map(\.rawValue).joined(separator: ", ")))"
                    )
                }
                return encoding
            }
            let reader = try CSVReader(
                path: options.file, options: CSVOptions(encoding: encoding, delimiter: options.delimiter?.byte))
            let currency = try Self.currency(options, format: format)
            let importer = try CSVImporter(
                reader: reader, format: format,
                settings: CSVImportSettings(currency: currency, decimalComma: options.decimalComma),
                mapping: try options.mapping.map(Self.mapping) ?? [:])
            let rejects = try options.rejects.map { try OutputFile(path: $0) }
            rejects?.write("line,reason," + reader.header.map(CSV.field).joined(separator: ",") + "\n")
            importer.onReject = { row in
                rejects?.write(
                    ([String(row.line), row.reason] + row.fields).map(CSV.field).joined(separator: ",") + "\n")
            }
            // Progress: rows and the file's bytes; a format that gathers the whole file first
            // (Online Retail) shows its reading, then the orders it stores.
            let progress = Progress(label: "import", total: fileSize(options.file))
            importer.onGathering = { rows in
                progress.update(count: rows, unit: "rows", done: Double(reader.bytesConsumed), phase: "reading")
            }
            let nothingImported = try importEvents(
                label: format.rawValue, file: options.file, name: reader.name, store: options.store,
                dryRun: options.dryRun, batchSize: options.batchSize, deferral: options.load.deferIndexes,
                records: format.isCustomers ? .customers : format == .products ? .products : .orders,
                rows: { importer.tally.rows }, tally: { importer.tally.description },
                bytesRead: { reader.bytesConsumed },
                progress: progress,
                reading: { _ in
                    if let gathered = importer.gatheredEvents {
                        let stored = gathered.total - gathered.remaining
                        return ProgressReading(
                            count: stored, unit: "orders", done: Double(stored), total: Double(gathered.total),
                            phase: "storing")
                    }
                    return ProgressReading(
                        count: importer.tally.rows, unit: "rows", done: Double(reader.bytesConsumed))
                },
                rejections: { (importer.tally.rejectedCount, importer.tally.firstRejection) }, next: importer.next)
            try rejects?.commit()
            if nothingImported { throw ExitCode.failure }
        }
    }

    /// What an import's rows are, for its summary.
    enum ImportedRecords { case customers, orders, products }

    /// Applies an import's events (or, with `dryRun`, only reads them) and prints the summary:
    /// rows read, skipped and rejected by reason, then imported, updated and unchanged, and the
    /// first rejected row whole, with what to try. Returns whether rows were rejected and none
    /// got through (the command then exits 1).
    @discardableResult
    static func importEvents(
        label: String, file: String, name: String, store: StoreOptions, dryRun: Bool, batchSize: Int,
        deferral: IndexDeferral = .auto,
        records: ImportedRecords, rows: () -> Int, tally: () -> String, bytesRead: () -> Int64,
        progress: Progress? = nil, reading: (Int) -> ProgressReading? = { _ in nil },
        rejections: () -> (count: Int, first: (line: Int, reason: String)?) = { (0, nil) },
        next: () throws -> IngestEvent?
    ) throws -> Bool {
        let start = Date()
        func noteFirstRejection() {
            guard let first = rejections().first else { return }
            let hint = CSVImportTally.hint(for: first.reason).map { " — \($0)" } ?? ""
            FileHandle.standardError.write(
                Data("first rejected row: \(name):\(first.line): \(first.reason)\(hint)\n".utf8))
        }
        if dryRun {
            var events = 0
            while try next() != nil { events += 1 }
            FileHandle.standardError.write(
                Data("import \(label) (dry run): \(tally()); \(events) events would be applied\n".utf8))
            noteFirstRejection()
            return events == 0 && rejections().count > 0
        }
        let result = try ingestFile(
            file, label: "import", into: store, batchSize: batchSize, deferral: deferral, bytesRead: bytesRead,
            progress: progress,
            reading: reading, next: next)
        let report = result.report
        let (imported, updated): (Int, Int)
        switch records {
        case .customers:
            imported = report.customersCreated
            updated = report.applied[.customerUpserted, default: 0] - report.customersCreated
        case .orders:
            imported = report.ordersPlaced - report.ordersUpdated
            updated = report.ordersUpdated
        case .products:
            // A product stated again is a new statement of it: counted as imported.
            imported = report.applied[.productUpdated, default: 0]
            updated = 0
        }
        let seconds = Date().timeIntervalSince(start)
        let rate = seconds > 0 ? Int(Double(rows()) / seconds) : 0
        FileHandle.standardError.write(
            Data(
                ("import \(label) \(name): \(tally()); \(imported) imported, \(updated) updated, "
                    + "\(report.duplicates) unchanged (events applied before) in "
                    + "\(String(format: "%.2f", seconds)) s (\(rate) rows/s)\n").utf8))
        noteFirstRejection()
        let nothingImported = imported + updated + report.duplicates == 0 && rejections().count > 0
        if nothingImported {
            FileHandle.standardError.write(
                Data("patron: import \(label): every row was rejected; nothing imported\n".utf8))
        }
        return nothingImported
    }

    /// Reads a `--mapping` file: a JSON object of field → column name.
    static func mapping(_ path: String) throws -> [String: String] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw PatronError(.io, "cannot read the mapping file", at: InputLocation(file: path))
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: String] else {
            throw PatronError(
                .malformedInput, #"expected a JSON object of field → column name, e.g. {"order_id": "Bestellnummer"}"#,
                at: InputLocation(file: path))
        }
        return object
    }

    static func currency(_ options: Options, format: CSVImportFormat) throws -> CurrencyCode? {
        if let code = options.currency {
            guard let currency = CurrencyCode(code.uppercased()) else {
                throw PatronError(.invalidArgument, "--currency: '\(code)' is not an ISO 4217 currency")
            }
            return currency
        }
        if FileManager.default.fileExists(atPath: options.store.path),
            let stored = try options.store.open(.read).reportingCurrency()
        {
            return stored
        }
        return format == .onlineRetail ? CurrencyCode("GBP")! : nil
    }
}

extension ImportCommand {
    struct Customers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import customers from CSV (id, email, phone, names, country, created, tags, consent).")
        @OptionGroup var options: CSVImportCommand.Options
        func run() async throws { try await CSVImportCommand.run(.customers, options) }
    }

    struct Orders: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import orders from CSV (order id, customer id or email, date, total, currency, status).")
        @OptionGroup var options: CSVImportCommand.Options
        func run() async throws { try await CSVImportCommand.run(.orders, options) }
    }

    struct OrderLines: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "order-lines",
            abstract: "Import order lines from CSV, grouped into orders by order id (an order's lines together).")
        @OptionGroup var options: CSVImportCommand.Options
        func run() async throws { try await CSVImportCommand.run(.orderLines, options) }
    }

    struct ShopifyCustomers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "shopify-customers", abstract: "Import a Shopify admin customers export.")
        @OptionGroup var options: CSVImportCommand.Options
        func run() async throws { try await CSVImportCommand.run(.shopifyCustomers, options) }
    }

    struct ShopifyOrders: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "shopify-orders",
            abstract: "Import a Shopify admin orders export (line items continue on the following rows).",
            discussion: """
                Orders are keyed by Shopify's order id (the Id column), as webhooks key them; an order is                 imported net of its Refunded Amount, and Cancelled at marks it cancelled.
                """)
        @OptionGroup var options: CSVImportCommand.Options
        func run() async throws { try await CSVImportCommand.run(.shopifyOrders, options) }
    }

    struct OnlineRetail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "online-retail",
            abstract: "Import UCI Online Retail invoice lines, grouped into orders by invoice.",
            discussion: """
                Lines without a customer id are skipped and counted; C invoices (cancellations and returns) \
                are skipped and counted too, since they do not name the invoice they return.
                """)
        @OptionGroup var options: CSVImportCommand.Options
        func run() async throws { try await CSVImportCommand.run(.onlineRetail, options) }
    }

    struct Products: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "products",
            abstract: "Import the catalogue: one variant per row (sku, name, price, in_stock, url, image_url).",
            discussion: """
                The variants of a product are consecutive rows with its product_id (a row without one is a \
                product of its own); a product's rows are all its variants, so one no longer listed is \
                removed. Prices are in the currency column, else --currency, else the store's. Recommendations \
                then suggest only what the catalogue has in stock. See docs/recommendations.md.
                """)
        @OptionGroup var options: CSVImportCommand.Options
        func run() async throws { try await CSVImportCommand.run(.products, options) }
    }
}

extension ImportCommand {
    /// `patron import scan FILE`: the CSV reader alone over a file (records and fields counted,
    /// nothing converted or stored) — what the CSV benchmark calls "parse".
    struct Scan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a CSV file with the reader alone and report its speed (for benchmarks).",
            shouldDisplay: false)
        @Argument(help: "The CSV file.") var file: String
        @Option(help: "The encoding (default: detected).") var encoding: String?

        func run() async throws {
            try await reportingErrors {
                let start = DispatchTime.now().uptimeNanoseconds
                let reader = try CSVReader(
                    path: file, options: CSVOptions(encoding: encoding.flatMap { CSVEncoding(name: $0) }))
                var records = 0
                var fields = 0
                while let count = try reader.nextRow({ $0.count }) {
                    records += 1
                    fields += count
                }
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                let megabytes = Double(reader.bytesRead) / 1_000_000
                print(
                    "records=\(records) fields=\(fields) bytes=\(reader.bytesRead) seconds=\(String(format: "%.4f", seconds)) "
                        + "mb_per_s=\(String(format: "%.1f", megabytes / seconds))")
            }
        }
    }
}
