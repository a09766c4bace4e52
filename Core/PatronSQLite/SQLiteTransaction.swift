import Foundation
import GRDB
import PatronCore

/// One transaction on the SQLite store. Statements are prepared once per connection and reused.
public final class SQLiteTransaction: StoreTransaction {
    let db: Database

    init(db: Database) { self.db = db }

    func statement(_ sql: String) throws -> Statement { try db.cachedStatement(sql: sql) }

    func raw(_ sql: String) throws -> RawStatement { RawStatement(try db.cachedStatement(sql: sql), db: db) }

    /// Statements of the ingest hot path, kept for the transaction's life under small integer keys
    /// so a call costs an array read instead of hashing the SQL text.
    private var hot: [Int: RawStatement] = [:]
    /// Channels whose audience index this transaction saw or made.
    var indexedChannels: Set<ConsentChannel> = []

    func hot(_ key: Int, _ sql: @autoclosure () -> String) throws -> RawStatement {
        if let statement = hot[key] { return statement }
        let statement = try raw(sql())
        hot[key] = statement
        return statement
    }

    enum HotKey {
        static let insertCustomer = 1
        static let updateCustomer = 2
        static let insertOrder = 3
        static let customerByID = 4
        static let refsOfCustomer = 5
        static let insertLoyaltyEntry = 6
        static let drawLoyaltyAward = 7
        /// + number of ids in the chunk (1...256).
        static let markApplied = 1000
        /// + number of lines in the statement (1...8).
        static let insertLines = 2000
    }

    func run(_ sql: String, _ arguments: StatementArguments) throws {
        let statement = try statement(sql)
        statement.setUncheckedArguments(arguments)
        try statement.execute()
    }

    /// One statement per 256 ids: `INSERT … ON CONFLICT DO NOTHING RETURNING` names the new ones.
    public func markApplied(_ eventIDs: [String]) throws -> [Bool] {
        var result: [Bool] = []
        result.reserveCapacity(eventIDs.count)
        var start = 0
        while start < eventIDs.count {
            let chunk = eventIDs[start..<min(start + 256, eventIDs.count)]
            let inserted = try hot(
                HotKey.markApplied + chunk.count,
                "INSERT OR FAIL INTO applied_events(event_id) VALUES "
                    + Array(repeating: "(?)", count: chunk.count).joined(separator: ",")
                    + " ON CONFLICT DO NOTHING RETURNING event_id"
            ).runReturningText { binder in
                for id in chunk { binder.bind(id) }
            }
            var fresh = Set(inserted)
            for id in chunk { result.append(fresh.remove(id) != nil) }
            start += chunk.count
        }
        return result
    }

    public func reportingCurrency() throws -> CurrencyCode? {
        let statement = try statement("SELECT value FROM meta WHERE key = 'currency'")
        return try String.fetchOne(statement).flatMap(CurrencyCode.init)
    }

    func fetchInt(_ sql: String, _ arguments: StatementArguments) throws -> Int64? {
        let statement = try statement(sql)
        return try Int64.fetchOne(statement, arguments: arguments)
    }

    func fetchRows(_ sql: String, _ arguments: StatementArguments) throws -> [Row] {
        let statement = try statement(sql)
        return try Row.fetchAll(statement, arguments: arguments)
    }

    public func setReportingCurrency(_ currency: CurrencyCode) throws {
        try run("INSERT OR REPLACE INTO meta(key, value) VALUES ('currency', ?)", [currency.code])
    }
}
