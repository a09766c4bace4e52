import Foundation
import Testing

/// `patron recommend` end to end, as processes, on a generated shop in an SQLite file and (when a
/// server is there) PostgreSQL: a customer's list with its reasons, a SKU's also-bought, the
/// evaluation table, and clear errors for an unknown customer or SKU.
@Suite struct RecommendCLITests {
    @Test func recommendationsOnEveryStore() async throws {
        let work = Workspace()
        var stores = ["shop.sqlite"]
        if ProcessInfo.processInfo.environment["PATRON_PG_URL"] != nil {
            stores.append(try PostgresCLITests.freshDatabaseURL())
        }
        var answers: [String] = []
        for db in stores {
            func patron(_ arguments: String...) async throws -> CLI.Result {
                try await CLI.run(["recommend"] + arguments + ["--db", db], in: work.url)
            }
            let made = try await CLI.run(
                ["generate", "--customers", "300", "--orders", "1500", "--until", "2026-06-30", "--db", db],
                in: work.url)
            #expect(made.status == 0, "\(db): \(made.stderr)")
            let list = try await patron("1", "--n", "3", "--explain")
            #expect(list.status == 0, "\(list)")
            let ranked = list.stdout.split(separator: "\n").filter { $0.first?.isNumber == true }
            #expect(ranked.count == 3 && ranked[0].hasPrefix("1. "), "\(list.stdout)")
            #expect(list.stdout.contains("because you bought") || list.stdout.contains("a best seller"))
            let json = try await patron("1", "--n", "3", "--format", "json")
            let items = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
            #expect(items.count == 3 && items.allSatisfy { $0["sku"] is String && $0["source"] is String })
            answers.append(items.compactMap { $0["sku"] as? String }.joined(separator: ","))
            let sku = try #require(items.first?["sku"] as? String)
            let also = try await patron("--sku", sku, "--n", "5")
            #expect(also.status == 0 && also.stdout.contains("bought together by"), "\(also)")

            let nobody = try await patron("nobody@example.com")
            #expect(nobody.status == 1 && nobody.stderr.contains("nobody@example.com"), "\(nobody)")
            let unknown = try await patron("--sku", "NO-SUCH-SKU")
            #expect(unknown.status == 1 && unknown.stderr == "patron: no customer bought SKU 'NO-SUCH-SKU'\n")
            #expect(try await patron().status == 1)

            let evaluation = try await patron("evaluate", "--cut", "2026-04-01")
            #expect(evaluation.status == 0, "\(evaluation)")
            for method in ["recommender", "popular", "co-occurrence"] {
                #expect(evaluation.stdout.contains("\n\(method) "), "\(evaluation.stdout)")
            }
            let late = try await patron("evaluate", "--cut", "2030-01-01")
            #expect(late.status == 1 && late.stderr.contains("no customer bought both"), "\(late)")
        }
        // The same shop gives the same recommendations on every store (the scores differ by the
        // seconds between the runs: purchases age).
        #expect(Set(answers).count == 1)
    }
}

/// `patron import products` fills the catalogue; lists then keep to what is in stock and carry
/// each product's name, page and price.
@Suite struct CatalogueCLITests {
    @Test func aCatalogueFromCSVShapesTheLists() async throws {
        let work = Workspace()
        let made = try await CLI.run(
            ["generate", "--customers", "200", "--orders", "1000", "--until", "2026-06-30", "--db", "shop.sqlite"],
            in: work.url)
        #expect(made.status == 0, "\(made.stderr)")
        // The generated shop states its catalogue: lists carry names and prices.
        let before = try await CLI.run(
            ["recommend", "1", "--n", "5", "--format", "json", "--db", "shop.sqlite"], in: work.url)
        let items = try #require(try JSONSerialization.jsonObject(with: Data(before.stdout.utf8)) as? [[String: Any]])
        #expect(items.count == 5 && items.allSatisfy { $0["name"] is String && $0["price"] is String }, "\(items)")
        let top = try #require(items.first?["sku"] as? String)

        // The first suggestion goes out of stock by a CSV row: the next list leaves it out.
        try """
        sku,name,price,in_stock,url
        \(top),Renamed,9.99,outofstock,https://shop.example/x
        NEW-1,"New, shiny",12,yes,
        """.write(to: work.url.appendingPathComponent("products.csv"), atomically: true, encoding: .utf8)
        let imported = try await CLI.run(["import", "products", "products.csv", "--db", "shop.sqlite"], in: work.url)
        #expect(imported.status == 0, "\(imported)")
        let again = try await CLI.run(["import", "products", "products.csv", "--db", "shop.sqlite"], in: work.url)
        #expect(again.status == 0 && again.stderr.contains("2 unchanged"), "\(again)")
        let after = try await CLI.run(
            ["recommend", "1", "--n", "5", "--format", "json", "--db", "shop.sqlite"], in: work.url)
        let skus = try #require(try JSONSerialization.jsonObject(with: Data(after.stdout.utf8)) as? [[String: Any]])
            .compactMap { $0["sku"] as? String }
        #expect(skus.count == 5 && !skus.contains(top), "\(skus)")

        // A bad price rejects its row, named by line and field; the good rows are imported.
        try "sku,name,price\nA-1,Good,1.00\nA-2,Bad,lots\n".write(
            to: work.url.appendingPathComponent("bad.csv"), atomically: true, encoding: .utf8)
        let bad = try await CLI.run(["import", "products", "bad.csv", "--db", "shop.sqlite"], in: work.url)
        #expect(
            bad.status == 0 && bad.stderr.contains("1 imported") && bad.stderr.contains("bad.csv:3: bad price"),
            "\(bad)")
    }
}
