import Foundation

extension InMemoryStore.Transaction {
    public func products(skus: [String]) throws -> [String: ProductRecord] {
        var found: [String: ProductRecord] = [:]
        for sku in skus { found[sku] = state.products[sku] }
        return found
    }

    public func products(source: String, productRef: String) throws -> [ProductRecord] {
        state.products.values.filter { $0.source == source && $0.productRef == productRef }
            .sorted { Self.bytesBefore($0.sku, $1.sku) }
    }

    public func saveProducts(_ products: [ProductRecord]) throws {
        for product in products { state.products[product.sku] = product }
        state.catalogueVersion += 1
    }

    public func removeProducts(skus: [String]) throws {
        for sku in skus { state.products[sku] = nil }
        state.catalogueVersion += 1
    }

    public func catalogueVersion() throws -> Int64 { state.catalogueVersion }

    public func markProductDeleted(source: String, productRef: String, at: Int64) throws {
        let key = source + "\u{1F}" + productRef
        state.productTombstones[key] = max(state.productTombstones[key] ?? .min, at)
    }

    public func productDeletedAt(source: String, productRef: String) throws -> Int64? {
        state.productTombstones[source + "\u{1F}" + productRef]
    }

    public func productCount() throws -> Int { state.products.count }

    public func products(after: String?, limit: Int) throws -> [ProductRecord] {
        let sorted = state.products.values.filter { after == nil || Self.bytesBefore(after!, $0.sku) }
            .sorted { Self.bytesBefore($0.sku, $1.sku) }
        return Array(sorted.prefix(max(0, limit)))
    }

    /// SKUs compare as bytes, as SQLite's and PostgreSQL's `COLLATE "C"` do.
    static func bytesBefore(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}
