import Foundation
import PatronCore
import PostgresNIO

/// The learnt recommendation model (`recommendation_neighbours`, `recommendation_popular`,
/// `recommendation_model`), replaced whole in the transaction; rows go in by arrays, 10,000 at a
/// time.
extension PostgresTransaction {
    public func replaceRecommendationModel(_ model: StoredRecommendationModel) throws {
        try session.execute("DELETE FROM recommendation_neighbours")
        try session.execute("DELETE FROM recommendation_popular")
        try session.execute("DELETE FROM recommendation_model")
        var rows: [(String, Int64, CoPurchaseModel.Neighbour)] = []
        for sku in model.neighbours.keys.sorted() {
            for (rank, neighbour) in model.neighbours[sku]!.enumerated() { rows.append((sku, Int64(rank), neighbour)) }
        }
        var start = 0
        while start < rows.count {
            let chunk = rows[start..<min(start + 10_000, rows.count)]
            try session.execute(
                """
                INSERT INTO recommendation_neighbours(sku, rank, neighbour, score, together)
                SELECT * FROM unnest(\(chunk.map(\.0))::text[], \(chunk.map { $0.1 })::bigint[],
                                     \(chunk.map(\.2.sku))::text[], \(chunk.map(\.2.score))::float8[],
                                     \(chunk.map { Int64($0.2.together) })::bigint[])
                """)
            start += 10_000
        }
        let popular = model.popular
        if !popular.isEmpty {
            try session.execute(
                """
                INSERT INTO recommendation_popular(rank, sku, score, buyers)
                SELECT * FROM unnest(\((0..<Int64(popular.count)).map { $0 })::bigint[], \(popular.map(\.sku))::text[],
                                     \(popular.map(\.score))::float8[], \(popular.map { Int64($0.together) })::bigint[])
                """)
        }
        let info = model.info
        try session.execute(
            """
            INSERT INTO recommendation_model(id, as_of, built_at, lines, customers, options)
            VALUES (1, \(info.asOf), \(info.builtAt), \(Int64(info.lines)), \(Int64(info.customers)), \(info.options.text))
            """)
    }

    public func recommendationModelInfo() throws -> RecommendationModelInfo? {
        guard
            let row = try session.rows(
                "SELECT as_of, built_at, lines, customers, options FROM recommendation_model WHERE id = 1"
            ).first
        else { return nil }
        let r = PostgresRowReader(row)
        guard let options = CoPurchaseModel.Options(text: try r.text(4)) else {
            throw PatronError(.storeFailure, "the stored recommendation model's settings are unreadable")
        }
        return RecommendationModelInfo(
            asOf: try r.int(0), builtAt: try r.int(1), lines: Int(try r.int(2)), customers: Int(try r.int(3)),
            options: options)
    }

    public func recommendationNeighbours(of skus: [String]) throws -> [String: [CoPurchaseModel.Neighbour]] {
        guard !skus.isEmpty else { return [:] }
        var found: [String: [CoPurchaseModel.Neighbour]] = [:]
        for row in try session.rows(
            """
            SELECT sku, neighbour, score, together FROM recommendation_neighbours
            WHERE sku = ANY(\(skus)::text[]) ORDER BY sku, rank
            """)
        {
            let r = PostgresRowReader(row)
            found[try r.text(0), default: []].append(
                CoPurchaseModel.Neighbour(
                    sku: try r.text(1), score: try r.double(2), together: Int(try r.int(3))))
        }
        return found
    }

    public func popularSKUs(limit: Int) throws -> [CoPurchaseModel.Neighbour] {
        try session.rows(
            "SELECT sku, score, buyers FROM recommendation_popular ORDER BY rank LIMIT \(Int64(max(0, limit)))"
        ).map { row in
            let r = PostgresRowReader(row)
            return CoPurchaseModel.Neighbour(
                sku: try r.text(0), score: try r.double(1), together: Int(try r.int(2)))
        }
    }

    public func purchases(of customer: CustomerID) throws -> [PurchaseLine] {
        try session.rows(
            """
            SELECT o.placed_at, l.sku FROM orders o JOIN order_lines l ON l.order_id = o.id
            WHERE o.customer_id = \(customer.rawValue) AND o.status <> 'cancelled' ORDER BY o.placed_at, l.sku
            """
        ).map { row in
            let r = PostgresRowReader(row)
            return PurchaseLine(customerID: customer, sku: try r.text(1), placedAt: try r.int(0))
        }
    }

    public func forEachRecommendationNeighbours(_ body: (String, [CoPurchaseModel.Neighbour]) throws -> Void) throws {
        var current: String?
        var list: [CoPurchaseModel.Neighbour] = []
        for row in try session.rows(
            "SELECT sku, neighbour, score, together FROM recommendation_neighbours ORDER BY sku, rank")
        {
            let r = PostgresRowReader(row)
            let sku = try r.text(0)
            if sku != current {
                if let current { try body(current, list) }
                current = sku
                list.removeAll(keepingCapacity: true)
            }
            list.append(
                CoPurchaseModel.Neighbour(sku: try r.text(1), score: try r.double(2), together: Int(try r.int(3))))
        }
        if let current { try body(current, list) }
    }
}
