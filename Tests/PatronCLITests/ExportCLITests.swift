import Foundation
import Testing

@Suite(.serialized) struct ExportCLITests {
    func store() async throws -> Workspace {
        let work = Workspace()
        try work.write(
            "orders.csv",
            """
            order_id,customer_id,email,placed_at,total,currency
            =1+1,-42,"@evil@example.com",2024-05-01,10.00,EUR
            A2,43,bob@example.com,2024-05-02,-0.00,EUR
            A3,43,bob@example.com,2024-06-02,5.50,EUR

            """)
        let result = try await CLI.run(["import", "orders", "orders.csv"], in: work.url)
        #expect(result.status == 0, "\(result.stderr)")
        return work
    }

    @Test func formulaLikeTextIsGuardedUnlessRaw() async throws {
        let work = try await store()
        let guarded = try await CLI.run(["export", "orders"], in: work.url)
        #expect(guarded.status == 0, "\(guarded.stderr)")
        let lines = guarded.stdout.split(separator: "\n")
        #expect(lines.first == "order_id,source,customer_id,placed_at,status,currency,total,refunded,net,lines")
        #expect(lines[1] == "'=1+1,csv,'-42,2024-05-01T00:00:00Z,placed,EUR,10.00,0.00,10.00,0", "\(lines[1])")
        let raw = try await CLI.run(["export", "orders", "--raw"], in: work.url)
        #expect(raw.stdout.split(separator: "\n")[1].hasPrefix("=1+1,csv,-42,"))
        // Customers: a tag a spreadsheet would run as a formula; amounts untouched.
        try work.write(
            "customers.csv", "Customer ID,Email,Tags\n-42,ann@example.com,\"=HYPERLINK(\"\"http://x\"\")\"\n")
        #expect(try await CLI.run(["import", "customers", "customers.csv"], in: work.url).status == 0)
        let customers = try await CLI.run(["export", "customers", "-o", "c.csv"], in: work.url)
        #expect(customers.status == 0, "\(customers.stderr)")
        let text = try String(contentsOfFile: work.path("c.csv"), encoding: .utf8)
        #expect(text.hasPrefix("customer_id,email,phone,country"))
        #expect(text.contains("\n'-42,ann@example.com,,,,\"'=HYPERLINK(\"\"http://x\"\")\","), "\(text)")
        #expect(text.split(separator: "\n").count == 3)
        let segment = try await CLI.run(
            ["segment", "export", "orders.count >= 1", "--fields", "tags,orders.total"], in: work.url)
        #expect(segment.stdout.contains("\n'-42,\"'=HYPERLINK(\"\"http://x\"\")\",10.00\n"), "\(segment.stdout)")
        let segmentRaw = try await CLI.run(
            ["segment", "export", "orders.count >= 1", "--fields", "tags,orders.total", "--raw"], in: work.url)
        #expect(segmentRaw.stdout.contains("\n-42,\"=HYPERLINK(\"\"http://x\"\")\",10.00\n"), "\(segmentRaw.stdout)")
    }

    @Test func ordersOfASegmentOnly() async throws {
        let work = try await store()
        let result = try await CLI.run(["export", "orders", "--where", "orders.count >= 2"], in: work.url)
        #expect(result.status == 0, "\(result.stderr)")
        let rows = result.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",")[0] }
        #expect(rows == ["A2", "A3"])
        let bad = try await CLI.run(["export", "orders", "--where", "ordrs.count > 1", "-o", "x.csv"], in: work.url)
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("did you mean 'orders.count'"))
        #expect(!FileManager.default.fileExists(atPath: work.path("x.csv")))
    }
}
