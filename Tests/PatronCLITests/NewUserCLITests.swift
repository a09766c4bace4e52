import Foundation
import Testing

/// What a new user met on a first run: silent all-rejected imports, progress stuck at 100%,
/// phones exported as text, fits thrown away, and the small things (issue 14, items 8–13).
@Suite struct NewUserCLITests {
    @Test func anImportWhoseEveryRowIsRejectedSaysWhyAndFails() async throws {
        let work = Workspace()
        try work.write(
            "comma.csv",
            "order_id,email,date,total,currency\n1,a@x.com,2024-01-02,\"12,50\",EUR\n2,b@x.com,2024-01-03,\"1.234,56\",EUR\n"
        )
        let refused = try await CLI.run(["import", "orders", "comma.csv"], in: work.url)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("rejected 2 (bad total: 2)"), "\(refused.stderr)")
        #expect(refused.stderr.contains("first rejected row: comma.csv:2: bad total: '12,50' is not an amount"))
        #expect(refused.stderr.contains("pass --decimal-comma"))
        #expect(refused.stderr.contains("every row was rejected; nothing imported"))
        let accepted = try await CLI.run(["import", "orders", "comma.csv", "--decimal-comma"], in: work.url)
        #expect(accepted.status == 0, "\(accepted.stderr)")
        #expect(accepted.stderr.contains("2 imported"))
        // A rerun changes nothing and is not a failure, rejections or not.
        let again = try await CLI.run(["import", "orders", "comma.csv", "--decimal-comma"], in: work.url)
        #expect(again.status == 0)
        // Some rows rejected, some imported: exit 0, and the first reason is shown.
        try work.write(
            "mixed.csv",
            "order_id,email,date,total,currency\n3,c@x.com,2024-01-02,9.99,EUR\n4,d@x.com,2024-01-03,abc,EUR\n")
        let mixed = try await CLI.run(["import", "orders", "mixed.csv"], in: work.url)
        #expect(mixed.status == 0)
        #expect(mixed.stderr.contains("first rejected row: mixed.csv:3: bad total: 'abc' is not an amount"))
        // Spreadsheet ids.
        try work.write("ids.csv", "id,email\n7.02255E+12,e@x.com\n")
        let ids = try await CLI.run(["import", "customers", "ids.csv"], in: work.url)
        #expect(ids.status == 1)
        #expect(ids.stderr.contains("precision lost"), "\(ids.stderr)")
        #expect(ids.stderr.contains("export those columns as text"), "\(ids.stderr)")
    }

    @Test func aHeaderSplitByTheWrongDelimiterNamesTheRightOne() async throws {
        let work = Workspace()
        try work.write("semi.csv", "order_id;email;date;total;currency\n1;a@x.com;2024-01-02;12,50;EUR\n")
        let result = try await CLI.run(["import", "orders", "semi.csv", "--delimiter", ","], in: work.url)
        #expect(result.status == 1)
        #expect(result.stderr.contains("the header matches when split by ; (pass --delimiter ';')"), "\(result.stderr)")
    }

    @Test func onlineRetailProgressCountsRowsThenOrdersWithARealPercentage() async throws {
        let work = Workspace()
        var csv = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
        for line in 0..<30_000 {
            csv +=
                "\(536_365 + line / 4),85123A,HEART,\(1 + line % 5),12/1/2010 8:26,2.55,\(17_850 + line % 700),United Kingdom\n"
        }
        try work.write("retail.csv", csv)
        let result = try await CLI.run(
            ["import", "online-retail", "retail.csv"], in: work.url, environment: ["PATRON_PROGRESS": "always"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stderr.components(separatedBy: "\r").filter { $0.hasPrefix("import (") }
        let reading = try #require(lines.first, "\(result.stderr.prefix(500))")
        #expect(reading.hasPrefix("import (reading): 512 rows"), "\(reading)")
        let percent = try #require(reading.split(separator: ",").first { $0.hasSuffix("%") })
        #expect((Double(percent.dropLast().trimmingCharacters(in: .whitespaces)) ?? 100) < 50, "\(reading)")
        for line in lines where line.hasPrefix("import (storing)") {
            #expect(line.contains(" orders, "), "\(line)")
        }
        #expect(result.stderr.contains("7500 imported"), "\(result.stderr.suffix(400))")
    }

    @Test func phonesAndEmailsAreExportedAsTheyAreAndFormulasStillGuarded() async throws {
        let work = Workspace()
        try work.write(
            "customers.csv",
            "id,email,phone,tags\nc1,ann@example.com,+14155550100,=2+3\nc2,+bob@example.com,+447700900123,vip\n")
        #expect(try await CLI.run(["import", "customers", "customers.csv"], in: work.url).status == 0)
        let export = try await CLI.run(["export", "customers"], in: work.url)
        #expect(export.status == 0, "\(export.stderr)")
        let rows = export.stdout.split(separator: "\n")
        #expect(rows.count == 3)
        #expect(rows[1].hasPrefix("c1,ann@example.com,+14155550100,"), "\(rows[1])")
        #expect(rows[1].contains(",'=2+3,"), "a formula in a text cell is still guarded: \(rows[1])")
        #expect(rows[2].hasPrefix("c2,+bob@example.com,+447700900123,"), "\(rows[2])")
        let segment = try await CLI.run(
            ["segment", "export", "orders.count >= 0", "--fields", "phone,email", "-o", "s.csv"], in: work.url)
        #expect(segment.stderr == "segment export: 2 members (csv) written to s.csv\n")
        let text = try String(contentsOfFile: work.path("s.csv"), encoding: .utf8)
        #expect(text.contains("c1,+14155550100,ann@example.com"), "\(text)")
    }

    @Test func aFitThatCannotRunDoesNotThrowAwayTheOthers() async throws {
        let work = Workspace()
        var summary = "customer_id,x,t_x,T\n"
        for n in 0..<200 { summary += "\(n),\(n % 4),\(n % 4 == 0 ? 0 : 10 + n % 20),\(40 + n % 9)\n" }
        try work.write("summary.csv", summary)
        let all = try await CLI.run(["predict", "fit", "--model", "all", "--summary", "summary.csv"], in: work.url)
        #expect(all.status == 0, "\(all.stderr)")
        #expect(all.stdout.contains("BG/NBD") && all.stdout.contains("Pareto/NBD"), "\(all.stdout)")
        #expect(all.stderr.contains("predict: gg could not be fitted: Gamma-Gamma needs"), "\(all.stderr)")
        let none = try await CLI.run(["predict", "fit", "--model", "gg", "--summary", "summary.csv"], in: work.url)
        #expect(none.status == 1)
        #expect(none.stderr.contains("gg could not be fitted"))
    }

    @Test func theSmallThings() async throws {
        let work = Workspace()
        let version = try await CLI.run(["--version"], in: work.url)
        #expect(version.status == 0)
        #expect(version.stdout.hasPrefix("patron 0."), "\(version.stdout)")
        let generated = try await CLI.run(
            ["generate", "--customers", "200", "--seed", "3", "--until", "2025-06-30", "--ndjson", "shop.ndjson"],
            in: work.url)
        #expect(generated.stderr.contains("events for 200 customers written to shop.ndjson"), "\(generated.stderr)")
        #expect(try await CLI.run(["ingest", "shop.ndjson"], in: work.url).status == 0)
        let explain = try await CLI.run(["segment", "explain", "aov between 20 and 80.5"], in: work.url)
        #expect(explain.stdout.contains("aov between 20.00 and 80.50"), "\(explain.stdout)")
        let window = try await CLI.run(["rfm", "--window", "-5"], in: work.url)
        #expect(window.status == 1)
        #expect(window.stderr.contains("--window must be a positive number of days (got -5)"), "\(window.stderr)")
        let metrics = try await CLI.run(["metrics", "--as-of", "2025-06-20"], in: work.url)
        #expect(metrics.stdout.contains("%*"), "the as-of month is marked")
        #expect(metrics.stdout.contains("* 2025-06 is under way (to 2025-06-20): its shares are partial"))
        let monthEnd = try await CLI.run(["metrics", "--as-of", "2025-06-30"], in: work.url)
        #expect(!monthEnd.stdout.contains("under way"))
        let rfm = try await CLI.run(["rfm", "--as-of", "2025-06-30"], in: work.url)
        let grid = rfm.stdout.components(separatedBy: "segment ").first ?? ""
        if grid.contains("note: F") {
            #expect(grid.contains("--method ntile"), "the note sits under the grid: \(grid)")
        }
        let ntile = try await CLI.run(["rfm", "--as-of", "2025-06-30", "--method", "ntile"], in: work.url)
        #expect(!ntile.stdout.contains("is empty"), "\(ntile.stdout)")
    }

    @Test func theGridSaysWhyF2IsEmptyOnCDNOW() async throws {
        guard let cdnow = Shared.path("data/cdnow/CDNOW_master.txt") else { return }
        let work = Workspace()
        #expect(try await CLI.run(["import", "cdnow", cdnow], in: work.url).status == 0)
        let rfm = try await CLI.run(["rfm", "--as-of", "1998-07-01"], in: work.url)
        let grid = try #require(rfm.stdout.components(separatedBy: "\nsegment ").first)
        #expect(grid.contains("note: F2 is empty: the quantile method keeps customers"), "\(grid)")
        #expect(grid.contains("--method ntile"))
    }
}
