import Foundation

/// What a store keeps of product views, inside its transactions. ``StoreTransaction`` includes
/// it, so every store keeps it.
///
/// An implementer keeps: a view with a customer counts in that customer's totals when recorded;
/// an anonymous view counts when its visitor is linked (and moves to the customer); pruning
/// removes raw views only, never totals; a merge (``StoreTransaction/reassign(from:into:at:)``)
/// moves views, totals (summed) and visitor links to the survivor; erasure removes all three.
/// Checked by the store conformance kit's `views` rule.
public protocol ViewTransaction {
    /// Stores views, in order.
    func recordViews(_ views: [ProductView]) throws
    /// The customers these visitors were linked to (visitors never linked are left out).
    func visitorCustomers(_ visitors: [String]) throws -> [String: CustomerID]
    /// Links a visitor to a customer from now on (a later link to another customer replaces it)
    /// and gives the customer the visitor's anonymous views. Returns how many views it gave.
    func linkVisitor(_ visitor: String, to customer: CustomerID, at: Int64) throws -> Int
    /// Removes a visitor's anonymous views and its link (consent withdrawn). Returns how many
    /// views it removed.
    func forgetVisitor(_ visitor: String) throws -> Int
    /// The customer's views, oldest first (ties by SKU).
    func views(of customer: CustomerID) throws -> [ProductView]
    /// The customer's totals per SKU, by SKU.
    func viewTotals(of customer: CustomerID) throws -> [ViewTotal]
    /// Removes raw views before `before` (totals stay). Returns how many.
    func pruneViews(before: Int64) throws -> Int
    /// Removes the customer's views, totals and visitor links (erasure).
    func eraseViews(of customer: CustomerID) throws
}
