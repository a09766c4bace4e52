import Foundation

/// One sellable item of the shop's catalogue as the store keeps it: a variant, by its SKU (the
/// SKU order lines carry). Variants of one product share their `source` and `productRef`, which
/// is how recommendations tell "the same product in another size" from a complementary item.
public struct ProductRecord: Hashable, Sendable {
    /// The SKU (unique in the store; compared as bytes).
    public var sku: String
    /// The system the product comes from (`"shopify"`, `"woocommerce"`, a CSV's source).
    public var source: String
    /// The source's id of the product the variant belongs to.
    public var productRef: String
    /// What a customer reads: the product's title, and the variant's when it has one
    /// (`"Mug — Blue"`).
    public var name: String
    /// The product page.
    public var url: String?
    public var imageURL: String?
    /// The price in minor units of `currency`; `nil` when the source gave none (or gave it in no
    /// known currency).
    public var priceMinor: Int64?
    public var currency: CurrencyCode?
    public var category: String?
    /// Whether it can be bought now: recommendations never suggest one that cannot.
    public var inStock: Bool
    /// When the source last changed it (an older update is ignored).
    public var updatedAt: Int64

    public init(
        sku: String, source: String, productRef: String, name: String, url: String? = nil, imageURL: String? = nil,
        priceMinor: Int64? = nil, currency: CurrencyCode? = nil, category: String? = nil, inStock: Bool = true,
        updatedAt: Int64
    ) {
        self.sku = sku
        self.source = source
        self.productRef = productRef
        self.name = name
        self.url = url
        self.imageURL = imageURL
        self.priceMinor = priceMinor
        self.currency = currency
        self.category = category
        self.inStock = inStock
        self.updatedAt = updatedAt
    }

    /// The price as money, when both parts are known.
    public var price: Money? {
        guard let priceMinor, let currency else { return nil }
        return Money(minorUnits: priceMinor, currency: currency)
    }
}
