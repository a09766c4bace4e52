import Foundation

extension NDJSONWire {
    /// A `product.updated` event's product: its variants, or (a product of one variant) `sku`
    /// with `price`, `currency` and `in_stock` on the product itself.
    struct Product: Codable {
        var id: String
        var name: String?
        var url: String?
        var image_url: String?
        var category: String?
        var updated_at: String?
        var sku: String?
        var price: Amount?
        var currency: String?
        var in_stock: Bool?
        var variants: [Variant]?
    }

    struct Variant: Codable {
        var sku: String
        var name: String?
        var price: Amount?
        var currency: String?
        var in_stock: Bool?
        var url: String?
        var image_url: String?
    }
}

extension NDJSONCodec {
    static func product(_ wire: NDJSONWire.Product, at location: InputLocation) throws(PatronError) -> ProductData {
        func fail(_ field: String, _ message: String) -> PatronError {
            PatronError(.invalidValue, message, at: location.with(field: field))
        }
        func currency(_ text: String?, _ field: String) throws(PatronError) -> CurrencyCode? {
            guard let text else { return nil }
            guard let code = CurrencyCode(text) else { throw fail(field, "unknown currency '\(text)'") }
            return code
        }
        var updatedAt: Int64?
        if let text = wire.updated_at {
            guard let seconds = Timestamp.parse(text) else {
                throw fail("product.updated_at", "unparseable date '\(text)' (use RFC 3339, e.g. 2024-03-01T10:00:00Z)")
            }
            updatedAt = seconds
        }
        var variants: [ProductVariant] = []
        if let given = wire.variants {
            for (index, v) in given.enumerated() {
                variants.append(
                    ProductVariant(
                        sku: v.sku, name: v.name, price: v.price?.text,
                        currency: try currency(v.currency ?? wire.currency, "product.variants[\(index)].currency"),
                        inStock: v.in_stock ?? wire.in_stock ?? true, imageURL: v.image_url, url: v.url))
            }
        } else if let sku = wire.sku {
            variants.append(
                ProductVariant(
                    sku: sku, price: wire.price?.text, currency: try currency(wire.currency, "product.currency"),
                    inStock: wire.in_stock ?? true))
        } else {
            throw PatronError(
                .malformedInput, "missing field (give variants or sku)", at: location.with(field: "product.variants"))
        }
        return ProductData(
            ref: wire.id, name: wire.name ?? "", url: wire.url, imageURL: wire.image_url, category: wire.category,
            updatedAt: updatedAt, variants: variants)
    }

    static func writeProduct(_ product: ProductData, into json: inout JSONWriter) {
        json.key("product")
        json.open()
        json.field("id", product.ref)
        json.field("name", product.name)
        json.field("url", product.url)
        json.field("image_url", product.imageURL)
        json.field("category", product.category)
        json.field("updated_at", product.updatedAt.map(Timestamp.format))
        json.key("variants")
        json.objects(product.variants) { w, v in
            w.field("sku", v.sku)
            w.field("name", v.name)
            w.field("price", v.price)
            w.field("currency", v.currency?.code)
            w.key("in_stock")
            w.raw(v.inStock ? "true" : "false")
            w.field("url", v.url)
            w.field("image_url", v.imageURL)
        }
        json.close()
    }
}
