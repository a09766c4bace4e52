import Foundation

/// What the catalogue allows a recommendation list to hold: with a catalogue in the store, only
/// SKUs it knows and has in stock, and never another variant of a product the customer bought
/// (or of the product asked about): suggestions are complementary. A store without a catalogue
/// filters nothing.
public struct CatalogueFilter: Sendable {
    /// The catalogue's products among the SKUs read.
    public var products: [String: ProductRecord]
    /// Whether the store has a catalogue at all.
    public var active: Bool
    /// The products (source and ref) whose variants are left out.
    var excludedProducts: Set<ProductKey>

    /// Filters nothing.
    public static let none = CatalogueFilter(products: [:], active: false, excludedProducts: [])

    /// Reads the catalogue for `candidates` (what may be suggested) and `owned` (SKUs whose
    /// products' other variants are left out).
    public static func read<T: CatalogueTransaction>(in t: T, candidates: some Sequence<String>, owned: [String])
        throws -> CatalogueFilter
    {
        guard try !t.products(after: nil, limit: 1).isEmpty else { return .none }
        let products = try t.products(skus: Array(Set(candidates).union(owned)))
        return CatalogueFilter(
            products: products, active: true,
            excludedProducts: Set(owned.compactMap { products[$0].map(Self.productKey) }))
    }

    /// A product: its source and its ref there.
    struct ProductKey: Hashable {
        var source: String
        var ref: String
    }

    static func productKey(_ product: ProductRecord) -> ProductKey {
        ProductKey(source: product.source, ref: product.productRef)
    }

    /// Whether `sku` may be suggested.
    public func admits(_ sku: String) -> Bool {
        guard active else { return true }
        guard let product = products[sku], product.inStock else { return false }
        return !excludedProducts.contains(Self.productKey(product))
    }

    /// The list with only the first (best) variant of each product.
    public func oneVariantEach(_ list: [Recommendation]) -> [Recommendation] {
        var seen: Set<ProductKey> = []
        return list.filter { item in
            guard let product = products[item.sku] else { return true }
            return seen.insert(Self.productKey(product)).inserted
        }
    }
}
