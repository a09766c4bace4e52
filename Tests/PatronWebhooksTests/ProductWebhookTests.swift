import Foundation
import PatronCore
import PatronWebhooks
import Testing

/// Product topics fill the catalogue: WooCommerce's captured deliveries, Shopify's documented body.
@Suite struct ProductWebhookTests {
    init() { TestChannels.register() }

    static func wooDelivery(_ name: String) throws -> (topic: String, body: Data)? {
        guard let path = Shared.path("fixtures/woocommerce/webhooks/hookdeck/\(name).json") else { return nil }
        let object =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        let headers = object["headers"] as! [String: String]
        return (headers["x-wc-webhook-topic"]!, try JSONSerialization.data(withJSONObject: object["body"]!))
    }

    /// A store whose currency is USD (one order), so prices without a currency read in it.
    static func storeInUSD() throws -> InMemoryStore {
        let store = InMemoryStore()
        try Ingestor(store: store).ingest([
            IngestEvent(
                id: "o", source: "shop", occurredAt: 0,
                kind: .orderPlaced(
                    OrderData(
                        ref: "1", customer: CustomerIdentity(email: "a@x.com"), placedAt: 0, currency: .usd,
                        totalMinor: 100)))
        ])
        return store
    }

    @Test func wooCommerceCapturedProductDeliveries() throws {
        guard let created = try Self.wooDelivery("product.created"),
            let updated = try Self.wooDelivery("product.updated")
        else { return }
        #expect(created.topic == "product.created" && updated.topic == "product.updated")
        guard
            case .events(let events) = try WooCommerceWebhook.outcome(
                topic: created.topic, body: created.body, deliveryID: "d1", at: 1_700_000_000),
            case .productUpdated(let product) = events.first?.kind
        else {
            Issue.record("expected a product.updated")
            return
        }
        // The captured product has an empty SKU: it is known by its id, as its order lines are.
        #expect(product.ref == "18" && product.name == "Perpemint" && product.category == "Uncategorized")
        #expect(product.url == "http://localhost/wordpress/product/perpemint/")
        #expect(product.variants == [ProductVariant(sku: "18", price: "150", inStock: true)])
        #expect(product.updatedAt == Timestamp.parse("2023-03-26T09:29:39Z"))
        let store = try Self.storeInUSD()
        guard
            case .events(let again) = try WooCommerceWebhook.outcome(
                topic: updated.topic, body: updated.body, deliveryID: "d2", at: 1_700_000_100)
        else { return }
        try Ingestor(store: store).ingest(events + again)
        let stored = try store.read { try $0.products(skus: ["18"]) }["18"]
        #expect(stored?.priceMinor == 15_000 && stored?.currency == .usd && stored?.inStock == true)
        guard
            case .events(let deleted) = try WooCommerceWebhook.outcome(
                topic: "product.deleted", body: Data(#"{"id":18}"#.utf8), deliveryID: "d3", at: 1_700_000_200)
        else { return }
        try Ingestor(store: store).ingest(deleted)
        #expect(try store.read { try $0.productCount() } == 0)
        // A late update (modified in 2023) changes nothing; a restore, stamped when received as
        // the deletion is, brings the product back.
        try Ingestor(store: store).ingest(
            again.map {
                var late = $0; late.id += "-late"; late.occurredAt = 1_700_000_300; return late
            })
        #expect(try store.read { try $0.productCount() } == 0)
        guard
            case .events(let restored) = try WooCommerceWebhook.outcome(
                topic: "product.restored", body: updated.body, deliveryID: "d4", at: 1_700_000_400),
            case .productUpdated(let back) = restored.first?.kind
        else { return }
        #expect(back.updatedAt == nil)
        try Ingestor(store: store).ingest(restored)
        #expect(try store.read { try $0.products(skus: ["18"]) }["18"]?.updatedAt == 1_700_000_400)
    }

    /// Shopify's `products/update` body as its REST reference documents it (trimmed to what is
    /// read, with the real field names and 64-bit ids).
    static let shopifyProduct = Data(
        #"""
        {"id":788032119674292922,"title":"Example T-Shirt","handle":"example-t-shirt","product_type":"Shirts",
         "status":"active","updated_at":"2024-09-25T12:00:00-04:00",
         "image":{"id":1,"src":"https://cdn.shopify.com/s/files/shirt.png"},
         "images":[{"id":1,"src":"https://cdn.shopify.com/s/files/shirt.png"},
                   {"id":2,"src":"https://cdn.shopify.com/s/files/shirt-red.png"}],
         "variants":[
          {"id":642667041472713922,"title":"Small","price":"19.99","sku":"TS-S","inventory_quantity":75,
           "inventory_policy":"deny","inventory_management":"shopify","image_id":null},
          {"id":757650484644203962,"title":"Medium","price":"19.99","sku":"TS-M","inventory_quantity":0,
           "inventory_policy":"deny","inventory_management":"shopify","image_id":2},
          {"id":757650484644203963,"title":"Large","price":"21.00","sku":"TS-L","inventory_quantity":0,
           "inventory_policy":"continue","inventory_management":"shopify"},
          {"id":757650484644203964,"title":"Default Title","price":"5.00","sku":"","inventory_quantity":0,
           "inventory_policy":"deny","inventory_management":null}]}
        """#.utf8)

    @Test func shopifyProductsTheirVariantsAndStock() throws {
        guard
            case .events(let events) = try ShopifyWebhook.outcome(
                topic: "products/update", body: Self.shopifyProduct, deliveryID: "s1", at: 1_727_280_000,
                shopDomain: "shop.example.com"),
            case .productUpdated(let product) = events.first?.kind
        else {
            Issue.record("expected a product.updated")
            return
        }
        #expect(product.ref == "788032119674292922" && product.category == "Shirts")
        #expect(product.url == "https://shop.example.com/products/example-t-shirt")
        #expect(product.updatedAt == Timestamp.parse("2024-09-25T16:00:00Z"))
        // Tracked with none left and `deny`: out of stock; `continue` or untracked: in stock.
        #expect(product.variants.map(\.inStock) == [true, false, true, true])
        // No SKU: the product's id, as order lines read it.
        #expect(product.variants.map(\.sku) == ["TS-S", "TS-M", "TS-L", "788032119674292922"])
        #expect(product.variants[1].imageURL == "https://cdn.shopify.com/s/files/shirt-red.png")
        let store = try Self.storeInUSD()
        try Ingestor(store: store).ingest(events)
        let stored = try store.read { try $0.products(source: "shopify", productRef: "788032119674292922") }
        #expect(
            stored.map(\.name) == [
                "Example T-Shirt", "Example T-Shirt — Large", "Example T-Shirt — Medium", "Example T-Shirt — Small",
            ])
        #expect(stored.first { $0.sku == "TS-L" }?.priceMinor == 2_100)

        // A draft is not for sale; a deletion removes every variant.
        let draft = Data(
            String(decoding: Self.shopifyProduct, as: UTF8.self)
                .replacingOccurrences(of: #""status":"active""#, with: #""status":"draft""#).utf8)
        guard
            case .events(let drafted) = try ShopifyWebhook.outcome(
                topic: "products/update", body: draft, deliveryID: "s2", at: 1_727_280_001),
            case .productUpdated(let hidden) = drafted.first?.kind
        else { return }
        #expect(hidden.variants.allSatisfy { !$0.inStock } && hidden.url == nil)
        guard
            case .events(let deleted) = try ShopifyWebhook.outcome(
                topic: "products/delete", body: Data(#"{"id":788032119674292922}"#.utf8), deliveryID: "s3",
                at: 1_727_280_002)
        else { return }
        // One stamped before the product's last update would be stale: it removes nothing.
        try Ingestor(store: store).ingest(
            deleted.map {
                var early = $0; early.id += "-early"; early.occurredAt = 0; return early
            })
        #expect(try store.read { try $0.productCount() } == 4)
        try Ingestor(store: store).ingest(deleted)
        #expect(try store.read { try $0.productCount() } == 0)
        #expect {
            _ = try ShopifyWebhook.outcome(
                topic: "products/create", body: Data(#"{"id":1,"title":"x","variants":[]}"#.utf8), deliveryID: "s4",
                at: 0)
        } throws: { ($0 as? WebhookPayloadError)?.detail == "the product has no variants" }
    }
}
