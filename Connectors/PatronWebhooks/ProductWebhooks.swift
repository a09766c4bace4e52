import Foundation
import PatronCore

/// Shopify's `products/create|update|delete` bodies (the REST Admin API's product).
extension ShopifyWebhook {
    struct Product: Decodable {
        var id: Int64
        var title: String?
        var handle: String?
        var product_type: String?
        /// `active`, `draft` or `archived`: only an active product can be bought.
        var status: String?
        var updated_at: String?
        var variants: [Variant]?
        var image: Image?
        var images: [Image]?

        struct Variant: Decodable {
            var id: Int64
            var sku: String?
            var title: String?
            var price: String?
            var inventory_quantity: Int64?
            /// `deny` (no sale when none is left) or `continue`.
            var inventory_policy: String?
            /// `shopify` when Shopify counts the stock; `null`: not tracked (always in stock).
            var inventory_management: String?
            var image_id: Int64?
        }

        struct Image: Decodable {
            var id: Int64?
            var src: String?
        }

        /// The product; an order line's SKU is the variant's SKU, else the product id (as
        /// order lines read), so a variant without a SKU is known by the product's id.
        func data(topic: String, shopDomain: String?) throws(WebhookPayloadError) -> ProductData {
            let active = (status ?? "active") == "active"
            let imagesByID = Dictionary(
                (images ?? []).compactMap { image in image.id.map { ($0, image.src) } }, uniquingKeysWith: { a, _ in a }
            )
            var variants: [ProductVariant] = []
            var seen: Set<String> = []
            for variant in self.variants ?? [] {
                let sku = variant.sku.flatMap { $0.isEmpty ? nil : $0 } ?? String(id)
                guard seen.insert(sku).inserted else { continue }
                let tracked = variant.inventory_management != nil && variant.inventory_policy != "continue"
                variants.append(
                    ProductVariant(
                        sku: sku, name: variant.title, price: variant.price,
                        inStock: active && (!tracked || (variant.inventory_quantity ?? 0) > 0),
                        imageURL: variant.image_id.flatMap { imagesByID[$0] ?? nil }))
            }
            guard !variants.isEmpty else {
                throw WebhookPayloadError(topic: topic, detail: "the product has no variants")
            }
            return ProductData(
                ref: String(id), name: title ?? "",
                url: shopDomain.flatMap { domain in handle.map { "https://\(domain)/products/\($0)" } },
                imageURL: image?.src ?? images?.first?.src, category: product_type.flatMap { $0.isEmpty ? nil : $0 },
                updatedAt: updated_at.flatMap(Timestamp.parse), variants: variants)
        }
    }

    /// `products/delete` carries the id only.
    struct DeletedProduct: Decodable {
        var id: Int64
    }
}

/// WooCommerce's `product.*` bodies (the REST API v3 product). Variations of a variable product
/// are not in the body (only their ids): the product is stored as one item by its SKU (else its
/// id, as order lines read).
extension WooCommerceWebhook {
    struct Product: Decodable {
        var id: Int64
        var name: String?
        var permalink: String?
        var sku: String?
        var price: String?
        /// `instock`, `outofstock` or `onbackorder`.
        var stock_status: String?
        /// `publish` is on sale; `draft`, `pending`, `private` are not.
        var status: String?
        var date_modified_gmt: String?
        var categories: [Named]?
        var images: [Image]?

        struct Named: Decodable { var name: String? }
        struct Image: Decodable { var src: String? }

        func data() -> ProductData {
            let sku = sku.flatMap { $0.isEmpty ? nil : $0 } ?? String(id)
            let buyable = (status ?? "publish") == "publish" && (stock_status ?? "instock") != "outofstock"
            return ProductData(
                ref: String(id), name: name ?? "", url: permalink.flatMap { $0.isEmpty ? nil : $0 },
                imageURL: images?.first?.src, category: categories?.first?.name,
                updatedAt: date_modified_gmt.flatMap { Timestamp.parse($0 + "Z") },
                variants: [ProductVariant(sku: sku, price: price.flatMap { $0.isEmpty ? nil : $0 }, inStock: buyable)])
        }
    }
}
