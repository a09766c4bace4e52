import Foundation

/// A product as a source states it (`product.updated`): the product and all its variants now.
/// Variants stored before that the update no longer lists are removed.
public struct ProductData: Hashable, Sendable {
    /// The source's id for the product.
    public var ref: String
    public var name: String
    public var url: String?
    public var imageURL: String?
    public var category: String?
    /// When the source changed it; defaults to the event time. An update older than what is
    /// stored changes nothing.
    public var updatedAt: Int64?
    public var variants: [ProductVariant]

    public init(
        ref: String, name: String, url: String? = nil, imageURL: String? = nil, category: String? = nil,
        updatedAt: Int64? = nil, variants: [ProductVariant]
    ) {
        self.ref = ref
        self.name = name
        self.url = url
        self.imageURL = imageURL
        self.category = category
        self.updatedAt = updatedAt
        self.variants = variants
    }
}

/// One variant of a ``ProductData``.
public struct ProductVariant: Hashable, Sendable {
    public var sku: String
    /// The variant's own title (`"Blue / L"`), if it has one worth showing.
    public var name: String?
    /// The price as the source writes it (`"19.99"`): read in `currency`, or else in the
    /// store's reporting currency; left unknown when neither is known.
    public var price: String?
    public var currency: CurrencyCode?
    public var inStock: Bool
    /// Overrides the product's image and page.
    public var imageURL: String?
    public var url: String?

    public init(
        sku: String, name: String? = nil, price: String? = nil, currency: CurrencyCode? = nil, inStock: Bool = true,
        imageURL: String? = nil, url: String? = nil
    ) {
        self.sku = sku
        self.name = name
        self.price = price
        self.currency = currency
        self.inStock = inStock
        self.imageURL = imageURL
        self.url = url
    }
}
