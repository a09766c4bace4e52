import Foundation

/// What a store keeps of the shop's catalogue, inside its transactions. ``StoreTransaction``
/// includes it, so every store keeps it.
///
/// An implementer keeps: SKUs are unique and compared as bytes; ``saveProducts(_:)`` replaces a
/// stored product with the same SKU whole (all fields, as given); what comes back equals what
/// was saved. Checked by the store conformance kit's `catalogue` rule.
public protocol CatalogueTransaction {
    /// The stored products among these SKUs.
    func products(skus: [String]) throws -> [String: ProductRecord]
    /// The stored variants of one product of a source, in SKU order.
    func products(source: String, productRef: String) throws -> [ProductRecord]
    /// Stores products; one whose SKU is stored replaces it.
    func saveProducts(_ products: [ProductRecord]) throws
    /// Removes the products with these SKUs (unknown ones are ignored).
    func removeProducts(skus: [String]) throws
    /// How many products are stored.
    func productCount() throws -> Int
    /// A page of the catalogue in SKU order, after `after` (exclusive; `nil`: from the start).
    func products(after: String?, limit: Int) throws -> [ProductRecord]
    /// Remembers that the product was deleted at `at` (a later time replaces an earlier one;
    /// an earlier one changes nothing).
    func markProductDeleted(source: String, productRef: String, at: Int64) throws
    /// When the product was last deleted (``markProductDeleted(source:productRef:at:)``); `nil`
    /// when never.
    func productDeletedAt(source: String, productRef: String) throws -> Int64?
    /// A number that changes whenever the catalogue may have: an implementer changes it in every
    /// transaction that saves or removes products, with the products (a rolled-back transaction
    /// leaves it as before). A server holding the catalogue in memory (``CatalogueSnapshot``)
    /// reads it again when this differs. 0 for a store that never had a product.
    func catalogueVersion() throws -> Int64
}
