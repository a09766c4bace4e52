import Foundation

/// The whole catalogue held in memory, with the store's ``CatalogueTransaction/catalogueVersion()``
/// when it was read: a server answering many recommendation requests reads the catalogue once
/// and again only when the version differs, instead of once per request.
public struct CatalogueSnapshot: Sendable {
    /// The store's catalogue version the products were read at.
    public let version: Int64
    /// Every product, by SKU.
    public let products: [String: ProductRecord]

    public init(version: Int64, products: [String: ProductRecord]) {
        self.version = version
        self.products = products
    }

    /// Reads the whole catalogue, page by page, inside one transaction (so version and products
    /// agree).
    public static func load<T: CatalogueTransaction>(in t: T, pageSize: Int = 10_000) throws -> CatalogueSnapshot {
        let version = try t.catalogueVersion()
        var products: [String: ProductRecord] = [:]
        var after: String?
        while true {
            let page = try t.products(after: after, limit: pageSize)
            for product in page { products[product.sku] = product }
            guard page.count == pageSize, let last = page.last else { break }
            after = last.sku
        }
        return CatalogueSnapshot(version: version, products: products)
    }
}

extension CatalogueFilter {
    /// The filter from a held catalogue: `owned` as in ``read(in:candidates:owned:)``.
    public init(snapshot: CatalogueSnapshot, owned: some Sequence<String>) {
        let products = snapshot.products
        self.init(
            products: products, active: !products.isEmpty,
            excludedProducts: Set(owned.compactMap { products[$0].map(Self.productKey) }))
    }
}
