import Foundation
import PatronCore
import PostgresNIO

/// RFM inputs, order facts, snapshots and saved predictions.
extension PostgresStore {
    /// Reads RFM inputs. When `asOf` is on or after the last order and there is no window, the
    /// per-customer aggregates answer alone; otherwise the orders are grouped in SQL.
    public func rfmFacts(asOf: Day, windowDays: Int?) throws -> [RFMFact] {
        try read { t in
            let session = t.session
            let lastOrderAt = try session.value(Int64.self, "SELECT max(last_order_at) FROM customers")
            let end = (asOf + 1).epochSeconds
            var facts: [RFMFact] = []
            func fact(_ row: PostgresRow) throws {
                let r = PostgresRowReader(row)
                let id = CustomerID(try r.int(0))
                facts.append(
                    RFMFact(
                        customerID: id, key: try r.optionalText(1) ?? id.reportKey,
                        recencyDays: asOf - Day(epochSeconds: try r.int(2)), frequency: Int(try r.int(3)),
                        monetaryMinor: try r.int(4)))
            }
            if windowDays == nil, let lastOrderAt, lastOrderAt < end {
                try session.forEachRow(
                    """
                    SELECT id, primary_ref, last_order_at, order_count, revenue_minor
                    FROM customers WHERE last_order_at IS NOT NULL ORDER BY id
                    """, fact)
                return facts
            }
            let windowStart = windowDays.map { (asOf - ($0 - 1)).epochSeconds } ?? Int64.min
            try session.forEachRow(
                """
                SELECT o.customer_id, min(c.primary_ref), max(o.placed_at),
                       count(*) FILTER (WHERE o.placed_at >= \(windowStart)),
                       coalesce(sum(o.total_minor - o.refunded_minor) FILTER (WHERE o.placed_at >= \(windowStart)), 0)::bigint
                FROM orders o JOIN customers c ON c.id = o.customer_id
                WHERE o.status != 'cancelled' AND o.placed_at < \(end)
                GROUP BY o.customer_id ORDER BY o.customer_id
                """, fact)
            return facts
        }
    }

    public func forEachOrderFact(through: Day, _ body: (OrderFact) throws -> Void) throws {
        try read { t in
            try t.session.forEachRow(
                """
                SELECT customer_id, placed_at, total_minor - refunded_minor FROM orders
                WHERE status != 'cancelled' AND placed_at < \((through + 1).epochSeconds)
                ORDER BY customer_id, placed_at
                """
            ) { row in
                let r = PostgresRowReader(row)
                try body(
                    OrderFact(customerID: CustomerID(try r.int(0)), placedAt: try r.int(1), netMinor: try r.int(2)))
            }
        }
    }

    public func forEachPurchase(before: Int64, _ body: (PurchaseLine) throws -> Void) throws {
        try read { t in
            try t.session.forEachRow(
                """
                SELECT o.customer_id, o.placed_at, l.sku FROM orders o JOIN order_lines l ON l.order_id = o.id
                WHERE o.status != 'cancelled' AND o.placed_at < \(before) ORDER BY o.customer_id, o.placed_at, l.sku
                """
            ) { row in
                let r = PostgresRowReader(row)
                try body(PurchaseLine(customerID: CustomerID(try r.int(0)), sku: try r.text(2), placedAt: try r.int(1)))
            }
        }
    }

    public func orderSpan() throws -> ClosedRange<Day>? {
        try read { t in
            guard let row = try t.session.rows("SELECT min(first_order_at), max(last_order_at) FROM customers").first
            else { return nil }
            let r = PostgresRowReader(row)
            guard let first = try r.optionalInt(0), let last = try r.optionalInt(1) else { return nil }
            return Day(epochSeconds: first)...Day(epochSeconds: last)
        }
    }

    public func customerCount(createdThrough day: Day?) throws -> Int {
        try read { t in
            let end = day.map { ($0 + 1).epochSeconds } ?? Int64.max
            return Int(try t.session.value(Int64.self, "SELECT count(*) FROM customers WHERE created_at < \(end)") ?? 0)
        }
    }

    public func latestSnapshotMoves() throws -> SnapshotMoves? {
        try read { t in
            let heads = try t.session.rows(
                "SELECT id, as_of, parameters FROM rfm_snapshots ORDER BY id DESC LIMIT 2")
            guard let newest = heads.first.map(PostgresRowReader.init), let asOf = Day(iso: try newest.text(1)) else {
                return nil
            }
            let counts = try t.session.rows(
                """
                SELECT from_segment, to_segment, count(*) FROM segment_moves WHERE snapshot_id = \(try newest.int(0))
                GROUP BY from_segment, to_segment
                """
            ).map { row in
                let r = PostgresRowReader(row)
                return SnapshotMoves.Count(
                    from: try r.optionalText(0), to: try r.optionalText(1), customers: Int(try r.int(2)))
            }
            let previous = try heads.dropFirst().first.map { row in
                let r = PostgresRowReader(row)
                return (asOf: Day(iso: try r.text(1)), parameters: try r.text(2))
            }
            return SnapshotMoves(
                asOf: asOf, previousAsOf: previous?.asOf, comparable: try previous?.parameters == newest.text(2),
                counts: counts)
        }
    }

    public func latestRFMSnapshot() throws -> RFMSnapshot? {
        try read { t in
            let session = t.session
            guard
                let head = try session.rows(
                    "SELECT id, taken_at, as_of, parameters FROM rfm_snapshots ORDER BY id DESC LIMIT 1"
                ).first
            else { return nil }
            let h = PostgresRowReader(head)
            let id = try h.int(0)
            var rows: [RFMSnapshot.Row] = []
            try session.forEachRow(
                "SELECT customer_id, r, f, m, segment FROM rfm_snapshot_rows WHERE snapshot_id = \(id) ORDER BY customer_id"
            ) { row in
                let r = PostgresRowReader(row)
                rows.append(
                    RFMSnapshot.Row(
                        customerID: CustomerID(try r.int(0)), r: Int(try r.int(1)), f: Int(try r.int(2)),
                        m: Int(try r.int(3)), segment: try r.text(4)))
            }
            return RFMSnapshot(
                id: id, takenAt: try h.int(1), asOf: Day(iso: try h.text(2)) ?? Day(rawValue: 0),
                parameters: try h.text(3), rows: rows)
        }
    }

    public func saveRFMSnapshot(_ snapshot: RFMSnapshot, moves: [SegmentMove]) throws -> Int64 {
        try write { t in
            let session = t.session
            let id =
                try session.value(
                    Int64.self,
                    """
                    INSERT INTO rfm_snapshots(taken_at, as_of, parameters)
                    VALUES (\(snapshot.takenAt), \(snapshot.asOf.description), \(snapshot.parameters)) RETURNING id
                    """) ?? 0
            for chunk in snapshot.rows.chunks(of: 50_000) {
                try session.execute(
                    """
                    INSERT INTO rfm_snapshot_rows(snapshot_id, customer_id, r, f, m, segment)
                    SELECT \(id), * FROM unnest(\(chunk.map(\.customerID.rawValue))::bigint[],
                      \(chunk.map { Int64($0.r) })::bigint[], \(chunk.map { Int64($0.f) })::bigint[],
                      \(chunk.map { Int64($0.m) })::bigint[], \(chunk.map(\.segment))::text[])
                    """)
            }
            for chunk in moves.chunks(of: 50_000) {
                try session.execute(
                    """
                    INSERT INTO segment_moves(snapshot_id, customer_id, from_segment, to_segment, moved_at)
                    SELECT \(id), customer, nullif(source, ''), nullif(target, ''), \(snapshot.takenAt)
                    FROM unnest(\(chunk.map(\.customerID.rawValue))::bigint[], \(chunk.map { $0.from ?? "" })::text[],
                                \(chunk.map { $0.to ?? "" })::text[]) AS m(customer, source, target)
                    """)
            }
            return id
        }
    }

    public func savePredictions(_ predictions: SavedPredictions) throws {
        let fits: String
        do {
            fits = String(decoding: try JSONEncoder().encode(predictions.fits), as: UTF8.self)
        } catch {
            throw PatronError(.invalidValue, "the fit cannot be saved: \(error)")
        }
        try write { t in
            let session = t.session
            try session.execute("DELETE FROM customer_predictions")
            try session.execute(
                """
                INSERT INTO prediction_fit(id, fits, calibration_end, saved_at)
                VALUES (1, \(fits), \(predictions.calibrationEnd.description), \(predictions.savedAt))
                ON CONFLICT (id) DO UPDATE SET fits = excluded.fits, calibration_end = excluded.calibration_end,
                  saved_at = excluded.saved_at
                """)
            for chunk in predictions.rows.chunks(of: 50_000) {
                try session.execute(
                    """
                    INSERT INTO customer_predictions(customer_id, p_alive, orders_52w, clv_12m)
                    SELECT customer, alive, orders, nullif(clv, \(Int64.min))
                    FROM unnest(\(chunk.map(\.customer.rawValue))::bigint[],
                                \(chunk.map(\.prediction.probabilityAlive))::bigint[],
                                \(chunk.map(\.prediction.orders52Weeks))::bigint[],
                                \(chunk.map { $0.prediction.lifetimeValue12Months ?? Int64.min })::bigint[])
                      AS p(customer, alive, orders, clv)
                    """)
            }
        }
    }

    public func savedPredictions() throws -> SavedPredictions? {
        try read { t in
            guard let row = try t.session.rows("SELECT fits, calibration_end, saved_at FROM prediction_fit").first
            else { return nil }
            let r = PostgresRowReader(row)
            let fits = try JSONDecoder().decode([ModelFit].self, from: Data(try r.text(0).utf8))
            return SavedPredictions(
                fits: fits, calibrationEnd: Day(iso: try r.text(1)) ?? Day(rawValue: 0), savedAt: try r.int(2), rows: []
            )
        }
    }
}

extension Array {
    /// The array in consecutive slices of at most `size` elements.
    func chunks(of size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
