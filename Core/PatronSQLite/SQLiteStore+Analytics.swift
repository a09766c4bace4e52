import Foundation
import GRDB
import GRDBSQLite
import PatronCore

extension SQLiteStore {
    /// Reads RFM inputs. When `asOf` is on or after the last order and there is no window, the
    /// per-customer aggregates answer alone (one pass over customers, no order is read);
    /// otherwise the orders are grouped in SQL.
    public func rfmFacts(asOf: Day, windowDays: Int?) throws -> [RFMFact] {
        try writer.read { db in
            let lastOrderAt = try Int64.fetchOne(db, sql: "SELECT max(last_order_at) FROM customers") ?? nil
            let end = (asOf + 1).epochSeconds
            var facts: [RFMFact] = []
            facts.reserveCapacity(
                try Int.fetchOne(db, sql: "SELECT count(*) FROM customers WHERE order_count > 0") ?? 0)
            if windowDays == nil, let lastOrderAt, lastOrderAt < end {
                // The hot path of `patron rfm`: step the statement directly, one fact per row.
                let statement = try db.makeStatement(
                    sql: """
                        SELECT id, primary_ref, last_order_at, order_count, revenue_minor
                        FROM customers WHERE last_order_at IS NOT NULL ORDER BY id
                        """)
                facts += try RawStatement(statement, db: db).rows({ _ in }) { handle in
                    let id = sqlite3_column_int64(handle, 0)
                    return RFMFact(
                        customerID: CustomerID(id),
                        key: RawStatement.text(handle, 1) ?? CustomerID(id).reportKey,
                        recencyDays: asOf - Day(epochSeconds: sqlite3_column_int64(handle, 2)),
                        frequency: Int(sqlite3_column_int64(handle, 3)), monetaryMinor: sqlite3_column_int64(handle, 4))
                }
                return facts
            }
            let windowStart = windowDays.map { (asOf - ($0 - 1)).epochSeconds } ?? Int64.min
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT o.customer_id, c.primary_ref, max(o.placed_at),
                           sum(o.placed_at >= :start),
                           sum(CASE WHEN o.placed_at >= :start THEN o.total_minor - o.refunded_minor ELSE 0 END)
                    FROM orders o JOIN customers c ON c.id = o.customer_id
                    WHERE o.status != 'cancelled' AND o.placed_at < :end
                    GROUP BY o.customer_id ORDER BY o.customer_id
                    """, arguments: ["start": windowStart, "end": end])
            while let row = try rows.next() {
                let id: Int64 = row[0]
                let last: Int64 = row[2]
                facts.append(
                    RFMFact(
                        customerID: CustomerID(id), key: row[1] ?? CustomerID(id).reportKey,
                        recencyDays: asOf - Day(epochSeconds: last),
                        frequency: row[3], monetaryMinor: row[4]))
            }
            return facts
        }
    }

    /// Through the C API: 10M lines are read in a few seconds, decoding only what is used.
    public func forEachPurchase(before: Int64, _ body: (PurchaseLine) throws -> Void) throws {
        try writer.read { db in
            let statement = try db.makeStatement(
                sql: """
                    SELECT o.customer_id, o.placed_at, l.sku FROM orders o JOIN order_lines l ON l.order_id = o.id
                    WHERE o.status != 'cancelled' AND o.placed_at < ? ORDER BY o.customer_id, o.placed_at, l.sku
                    """)
            sqlite3_bind_int64(statement.sqliteStatement, 1, before)
            try RawStatement(statement, db: db).forEachRow { handle in
                try body(
                    PurchaseLine(
                        customerID: CustomerID(sqlite3_column_int64(handle, 0)),
                        sku: RawStatement.text(handle, 2) ?? "", placedAt: sqlite3_column_int64(handle, 1)))
            }
        }
    }

    public func forEachOrderFact(through: Day, _ body: (OrderFact) throws -> Void) throws {
        try writer.read { db in
            let statement = try db.makeStatement(
                sql: """
                    SELECT customer_id, placed_at, total_minor - refunded_minor FROM orders
                    WHERE status != 'cancelled' AND placed_at < ? ORDER BY customer_id, placed_at
                    """)
            sqlite3_bind_int64(statement.sqliteStatement, 1, (through + 1).epochSeconds)
            try RawStatement(statement, db: db).forEachRow { handle in
                try body(
                    OrderFact(
                        customerID: CustomerID(sqlite3_column_int64(handle, 0)),
                        placedAt: sqlite3_column_int64(handle, 1),
                        netMinor: sqlite3_column_int64(handle, 2)))
            }
        }
    }

    public func orderSpan() throws -> ClosedRange<Day>? {
        try writer.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT min(first_order_at), max(last_order_at) FROM customers"),
                let first = row[0] as Int64?, let last = row[1] as Int64?
            else { return nil }
            return Day(epochSeconds: first)...Day(epochSeconds: last)
        }
    }

    public func customerCount(createdThrough day: Day?) throws -> Int {
        try writer.read { db in
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM customers WHERE created_at < ?",
                arguments: [day.map { ($0 + 1).epochSeconds } ?? Int64.max]) ?? 0
        }
    }

    public func latestSnapshotMoves() throws -> SnapshotMoves? {
        try writer.read { db in
            let heads = try Row.fetchAll(
                db, sql: "SELECT id, as_of, parameters FROM rfm_snapshots ORDER BY id DESC LIMIT 2")
            guard let newest = heads.first, let asOf = Day(iso: newest[1] as String) else { return nil }
            let counts = try Row.fetchAll(
                db,
                sql: """
                    SELECT from_segment, to_segment, count(*) FROM segment_moves WHERE snapshot_id = ?
                    GROUP BY from_segment, to_segment
                    """, arguments: [newest[0] as Int64]
            ).map { SnapshotMoves.Count(from: $0[0], to: $0[1], customers: $0[2]) }
            let previous = heads.dropFirst().first
            return SnapshotMoves(
                asOf: asOf, previousAsOf: previous.flatMap { Day(iso: $0[1] as String) },
                comparable: previous.map { ($0[2] as String) == (newest[2] as String) } ?? false, counts: counts)
        }
    }

    public func latestRFMSnapshot() throws -> RFMSnapshot? {
        try writer.read { db in
            guard
                let head = try Row.fetchOne(
                    db, sql: "SELECT id, taken_at, as_of, parameters FROM rfm_snapshots ORDER BY id DESC LIMIT 1")
            else { return nil }
            let id: Int64 = head[0]
            var rows: [RFMSnapshot.Row] = []
            let cursor = try Row.fetchCursor(
                db,
                sql:
                    "SELECT customer_id, r, f, m, segment FROM rfm_snapshot_rows WHERE snapshot_id = ? ORDER BY customer_id",
                arguments: [id])
            while let row = try cursor.next() {
                rows.append(
                    RFMSnapshot.Row(
                        customerID: CustomerID(row[0] as Int64), r: row[1], f: row[2], m: row[3], segment: row[4]))
            }
            return RFMSnapshot(
                id: id, takenAt: head[1], asOf: Day(iso: head[2] as String) ?? Day(rawValue: 0), parameters: head[3],
                rows: rows)
        }
    }

    public func saveRFMSnapshot(_ snapshot: RFMSnapshot, moves: [SegmentMove]) throws -> Int64 {
        try writer.write { db in
            try db.execute(
                sql: "INSERT INTO rfm_snapshots(taken_at, as_of, parameters) VALUES (?, ?, ?)",
                arguments: [snapshot.takenAt, snapshot.asOf.description, snapshot.parameters])
            let id = db.lastInsertedRowID
            let insertRow = try db.makeStatement(
                sql:
                    "INSERT INTO rfm_snapshot_rows(snapshot_id, customer_id, r, f, m, segment) VALUES (?, ?, ?, ?, ?, ?)"
            )
            for row in snapshot.rows {
                insertRow.setUncheckedArguments([id, row.customerID.rawValue, row.r, row.f, row.m, row.segment])
                try insertRow.execute()
            }
            let insertMove = try db.makeStatement(
                sql:
                    "INSERT INTO segment_moves(snapshot_id, customer_id, from_segment, to_segment, moved_at) VALUES (?, ?, ?, ?, ?)"
            )
            for move in moves {
                insertMove.setUncheckedArguments([id, move.customerID.rawValue, move.from, move.to, snapshot.takenAt])
                try insertMove.execute()
            }
            return id
        }
    }
}

extension SQLiteStore {
    public func savePredictions(_ predictions: SavedPredictions) throws {
        let fits: String
        do {
            fits = String(decoding: try JSONEncoder().encode(predictions.fits), as: UTF8.self)
        } catch {
            throw PatronError(.invalidValue, "the fit cannot be saved: \(error)")
        }
        try writer.write { db in
            try db.execute(sql: "DELETE FROM customer_predictions")
            try db.execute(
                sql: "INSERT OR REPLACE INTO prediction_fit(id, fits, calibration_end, saved_at) VALUES (1, ?, ?, ?)",
                arguments: [fits, predictions.calibrationEnd.description, predictions.savedAt])
            let insert = RawStatement(
                try db.makeStatement(
                    sql:
                        "INSERT INTO customer_predictions(customer_id, p_alive, orders_52w, clv_12m) VALUES (?, ?, ?, ?)"
                ),
                db: db)
            for row in predictions.rows {
                try insert.run { binder in
                    binder.bind(row.customer.rawValue)
                    binder.bind(row.prediction.probabilityAlive)
                    binder.bind(row.prediction.orders52Weeks)
                    binder.bind(row.prediction.lifetimeValue12Months)
                }
            }
        }
    }

    public func savedPredictions() throws -> SavedPredictions? {
        try writer.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT fits, calibration_end, saved_at FROM prediction_fit")
            else { return nil }
            let text: String = row[0]
            let fits = try JSONDecoder().decode([ModelFit].self, from: Data(text.utf8))
            return SavedPredictions(
                fits: fits, calibrationEnd: Day(iso: row[1] as String) ?? Day(rawValue: 0), savedAt: row[2], rows: [])
        }
    }
}
