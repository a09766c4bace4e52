import Foundation
import GRDB
import GRDBSQLite
import PatronCore

extension SQLiteStore: SegmentRepository {
    public func members(_ expression: SegmentExpression, now: Int64) throws -> [CustomerID] {
        try segmentMembers(expression, now: now)
    }

    public func savedSegment(named name: String) throws -> SavedSegment? {
        try writer.read { db in
            try Row.fetchOne(
                db, sql: "SELECT name, expression, saved_at FROM segments WHERE name = ?", arguments: [name]
            )
            .map { SavedSegment(name: $0[0], expression: $0[1], savedAt: $0[2]) }
        }
    }

    public func savedSegments() throws -> [SavedSegment] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT name, expression, saved_at FROM segments ORDER BY name")
                .map { SavedSegment(name: $0[0], expression: $0[1], savedAt: $0[2]) }
        }
    }

    public func save(_ segment: SavedSegment) throws {
        try writer.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO segments(name, expression, saved_at) VALUES (?, ?, ?)",
                arguments: [segment.name, segment.expression, segment.savedAt])
        }
    }

    public func deleteSegment(named name: String) throws -> Bool {
        try writer.write { db in
            try db.execute(
                sql: """
                    DELETE FROM segment_snapshot_members WHERE snapshot_id IN
                        (SELECT id FROM segment_snapshots WHERE segment = ?)
                    """, arguments: [name])
            try db.execute(sql: "DELETE FROM segment_snapshots WHERE segment = ?", arguments: [name])
            try db.execute(sql: "DELETE FROM segments WHERE name = ?", arguments: [name])
            return db.changesCount > 0
        }
    }

    public func latestMembership(of name: String) throws -> (takenAt: Int64, members: [CustomerID])? {
        try writer.read { db in
            guard
                let head = try Row.fetchOne(
                    db, sql: "SELECT id, taken_at FROM segment_snapshots WHERE segment = ? ORDER BY id DESC LIMIT 1",
                    arguments: [name])
            else { return nil }
            let id: Int64 = head[0]
            let members = try Int64.fetchAll(
                db, sql: "SELECT customer_id FROM segment_snapshot_members WHERE snapshot_id = ? ORDER BY customer_id",
                arguments: [id]
            ).map { CustomerID(rawValue: $0) }
            return (head[1], members)
        }
    }

    public func membershipSizes(of name: String, limit: Int) throws -> [(takenAt: Int64, members: Int)] {
        try writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT s.taken_at, (SELECT count(*) FROM segment_snapshot_members m WHERE m.snapshot_id = s.id)
                    FROM (SELECT id, taken_at FROM segment_snapshots WHERE segment = ? ORDER BY id DESC LIMIT ?) s
                    ORDER BY s.id
                    """, arguments: [name, max(0, limit)]
            ).map { (takenAt: $0[0], members: $0[1]) }
        }
    }

    public func recordMembership(of name: String, members: [CustomerID], diff: SegmentDiff, at: Int64) throws {
        try writer.write { db in
            try db.execute(
                sql: "INSERT INTO segment_snapshots(segment, taken_at) VALUES (?, ?)", arguments: [name, at])
            let snapshot = db.lastInsertedRowID
            let member = try db.makeStatement(
                sql: "INSERT INTO segment_snapshot_members(snapshot_id, customer_id) VALUES (?, ?)")
            for id in members {
                member.setUncheckedArguments([snapshot, id.rawValue])
                try member.execute()
            }
            let change = try db.makeStatement(
                sql: "INSERT INTO segment_membership_changes(segment, customer_id, change, at) VALUES (?, ?, ?, ?)")
            for (ids, kind) in [(diff.entered, "entered"), (diff.left, "left")] {
                for id in ids {
                    change.setUncheckedArguments([name, id.rawValue, kind, at])
                    try change.execute()
                }
            }
        }
    }
}

extension SQLiteStore {
    /// How reports name these customers (their primary ref, or `patron:N`).
    public func reportKeys(for ids: [CustomerID]) throws -> [CustomerID: String] {
        try writer.read { db in
            var keys: [CustomerID: String] = [:]
            let statement = try db.makeStatement(sql: "SELECT primary_ref FROM customers WHERE id = ?")
            for id in ids {
                keys[id] = try String.fetchOne(statement, arguments: [id.rawValue]) ?? id.reportKey
            }
            return keys
        }
    }
}

extension SQLiteStore {
    /// How reports name every customer, in one scan (for outputs over most of the store).
    public func allReportKeys() throws -> [CustomerID: String] {
        try writer.read { db in
            var keys: [CustomerID: String] = [:]
            let statement = try db.makeStatement(sql: "SELECT id, primary_ref FROM customers")
            let handle = statement.sqliteStatement
            defer { sqlite3_reset(handle) }
            while sqlite3_step(handle) == SQLITE_ROW {
                let id = CustomerID(sqlite3_column_int64(handle, 0))
                keys[id] = RawStatement.text(handle, 1) ?? id.reportKey
            }
            return keys
        }
    }
}
