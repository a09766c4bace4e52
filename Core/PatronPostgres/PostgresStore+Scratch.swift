import Foundation
import PatronCore
import PostgresNIO

/// Scratch copies for dry runs: a schema of the same database holding a copy of every table,
/// made inside one write transaction (so it is consistent), opened as a store of its own
/// through `search_path`. `CREATE DATABASE … TEMPLATE` would need every other connection to
/// the database closed, which a running API or scheduler never allows.
extension PostgresStore: ScratchCopying {
    static let scratchPrefix = "patron_scratch_"

    public func scratchCopy() throws -> PostgresStore {
        let name =
            Self.scratchPrefix + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        try write { t in
            let s = t.session
            let source = try s.value(String.self, "SELECT current_schema()::text") ?? "public"
            let tables = try s.values(
                String.self,
                """
                SELECT table_name::text FROM information_schema.tables
                WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name
                """)
            try s.execute(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(name)"))
            for table in tables {
                let (from, to) = ("\"\(source)\".\"\(table)\"", "\(name).\"\(table)\"")
                try s.execute(PostgresQuery(unsafeSQL: "CREATE TABLE \(to) (LIKE \(from) INCLUDING ALL)"))
                try s.execute(PostgresQuery(unsafeSQL: "INSERT INTO \(to) SELECT * FROM \(from)"))
            }
            // Identity columns got new sequences: continue them where the original's are.
            for row in try s.rows(
                """
                SELECT table_name::text, column_name::text FROM information_schema.columns
                WHERE table_schema = \(name) AND is_identity = 'YES'
                """)
            {
                let r = PostgresRowReader(row)
                let (table, column) = (try r.text(0), try r.text(1))
                try s.execute(
                    PostgresQuery(
                        unsafeSQL: """
                            SELECT setval(pg_get_serial_sequence('\(name)."\(table)"', '\(column)'),
                              coalesce((SELECT max("\(column)") FROM \(name)."\(table)"), 0) + 1, false)
                            """))
            }
        }
        var copy = server
        copy.schema = name
        return try PostgresStore(server: copy, access: .write, connections: 2)
    }

    public func discardScratchCopy() throws {
        guard let schema = server.schema, schema.hasPrefix(Self.scratchPrefix) else {
            throw PatronError(.invalidArgument, "\(server): not a scratch copy; refusing to drop it")
        }
        pool.close()
        var home = server
        home.schema = nil
        try home.withAdminSession { session throws(PatronError) in
            try session.execute(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"))
        }
    }
}
