import Foundation
import GRDB
import Testing

@Suite(.serialized) struct CSVImportCLITests {
    /// A semicolon export with a decimal comma, spreadsheet damage and one bad total.
    static let messyOrders = """
        Order Number;Email;Order Date;Grand Total;Currency;Status
        1001;ann@example.com;2024-03-01 10:00:00 +01:00;1.234,50;EUR;paid
        '1002;bob@example.com;01.03.2024 11:00;12,00;EUR;paid
        7,02255E+12;cy@example.com;2024-03-02;5,00;EUR;paid
        1004;dee@example.com;2024-03-02;zwölf;EUR;paid
        1005;ann@example.com;2024-03-05T09:00:00Z;20,00;EUR;cancelled

        """

    @Test func aMessyOrdersExportImportsWithItsRejectsNamed() async throws {
        let work = Workspace()
        try work.write("orders.csv", Self.messyOrders)
        let result = try await CLI.run(
            ["import", "orders", "orders.csv", "--decimal-comma", "--rejects", "rejects.csv"], in: work.url)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("5 rows read"), "\(result.stderr)")
        #expect(result.stderr.contains("rejected 2 (bad order_id: 1; bad total: 1)"), "\(result.stderr)")
        #expect(result.stderr.contains("3 imported, 0 updated, 0 unchanged"), "\(result.stderr)")
        let rejects = try String(contentsOfFile: work.path("rejects.csv"), encoding: .utf8).split(separator: "\n")
        #expect(rejects.count == 3)
        #expect(rejects[1].hasPrefix("4,\"bad order_id: precision lost: '7,02255E+12'"), "\(rejects[1])")
        #expect(rejects[2].hasPrefix("5,bad total: 'zwölf' is not an amount,1004,dee@example.com"), "\(rejects[2])")
        // The orders as stored: the total, the offset applied, the cancellation.
        let metrics = try await CLI.run(["metrics", "--as-of", "2024-03-31", "--format", "json"], in: work.url)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(metrics.stdout.utf8)) as? [String: Any])
        #expect(json["orders"] as? Int == 2, "\(metrics.stdout)")
        #expect(json["revenue"] as? String == "1246.50", "\(metrics.stdout)")
        // 10:00 at +01:00 is 09:00 UTC; the leading ' of '1002 is gone.
        let queue = try DatabaseQueue(path: work.path("patron.sqlite"))
        let placed = try await queue.read { db in
            try Row.fetchAll(db, sql: "SELECT ref, placed_at FROM orders ORDER BY ref").map {
                "\($0[0] as String)@\($0[1] as Int64)"
            }
        }
        try queue.close()
        #expect(placed == ["1001@1709283600", "1002@1709290800", "1005@1709629200"])
    }

    @Test func reimportChangesNothingAndANewerExportUpdates() async throws {
        let work = Workspace()
        try work.write("orders.csv", Self.messyOrders)
        #expect(try await CLI.run(["import", "orders", "orders.csv", "--decimal-comma"], in: work.url).status == 0)
        let first = try CLI.dump(work.path("patron.sqlite"))
        let again = try await CLI.run(["import", "orders", "orders.csv", "--decimal-comma"], in: work.url)
        #expect(again.stderr.contains("0 imported, 0 updated, 4 unchanged"), "\(again.stderr)")
        #expect(try CLI.dump(work.path("patron.sqlite")) == first)
        try work.write(
            "newer.csv",
            Self.messyOrders.replacingOccurrences(
                of: "'1002;bob@example.com;01.03.2024 11:00;12,00", with: "'1002;bob@example.com;01.03.2024 11:00;15,00"
            ))
        let newer = try await CLI.run(["import", "orders", "newer.csv", "--decimal-comma"], in: work.url)
        #expect(newer.stderr.contains("0 imported, 1 updated, 3 unchanged"), "\(newer.stderr)")
    }

    @Test func aDryRunChecksEverythingAndWritesNothing() async throws {
        let work = Workspace()
        try work.write("orders.csv", Self.messyOrders)
        let result = try await CLI.run(
            ["import", "orders", "orders.csv", "--decimal-comma", "--currency", "EUR", "--dry-run"], in: work.url)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("(dry run): 5 rows read"), "\(result.stderr)")
        #expect(result.stderr.contains("4 events would be applied"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: work.path("patron.sqlite")))
    }

    @Test func customersWithConsentBecomeSegmentable() async throws {
        let work = Workspace()
        try work.write(
            "customers.csv",
            """
            Customer ID,First Name,Last Name,Email,Accepts Email Marketing,Country Code,Tags
            '0042,Ann,Lee,ann@example.com,yes,DE,"vip, wholesale"
            43,Bob,Ray,bob@example.com,no,AT,
            44,Cy,Oz,,maybe,DE,

            """)
        let result = try await CLI.run(
            ["import", "customers", "customers.csv", "--currency", "EUR", "--rejects", "-"], in: work.url)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("4,bad accepts_email: 'maybe' is neither yes nor no,44,Cy"), "\(result.stdout)")
        #expect(result.stderr.contains("2 imported"), "\(result.stderr)")
        let granted = try await CLI.run(
            ["segment", "count", #"consent.email = "granted" and tags contains "vip" and country = "DE""#], in: work.url
        )
        #expect(granted.stdout == "1\n", "\(granted.stderr)")
    }

    @Test func aBrokenFileIsOneLineAndLeavesTheStoreAlone() async throws {
        let work = Workspace()
        try work.write("orders.csv", Self.messyOrders)
        #expect(try await CLI.run(["import", "orders", "orders.csv", "--decimal-comma"], in: work.url).status == 0)
        let before = try CLI.dump(work.path("patron.sqlite"))
        try work.write(
            "ragged.csv", "order_id,email,placed_at,total\n2001,a@x.io,2024-01-01,5.00\n2002,b@x.io,2024-01-02\n")
        try work.write("nocolumn.csv", "order_id,email,total\n2001,a@x.io,5.00\n")
        for (file, message) in [
            ("ragged.csv", "ragged.csv:3: 3 fields where the header has 4"),
            ("nocolumn.csv", "nocolumn.csv:1: no placed_at column for 'orders'"),
        ] {
            let result = try await CLI.run(["import", "orders", file], in: work.url)
            #expect(result.status == 1)
            #expect(result.stderr.hasPrefix("patron: \(message)"), "\(result.stderr)")
            #expect(try CLI.dump(work.path("patron.sqlite")) == before)
        }
    }

    /// With indexes deferred (`always`), the killed store owes them; the rerun builds them and
    /// leaves the store the clean run left, indexes included.
    @Test(arguments: ["never", "always"])
    func killDashNineThenRerunEqualsOneCleanRun(deferral: String) async throws {
        let work = Workspace()
        var csv = "order_id,customer_id,placed_at,total\n"
        for i in 0..<60_000 {
            csv +=
                "\(100_000 + i),C\(i % 7_000),2024-0\(1 + i % 9)-1\(i % 10)T10:00:00Z,\(i % 500).\(i % 100 < 10 ? "0" : "")\(i % 100)\n"
        }
        try work.write("orders.csv", csv)
        let options = ["--currency", "USD", "--batch-size", "2000", "--defer-indexes", deferral]
        let cleanRun = try await CLI.run(
            ["import", "orders", "orders.csv", "--db", "clean.sqlite", "--defer-indexes", "never"]
                + options.dropLast(2),
            in: work.url)
        #expect(cleanRun.status == 0)
        #expect(!cleanRun.stderr.contains("indexes built after the load"))
        let clean = try CLI.dump(work.path("clean.sqlite"))
        try await CLI.killWhileWriting(
            ["import", "orders", "orders.csv", "--db", "killed.sqlite"] + options, wal: work.path("killed.sqlite-wal"),
            in: work.url)
        let rerun = try await CLI.run(
            ["import", "orders", "orders.csv", "--db", "killed.sqlite"] + options, in: work.url)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(
            rerun.stderr.contains("indexes built after the load: customers_consent_email") == (deferral == "always"))
        #expect(try CLI.integrity(work.path("killed.sqlite")) == "ok")
        #expect(try CLI.dump(work.path("killed.sqlite")) == clean)
    }

    /// A loader killed while it owes the read-only indexes: the store reads without them, and
    /// the next command that opens it for writing builds them.
    @Test func aLoaderKilledWithIndexesDeferredLeavesThemToTheNextOpen() async throws {
        let work = Workspace()
        var csv = "order_id,customer_id,placed_at,total\n"
        for i in 0..<60_000 { csv += "\(100_000 + i),C\(i % 7_000),2024-03-1\(i % 10)T10:00:00Z,\(i % 500).00\n" }
        try work.write("orders.csv", csv)
        let path = work.path("killed.sqlite")
        func read<T>(_ body: (Database) throws -> T) throws -> T {
            var configuration = Configuration()
            configuration.readonly = true
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            return try queue.read(body)
        }
        func owes() throws -> Bool {
            try read { try Bool.fetchOne($0, sql: "SELECT EXISTS (SELECT 1 FROM meta WHERE key = 'deferred_indexes')") }
                ?? false
        }
        func indexes() throws -> [String] {
            try read {
                try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name")
            }
        }
        try await CLI.killWhen(
            [
                "import", "orders", "orders.csv", "--db", "killed.sqlite", "--currency", "USD", "--batch-size", "2000",
                "--defer-indexes", "always",
            ], in: work.url, condition: owes)
        #expect(try owes())
        #expect(!(try indexes()).contains("customers_rfm"))
        #expect(try CLI.integrity(path) == "ok")
        let opened = try await CLI.run(["init", "--db", "killed.sqlite"], in: work.url)
        #expect(opened.status == 0, "\(opened.stderr)")
        #expect(try owes() == false)
        #expect(
            Set(["customers_consent_email", "customers_consent_sms", "customers_rfm", "order_lines_by_sku"])
                .isSubset(of: try indexes()))
        #expect(!FileManager.default.fileExists(atPath: path + "-load"))
    }

    @Test func shopifyExportsContinuationRowsAndSpreadsheetDamage() async throws {
        guard let orders = Shared.path("fixtures/shopify/csv/orders_export_1.devstore.redacted.csv"),
            let customers = Shared.path("fixtures/shopify/csv/customers_export_1.excel-mangled.redacted.csv")
        else { return }
        let work = Workspace()
        let imported = try await CLI.run(["import", "shopify-orders", orders], in: work.url)
        #expect(imported.status == 0, "\(imported.stderr)")
        // #1050 is one order of four line items over four rows, under Shopify's id.
        let queue = try DatabaseQueue(path: work.path("patron.sqlite"))
        let lines = try await queue.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT l.sku, l.quantity, l.unit_price_minor FROM order_lines l JOIN orders o ON o.id = l.order_id
                    WHERE o.ref = '6798481490219' ORDER BY l.line_no
                    """
            ).map { "\($0[0] as String) x\($0[1] as Int) @\($0[2] as Int64)" }
        }
        try queue.close()
        #expect(lines.count == 4, "\(lines)")
        #expect(lines.first?.hasSuffix("x1 @349900") == true, "\(lines)")
        let rejected = try await CLI.run(["import", "shopify-customers", customers, "--rejects", "-"], in: work.url)
        // Every row rejected: exit 1, the rejects still written, the first reason with its hint.
        #expect(rejected.status == 1)
        #expect(rejected.stderr.contains("spreadsheet saved the ids as numbers"), "\(rejected.stderr)")
        #expect(
            rejected.stderr.contains("8 rows read, skipped 0, rejected 8 (bad customer_id: 8)"), "\(rejected.stderr)")
        #expect(rejected.stdout.contains("2,bad customer_id: precision lost: '7.02255E+12'"), "\(rejected.stdout)")
    }

    @Test func orderLinesAreGroupedAndAnOrderApartIsRejected() async throws {
        let work = Workspace()
        try work.write(
            "lines.csv",
            """
            order_id,email,placed_at,sku,product,quantity,unit_price,currency
            A1,ann@example.com,2024-05-01,MUG-1,Mug,2,12.50,EUR
            A1,ann@example.com,2024-05-01,TEA-2,Tea,1,4.00,EUR
            A2,bob@example.com,2024-05-02,MUG-1,Mug,1,12.50,EUR
            A1,ann@example.com,2024-05-01,SOAP-3,Soap,1,3.00,EUR

            """)
        let result = try await CLI.run(["import", "order-lines", "lines.csv", "--rejects", "-"], in: work.url)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("2 imported"), "\(result.stderr)")
        #expect(result.stdout.contains("5,order apart: earlier lines of order A1"), "\(result.stdout)")
        let mugs = try await CLI.run(["segment", "count", #"bought(sku: "MUG-1")"#], in: work.url)
        #expect(mugs.stdout == "2\n")
        let metrics = try await CLI.run(["metrics", "--format", "json"], in: work.url)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(metrics.stdout.utf8)) as? [String: Any])
        #expect(json["revenue"] as? String == "41.50", "\(metrics.stdout)")
    }
}

extension CSVImportCLITests {
    @Test func aMappingFileNamesColumnsTheAliasesMiss() async throws {
        let work = Workspace()
        try work.write(
            "bestellungen.csv", "Bestellnummer;Kunde;Datum;Summe\nB-1;kunde@example.com;2024-02-01;19,90\n")
        let missing = try await CLI.run(["import", "orders", "bestellungen.csv", "--currency", "EUR"], in: work.url)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no order_id column for 'orders'"), "\(missing.stderr)")
        try work.write(
            "mapping.json", #"{"order_id": "Bestellnummer", "email": "Kunde", "placed_at": "Datum", "total": "Summe"}"#)
        let mapped = try await CLI.run(
            [
                "import", "orders", "bestellungen.csv", "--currency", "EUR", "--decimal-comma", "--mapping",
                "mapping.json",
            ],
            in: work.url)
        #expect(mapped.status == 0, "\(mapped.stderr)")
        #expect(mapped.stderr.contains("1 imported"), "\(mapped.stderr)")
        try work.write("wrong.json", #"{"order_number": "Bestellnummer"}"#)
        let wrong = try await CLI.run(
            ["import", "orders", "bestellungen.csv", "--currency", "EUR", "--mapping", "wrong.json"], in: work.url)
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("mapping: 'orders' has no field 'order_number'"), "\(wrong.stderr)")
    }
}
