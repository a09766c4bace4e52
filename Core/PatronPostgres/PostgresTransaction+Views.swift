import Foundation
import PatronCore
import PostgresNIO

/// Product views (`product_views`), their totals (`product_view_totals`) and visitor links
/// (`visitors`); a batch of views is one insert from arrays and one totals upsert.
extension PostgresTransaction {
    public func recordViews(_ views: [ProductView]) throws {
        guard !views.isEmpty else { return }
        try session.execute(
            """
            INSERT INTO product_views(customer_id, visitor_id, sku, at)
            SELECT customer_id, visitor_id, sku, at FROM unnest(\(PostgresArrayLiteral.int(views.map { $0.customerID?.rawValue }))::bigint[],
                                 \(PostgresArrayLiteral.text(views.map(\.visitorID)))::text[],
                                 \(views.map(\.sku))::text[], \(views.map(\.at))::bigint[])
                 WITH ORDINALITY AS v(customer_id, visitor_id, sku, at, n) ORDER BY n
            """)
        let known = views.filter { $0.customerID != nil }
        try addToTotals(known.map { $0.customerID!.rawValue }, known.map(\.sku), known.map(\.at))
    }

    /// Counts views into the totals, grouped first (an upsert may touch a row once).
    func addToTotals(_ customers: [Int64], _ skus: [String], _ times: [Int64]) throws {
        guard !customers.isEmpty else { return }
        try session.execute(
            """
            INSERT INTO product_view_totals AS t(customer_id, sku, views, first_at, last_at)
            SELECT c, s, count(*), min(a), max(a) FROM unnest(\(customers)::bigint[], \(skus)::text[], \(times)::bigint[])
              AS v(c, s, a) GROUP BY c, s
            ON CONFLICT (customer_id, sku) DO UPDATE SET views = t.views + excluded.views,
              first_at = least(t.first_at, excluded.first_at), last_at = greatest(t.last_at, excluded.last_at)
            """)
    }

    public func visitorCustomers(_ visitors: [String]) throws -> [String: CustomerID] {
        guard !visitors.isEmpty else { return [:] }
        var found: [String: CustomerID] = [:]
        for row in try session.rows(
            "SELECT visitor_id, customer_id FROM visitors WHERE visitor_id = ANY(\(visitors)::text[])")
        {
            let r = PostgresRowReader(row)
            found[try r.text(0)] = CustomerID(try r.int(1))
        }
        return found
    }

    public func linkVisitor(_ visitor: String, to customer: CustomerID, at: Int64) throws -> Int {
        try session.execute(
            """
            INSERT INTO visitors(visitor_id, customer_id, linked_at) VALUES (\(visitor), \(customer.rawValue), \(at))
            ON CONFLICT (visitor_id) DO UPDATE SET customer_id = excluded.customer_id, linked_at = excluded.linked_at
            """)
        let given = try session.rows(
            """
            UPDATE product_views SET customer_id = \(customer.rawValue)
            WHERE visitor_id = \(visitor) AND customer_id IS NULL RETURNING sku, at
            """)
        var skus: [String] = []
        var times: [Int64] = []
        for row in given {
            let r = PostgresRowReader(row)
            skus.append(try r.text(0))
            times.append(try r.int(1))
        }
        try addToTotals(Array(repeating: customer.rawValue, count: skus.count), skus, times)
        return skus.count
    }

    public func forgetVisitor(_ visitor: String) throws -> Int {
        try session.execute("DELETE FROM visitors WHERE visitor_id = \(visitor)")
        return try session.execute("DELETE FROM product_views WHERE visitor_id = \(visitor) AND customer_id IS NULL")
    }

    public func views(of customer: CustomerID) throws -> [ProductView] {
        try session.rows(
            """
            SELECT visitor_id, sku, at FROM product_views WHERE customer_id = \(customer.rawValue) ORDER BY at, sku, id
            """
        ).map { row in
            let r = PostgresRowReader(row)
            return ProductView(
                customerID: customer, visitorID: try r.optionalText(0), sku: try r.text(1), at: try r.int(2))
        }
    }

    public func viewTotals(of customer: CustomerID) throws -> [ViewTotal] {
        try session.rows(
            """
            SELECT sku, views, first_at, last_at FROM product_view_totals WHERE customer_id = \(customer.rawValue)
            ORDER BY sku
            """
        ).map { row in
            let r = PostgresRowReader(row)
            return ViewTotal(sku: try r.text(0), views: Int(try r.int(1)), firstAt: try r.int(2), lastAt: try r.int(3))
        }
    }

    public func pruneViews(before: Int64) throws -> Int {
        try session.execute("DELETE FROM product_views WHERE at < \(before)")
    }

    public func eraseViews(of customer: CustomerID) throws {
        for table in ["product_views", "product_view_totals", "visitors"] {
            try session.execute("DELETE FROM \(unescaped: table) WHERE customer_id = \(customer.rawValue)")
        }
    }
}
