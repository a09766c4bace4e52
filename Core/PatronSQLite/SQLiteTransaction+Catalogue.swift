import Foundation
import GRDB
import PatronCore

/// The catalogue (`products`, one row per SKU).
extension SQLiteTransaction {
    static let productColumns =
        "sku, source, product_ref, name, url, image_url, price_minor, currency, category, in_stock, updated_at"

    static func product(_ row: Row) -> ProductRecord {
        ProductRecord(
            sku: row[0], source: row[1], productRef: row[2], name: row[3], url: row[4], imageURL: row[5],
            priceMinor: row[6], currency: (row[7] as String?).flatMap { CurrencyCode($0) }, category: row[8],
            inStock: row[9], updatedAt: row[10])
    }

    public func products(skus: [String]) throws -> [String: ProductRecord] {
        guard !skus.isEmpty else { return [:] }
        let rows = try Row.fetchAll(
            try statement(
                "SELECT \(Self.productColumns) FROM products WHERE sku IN (SELECT value FROM json_each(?))"),
            arguments: [SQLiteStore.jsonStrings(skus)])
        return Dictionary(rows.lazy.map(Self.product).map { ($0.sku, $0) }, uniquingKeysWith: { a, _ in a })
    }

    public func products(source: String, productRef: String) throws -> [ProductRecord] {
        try Row.fetchAll(
            try statement(
                "SELECT \(Self.productColumns) FROM products WHERE source = ? AND product_ref = ? ORDER BY sku"),
            arguments: [source, productRef]
        ).map(Self.product)
    }

    public func saveProducts(_ products: [ProductRecord]) throws {
        let insert = try statement(
            "INSERT OR REPLACE INTO products(\(Self.productColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        for p in products {
            try insert.execute(arguments: [
                p.sku, p.source, p.productRef, p.name, p.url, p.imageURL, p.priceMinor, p.currency?.code, p.category,
                p.inStock, p.updatedAt,
            ])
        }
        try bumpCatalogueVersion()
    }

    /// The version ``catalogueVersion()`` reads, in `meta`, one more in each change.
    func bumpCatalogueVersion() throws {
        try run(
            """
            INSERT INTO meta(key, value) VALUES ('catalogue_version', '1')
            ON CONFLICT(key) DO UPDATE SET value = CAST(CAST(meta.value AS INTEGER) + 1 AS TEXT)
            """, [])
    }

    public func markProductDeleted(source: String, productRef: String, at: Int64) throws {
        try run(
            """
            INSERT INTO product_tombstones(source, product_ref, deleted_at) VALUES (?, ?, ?)
            ON CONFLICT(source, product_ref) DO UPDATE SET deleted_at = max(deleted_at, excluded.deleted_at)
            """, [source, productRef, at])
    }

    public func productDeletedAt(source: String, productRef: String) throws -> Int64? {
        try Int64.fetchOne(
            try statement("SELECT deleted_at FROM product_tombstones WHERE source = ? AND product_ref = ?"),
            arguments: [source, productRef])
    }

    public func catalogueVersion() throws -> Int64 {
        try Int64.fetchOne(
            try statement("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'catalogue_version'")) ?? 0
    }

    public func removeProducts(skus: [String]) throws {
        guard !skus.isEmpty else { return }
        try run("DELETE FROM products WHERE sku IN (SELECT value FROM json_each(?))", [SQLiteStore.jsonStrings(skus)])
        try bumpCatalogueVersion()
    }

    public func productCount() throws -> Int {
        try Int.fetchOne(try statement("SELECT count(*) FROM products")) ?? 0
    }

    public func products(after: String?, limit: Int) throws -> [ProductRecord] {
        try Row.fetchAll(
            try statement(
                "SELECT \(Self.productColumns) FROM products WHERE ? IS NULL OR sku > ? ORDER BY sku LIMIT ?"),
            arguments: [after, after, max(0, limit)]
        ).map(Self.product)
    }
}
