import Foundation
import GRDB
import GRDBSQLite
import PatronCore

/// The learnt recommendation model (`recommendation_neighbours`, `recommendation_popular`,
/// `recommendation_model`), replaced whole in the transaction.
extension SQLiteTransaction {
    public func replaceRecommendationModel(_ model: StoredRecommendationModel) throws {
        try db.execute(
            sql:
                "DELETE FROM recommendation_neighbours; DELETE FROM recommendation_popular; DELETE FROM recommendation_model"
        )
        let insert = try db.cachedStatement(
            sql: "INSERT INTO recommendation_neighbours(sku, rank, neighbour, score, together) VALUES (?, ?, ?, ?, ?)")
        for sku in model.neighbours.keys.sorted() {
            for (rank, neighbour) in model.neighbours[sku]!.enumerated() {
                try insert.execute(arguments: [sku, rank, neighbour.sku, neighbour.score, neighbour.together])
            }
        }
        let popular = try db.cachedStatement(
            sql: "INSERT INTO recommendation_popular(rank, sku, score, buyers) VALUES (?, ?, ?, ?)")
        for (rank, item) in model.popular.enumerated() {
            try popular.execute(arguments: [rank, item.sku, item.score, item.together])
        }
        let info = model.info
        try run(
            "INSERT INTO recommendation_model(id, as_of, built_at, lines, customers, options) VALUES (1, ?, ?, ?, ?, ?)",
            [info.asOf, info.builtAt, info.lines, info.customers, info.options.text])
    }

    public func recommendationModelInfo() throws -> RecommendationModelInfo? {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT as_of, built_at, lines, customers, options FROM recommendation_model WHERE id = 1")
        else { return nil }
        guard let options = CoPurchaseModel.Options(text: row[4]) else {
            throw PatronError(.storeFailure, "the stored recommendation model's settings are unreadable")
        }
        return RecommendationModelInfo(
            asOf: row[0], builtAt: row[1], lines: row[2], customers: row[3], options: options)
    }

    public func recommendationNeighbours(of skus: [String]) throws -> [String: [CoPurchaseModel.Neighbour]] {
        guard !skus.isEmpty else { return [:] }
        var found: [String: [CoPurchaseModel.Neighbour]] = [:]
        let rows = try Row.fetchCursor(
            try statement(
                """
                SELECT sku, neighbour, score, together FROM recommendation_neighbours
                WHERE sku IN (SELECT value FROM json_each(?)) ORDER BY sku, rank
                """), arguments: [SQLiteStore.jsonStrings(skus)])
        while let row = try rows.next() {
            found[row[0], default: []].append(
                CoPurchaseModel.Neighbour(sku: row[1], score: row[2], together: row[3]))
        }
        return found
    }

    public func popularSKUs(limit: Int) throws -> [CoPurchaseModel.Neighbour] {
        try Row.fetchAll(
            try statement("SELECT sku, score, buyers FROM recommendation_popular ORDER BY rank LIMIT ?"),
            arguments: [max(0, limit)]
        ).map { CoPurchaseModel.Neighbour(sku: $0[0], score: $0[1], together: $0[2]) }
    }

    public func purchases(of customer: CustomerID) throws -> [PurchaseLine] {
        let statement = try statement(
            """
            SELECT o.placed_at, l.sku FROM orders o JOIN order_lines l ON l.order_id = o.id
            WHERE o.customer_id = ? AND o.status != 'cancelled' ORDER BY o.placed_at, l.sku
            """)
        statement.setUncheckedArguments([customer.rawValue])
        var lines: [PurchaseLine] = []
        try RawStatement(statement, db: db).forEachRow { handle in
            lines.append(
                PurchaseLine(
                    customerID: customer, sku: RawStatement.text(handle, 1) ?? "",
                    placedAt: sqlite3_column_int64(handle, 0)))
        }
        return lines
    }

    public func forEachRecommendationNeighbours(_ body: (String, [CoPurchaseModel.Neighbour]) throws -> Void) throws {
        let rows = try Row.fetchCursor(
            try statement("SELECT sku, neighbour, score, together FROM recommendation_neighbours ORDER BY sku, rank"))
        var current: String?
        var list: [CoPurchaseModel.Neighbour] = []
        while let row = try rows.next() {
            let sku: String = row[0]
            if sku != current {
                if let current { try body(current, list) }
                current = sku
                list.removeAll(keepingCapacity: true)
            }
            list.append(CoPurchaseModel.Neighbour(sku: row[1], score: row[2], together: row[3]))
        }
        if let current { try body(current, list) }
    }
}
