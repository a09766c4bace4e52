import GRDB
import GRDBSQLite

/// Binds and steps a prepared statement through the SQLite C API directly, for the ingest hot
/// path where GRDB's `StatementArguments` (one boxed value per argument) would dominate.
///
/// The statement stays owned (and finalised) by GRDB; it is reset before and after each use, so
/// GRDB finds it in the state it left it.
struct RawStatement {
    let statement: Statement
    let connection: OpaquePointer?

    init(_ statement: Statement, db: Database) {
        self.statement = statement
        connection = db.sqliteConnection
    }

    /// `SQLITE_TRANSIENT`: SQLite copies the bound text before the call returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// The text in column `column` of the current row, all its bytes (NUL included); `nil` for NULL.
    static func text(_ handle: OpaquePointer, _ column: Int32) -> String? {
        guard let pointer = sqlite3_column_text(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    /// Positional binder; 1-based like SQLite.
    struct Binder {
        let handle: OpaquePointer
        var index: Int32 = 1

        mutating func bind(_ value: Int64) {
            sqlite3_bind_int64(handle, index, value)
            index += 1
        }
        mutating func bind(_ value: Int) { bind(Int64(value)) }
        mutating func bind(_ value: Int64?) {
            if let value { bind(value) } else { bindNull() }
        }
        mutating func bind(_ value: String) {
            // The explicit byte count keeps text with an embedded NUL whole.
            var value = value
            value.withUTF8 { bytes in
                if let base = bytes.baseAddress {
                    base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { chars in
                        _ = sqlite3_bind_text(handle, index, chars, Int32(bytes.count), RawStatement.transient)
                    }
                } else {
                    _ = sqlite3_bind_text(handle, index, "", 0, RawStatement.transient)
                }
            }
            index += 1
        }
        mutating func bind(_ value: String?) {
            if let value { bind(value) } else { bindNull() }
        }
        mutating func bindNull() {
            sqlite3_bind_null(handle, index)
            index += 1
        }
    }

    /// Binds, runs to completion, and returns the integer in column 0 of each row it yields
    /// (for `RETURNING`); an empty array for statements that yield none.
    @discardableResult
    func run(_ bind: (inout Binder) -> Void) throws -> [Int64] {
        try rows(bind) { sqlite3_column_int64($0, 0) }
    }

    /// Like ``run(_:)`` for `RETURNING` text in column 0.
    func runReturningText(_ bind: (inout Binder) -> Void) throws -> [String] {
        try rows(bind) { RawStatement.text($0, 0) ?? "" }
    }

    /// Steps through the rows without keeping them: `body` reads each from the handle.
    func forEachRow(_ body: (OpaquePointer) throws -> Void) throws {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        defer { sqlite3_reset(handle) }
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_ROW {
                try body(handle)
            } else if code == SQLITE_DONE {
                return
            } else {
                let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? "SQLite error \(code)"
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
            }
        }
    }

    /// Binds, then steps to completion, turning each row into a value with `read` (which gets
    /// the raw statement handle to read columns from).
    func rows<T>(_ bind: (inout Binder) -> Void, read: (OpaquePointer) -> T) throws -> [T] {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        var binder = Binder(handle: handle)
        bind(&binder)
        var values: [T] = []
        defer { sqlite3_reset(handle) }
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_ROW {
                values.append(read(handle))
            } else if code == SQLITE_DONE {
                return values
            } else {
                let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? "SQLite error \(code)"
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
            }
        }
    }
}
