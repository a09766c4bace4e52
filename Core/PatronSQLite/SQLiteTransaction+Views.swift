import Foundation
import GRDB
import PatronCore

/// Product views (`product_views`), their totals (`product_view_totals`) and visitor links
/// (`visitors`).
extension SQLiteTransaction {
    public func recordViews(_ views: [ProductView]) throws {
        guard !views.isEmpty else { return }
        let insert = try statement("INSERT INTO product_views(customer_id, visitor_id, sku, at) VALUES (?, ?, ?, ?)")
        let total = try statement(Self.countView)
        for view in views {
            try insert.execute(arguments: [view.customerID?.rawValue, view.visitorID, view.sku, view.at])
            if let customer = view.customerID {
                try total.execute(arguments: [customer.rawValue, view.sku, view.at, view.at])
            }
        }
    }

    static let countView = """
        INSERT INTO product_view_totals(customer_id, sku, views, first_at, last_at) VALUES (?, ?, 1, ?, ?)
        ON CONFLICT (customer_id, sku) DO UPDATE SET views = views + 1,
          first_at = min(first_at, excluded.first_at), last_at = max(last_at, excluded.last_at)
        """

    public func visitorCustomers(_ visitors: [String]) throws -> [String: CustomerID] {
        guard !visitors.isEmpty else { return [:] }
        var found: [String: CustomerID] = [:]
        for row in try Row.fetchAll(
            try statement(
                "SELECT visitor_id, customer_id FROM visitors WHERE visitor_id IN (SELECT value FROM json_each(?))"),
            arguments: [SQLiteStore.jsonStrings(visitors)])
        {
            found[row[0]] = CustomerID(rawValue: row[1])
        }
        return found
    }

    public func linkVisitor(_ visitor: String, to customer: CustomerID, at: Int64) throws -> Int {
        try run(
            """
            INSERT INTO visitors(visitor_id, customer_id, linked_at) VALUES (?, ?, ?)
            ON CONFLICT (visitor_id) DO UPDATE SET customer_id = excluded.customer_id, linked_at = excluded.linked_at
            """, [visitor, customer.rawValue, at])
        let anonymous = try Row.fetchAll(
            try statement("SELECT id, sku, at FROM product_views WHERE visitor_id = ? AND customer_id IS NULL"),
            arguments: [visitor])
        guard !anonymous.isEmpty else { return 0 }
        try run(
            "UPDATE product_views SET customer_id = ? WHERE visitor_id = ? AND customer_id IS NULL",
            [customer.rawValue, visitor])
        let total = try statement(Self.countView)
        for row in anonymous {
            try total.execute(arguments: [customer.rawValue, row[1] as String, row[2] as Int64, row[2] as Int64])
        }
        return anonymous.count
    }

    public func forgetVisitor(_ visitor: String) throws -> Int {
        try run("DELETE FROM visitors WHERE visitor_id = ?", [visitor])
        try run("DELETE FROM product_views WHERE visitor_id = ? AND customer_id IS NULL", [visitor])
        return db.changesCount
    }

    public func views(of customer: CustomerID) throws -> [ProductView] {
        try Row.fetchAll(
            try statement(
                "SELECT visitor_id, sku, at FROM product_views WHERE customer_id = ? ORDER BY at, sku, id"),
            arguments: [customer.rawValue]
        ).map { ProductView(customerID: customer, visitorID: $0[0], sku: $0[1], at: $0[2]) }
    }

    public func viewTotals(of customer: CustomerID) throws -> [ViewTotal] {
        try Row.fetchAll(
            try statement(
                "SELECT sku, views, first_at, last_at FROM product_view_totals WHERE customer_id = ? ORDER BY sku"),
            arguments: [customer.rawValue]
        ).map { ViewTotal(sku: $0[0], views: $0[1], firstAt: $0[2], lastAt: $0[3]) }
    }

    public func pruneViews(before: Int64) throws -> Int {
        try run("DELETE FROM product_views WHERE at < ?", [before])
        return db.changesCount
    }

    public func eraseViews(of customer: CustomerID) throws {
        for table in ["product_views", "product_view_totals", "visitors"] {
            try run("DELETE FROM \(table) WHERE customer_id = ?", [customer.rawValue])
        }
    }
}
