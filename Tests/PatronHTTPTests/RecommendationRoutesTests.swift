import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PatronCore
import PatronHTTP
import PatronSQLite
import Testing

/// `GET /v1/customers/{id}/recommendations`: 422 saying how to get a model until one is stored,
/// then the customer's list (never what they bought, with why); 404 for an unknown customer,
/// 400 for a bad `n`; the catalogue the server holds follows the store's within seconds.
@Suite struct RecommendationRoutesTests {
    @Test func theStoredModelAnswers() async throws {
        let (store, reader, _) = try CustomerRoutesTests.store()
        let at = Day(iso: "2024-05-02")!.epochSeconds
        func order(_ ref: String, _ customer: String, _ skus: [String]) -> IngestEvent {
            IngestEvent(
                id: "r-\(ref)", source: "shopify", occurredAt: at,
                kind: .orderPlaced(
                    OrderData(
                        ref: ref, customer: CustomerIdentity(refs: [ExternalRef(source: "", id: customer)]),
                        placedAt: at, currency: .eur, totalMinor: 100 * Int64(skus.count),
                        lines: skus.map { OrderLine(sku: $0, quantity: 1, unitPriceMinor: 100) })))
        }
        try Ingestor(store: store).ingest([
            order("2001", "42", ["KETTLE"]), order("2002", "43", ["KETTLE", "TEA"]),
            order("2003", "44", ["KETTLE", "TEA"]), order("2004", "45", ["CANDLE"]),
        ])
        let bearer = CustomerRoutesTests.bearer
        try await CustomerRoutesTests.app(store).test(.router) { client in
            func get(_ uri: String) async throws -> TestResponse {
                try await client.execute(uri: uri, method: .get, headers: bearer(reader)) { $0 }
            }
            let early = try await get("/v1/customers/shopify:42/recommendations")
            #expect(early.status == .unprocessableContent)
            #expect(String(buffer: early.body).contains("patron recommend rebuild"))
            try RecommendationDesk.rebuild(store, at: Day(iso: "2024-05-03")!.epochSeconds)
            let listed = try await get("/v1/customers/shopify:42/recommendations?n=2")
            #expect(listed.status == .ok)
            let items = try #require(
                try JSONSerialization.jsonObject(with: Data(buffer: listed.body)) as? [[String: Any]])
            #expect(items.map { $0["sku"] as? String } == ["TEA", "CANDLE"], "\(items)")
            #expect(items.first?["source"] as? String == "also_bought")
            #expect(((items.first?["because"] as? [[String: Any]])?.first?["sku"] as? String) == "KETTLE")
            #expect(try await get("/v1/customers/shopify:999/recommendations").status == .notFound)
            #expect(try await get("/v1/customers/patron:99999/recommendations").status == .notFound)
            // A catalogue arrives: TEA is out of stock. The server holds the catalogue and reads
            // it again within two seconds of a change.
            try Ingestor(store: store).ingest(
                ["TEA", "CANDLE", "KETTLE"].map { sku in
                    IngestEvent(
                        id: "p-\(sku)", source: "shopify", occurredAt: at,
                        kind: .productUpdated(
                            ProductData(
                                ref: sku, name: sku.capitalized,
                                variants: [ProductVariant(sku: sku, inStock: sku != "TEA")])))
                })
            try await Task.sleep(for: .milliseconds(2_100))
            let held = try #require(
                try JSONSerialization.jsonObject(
                    with: Data(buffer: try await get("/v1/customers/shopify:42/recommendations?n=2").body))
                    as? [[String: Any]])
            #expect(held.map { $0["sku"] as? String } == ["CANDLE"], "\(held)")
            #expect(held.first?["name"] as? String == "Candle")
            for bad in ["?n=0", "?n=101", "?n=ten"] {
                #expect(try await get("/v1/customers/shopify:42/recommendations" + bad).status == .badRequest)
            }
        }
    }
}
