import Foundation
import PatronCore
import PostgresNIO

/// The catalogue (`products`, one row per SKU); a batch of products is one `INSERT … SELECT
/// FROM unnest(…) ON CONFLICT (sku) DO UPDATE`.
extension PostgresTransaction {
    static let productColumns =
        "sku, source, product_ref, name, url, image_url, price_minor, currency, category, in_stock, updated_at"

    static func product(_ row: PostgresRow) throws -> ProductRecord {
        let r = PostgresRowReader(row)
        return ProductRecord(
            sku: try r.text(0), source: try r.text(1), productRef: try r.text(2), name: try r.text(3),
            url: try r.optionalText(4), imageURL: try r.optionalText(5), priceMinor: try r.optionalInt(6),
            currency: try r.optionalText(7).flatMap { CurrencyCode($0) }, category: try r.optionalText(8),
            inStock: try r.row[9].decode(Bool.self), updatedAt: try r.int(10))
    }

    public func products(skus: [String]) throws -> [String: ProductRecord] {
        guard !skus.isEmpty else { return [:] }
        var found: [String: ProductRecord] = [:]
        for row in try session.rows(
            "SELECT \(unescaped: Self.productColumns) FROM products WHERE sku = ANY(\(skus)::text[])")
        {
            let product = try Self.product(row)
            found[product.sku] = product
        }
        return found
    }

    public func products(source: String, productRef: String) throws -> [ProductRecord] {
        try session.rows(
            """
            SELECT \(unescaped: Self.productColumns) FROM products
            WHERE source = \(source) AND product_ref = \(productRef) ORDER BY sku
            """
        ).map(Self.product)
    }

    public func saveProducts(_ products: [ProductRecord]) throws {
        guard !products.isEmpty else { return }
        // A later product with the same SKU wins, as one-by-one saves would leave it.
        var last: [String: Int] = [:]
        for (index, p) in products.enumerated() { last[p.sku] = index }
        let rows = products.enumerated().filter { last[$0.element.sku] == $0.offset }.map(\.element)
        try session.execute(
            """
            INSERT INTO products(\(unescaped: Self.productColumns))
            SELECT * FROM unnest(\(rows.map(\.sku))::text[], \(rows.map(\.source))::text[],
                                 \(rows.map(\.productRef))::text[], \(rows.map(\.name))::text[],
                                 \(PostgresArrayLiteral.text(rows.map(\.url)))::text[],
                                 \(PostgresArrayLiteral.text(rows.map(\.imageURL)))::text[],
                                 \(PostgresArrayLiteral.int(rows.map(\.priceMinor)))::bigint[],
                                 \(PostgresArrayLiteral.text(rows.map { $0.currency?.code }))::text[],
                                 \(PostgresArrayLiteral.text(rows.map(\.category)))::text[],
                                 \(rows.map(\.inStock))::boolean[], \(rows.map(\.updatedAt))::bigint[])
            ON CONFLICT (sku) DO UPDATE SET source = excluded.source, product_ref = excluded.product_ref,
              name = excluded.name, url = excluded.url, image_url = excluded.image_url,
              price_minor = excluded.price_minor, currency = excluded.currency, category = excluded.category,
              in_stock = excluded.in_stock, updated_at = excluded.updated_at
            """)
        try bumpCatalogueVersion()
    }

    /// The version ``catalogueVersion()`` reads, in `meta`, one more in each change.
    func bumpCatalogueVersion() throws {
        try session.execute(
            """
            INSERT INTO meta(key, value) VALUES ('catalogue_version', '1')
            ON CONFLICT (key) DO UPDATE SET value = (meta.value::bigint + 1)::text
            """)
    }

    public func markProductDeleted(source: String, productRef: String, at: Int64) throws {
        try session.execute(
            """
            INSERT INTO product_tombstones(source, product_ref, deleted_at) VALUES (\(source), \(productRef), \(at))
            ON CONFLICT (source, product_ref)
            DO UPDATE SET deleted_at = greatest(product_tombstones.deleted_at, excluded.deleted_at)
            """)
    }

    public func productDeletedAt(source: String, productRef: String) throws -> Int64? {
        try session.value(
            Int64.self,
            "SELECT deleted_at FROM product_tombstones WHERE source = \(source) AND product_ref = \(productRef)")
    }

    public func catalogueVersion() throws -> Int64 {
        try session.value(Int64.self, "SELECT value::bigint FROM meta WHERE key = 'catalogue_version'") ?? 0
    }

    public func removeProducts(skus: [String]) throws {
        guard !skus.isEmpty else { return }
        try session.execute("DELETE FROM products WHERE sku = ANY(\(skus)::text[])")
        try bumpCatalogueVersion()
    }

    public func productCount() throws -> Int {
        Int(try session.value(Int64.self, "SELECT count(*) FROM products") ?? 0)
    }

    public func products(after: String?, limit: Int) throws -> [ProductRecord] {
        try session.rows(
            """
            SELECT \(unescaped: Self.productColumns) FROM products
            WHERE \(after)::text IS NULL OR sku > \(after)::text ORDER BY sku LIMIT \(Int64(max(0, limit)))
            """
        ).map(Self.product)
    }
}
