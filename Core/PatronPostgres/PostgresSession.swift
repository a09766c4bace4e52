import Foundation
import Logging
import PatronCore
import PostgresNIO

/// One connection to the server, used by one thread at a time: the store's transactions run
/// their statements through it and wait for each answer (the kernel's store seam is
/// synchronous; the waiting happens off NIO's event loops, which do the I/O).
///
/// Every failure comes out as a ``PatronError`` naming the server and what failed, never the
/// statement's arguments.
///
/// Writes whose answer nobody reads may be ``send(_:)``-ed instead of executed: the statement is
/// queued on the connection and the caller goes on (the server works on it while the caller
/// prepares the next chunk); the next statement that waits for an answer, the commit included,
/// first waits for everything sent and throws the first failure among them.
// @unchecked: the `let`s are immutable (PreparedStatements is locked); `sent`, `prepared` and
// `inTransaction` are only touched by the one transaction (one thread) the pool lends the
// session to; PostgresConnection is thread-safe.
final class PostgresSession: @unchecked Sendable {
    let connection: PostgresConnection
    let server: PostgresServer
    let logger: Logger
    /// Statements sent and not yet waited for, oldest first.
    private var sent: [EventLoopFuture<PostgresQueryResult>] = []
    /// The statements prepared on this connection (``rows(prepared:as:_:)``), by name.
    private var prepared: Set<String> = []
    /// Whether the store may prepare statements (shared by its sessions).
    let preparedStatements: PreparedStatements
    /// This connection's number in its pool (part of its prepared statements' names).
    let id: Int
    /// Between the store's BEGIN and its COMMIT or ROLLBACK.
    var inTransaction = false

    init(
        connection: PostgresConnection, server: PostgresServer, id: Int, preparedStatements: PreparedStatements,
        logger: Logger
    ) {
        self.connection = connection
        self.server = server
        self.id = id
        self.preparedStatements = preparedStatements
        self.logger = logger
    }

    /// Connects, waiting for the server's answer.
    static func connect(
        to server: PostgresServer, on eventLoop: any EventLoop, id: Int,
        preparedStatements: PreparedStatements = PreparedStatements(), logger: Logger
    ) throws(PatronError) -> PostgresSession {
        let configuration = try server.configuration()
        do {
            let connection = try PostgresConnection.connect(
                on: eventLoop, configuration: configuration, id: id, logger: logger
            ).wait()
            return PostgresSession(
                connection: connection, server: server, id: id, preparedStatements: preparedStatements, logger: logger)
        } catch {
            throw PostgresFailure.error(error, server: server, doing: "cannot connect")
        }
    }

    var isClosed: Bool { connection.isClosed }

    /// Runs a statement; returns the number of rows it changed (or returned).
    @discardableResult
    func execute(_ query: PostgresQuery) throws(PatronError) -> Int {
        try result(query).metadata.rows ?? 0
    }

    /// Commits, and fails if the server rolled back instead (it answers `COMMIT` in a transaction
    /// that a statement failed in with `ROLLBACK`, not an error: a failure swallowed on the way
    /// must not pass for a commit).
    func commit() throws(PatronError) {
        try settle()
        let result: PostgresQueryResult
        do { result = try wait(for: connection.query("COMMIT", logger: logger)) } catch {
            throw PostgresFailure.error(error, server: server, doing: "the commit failed")
        }
        guard result.metadata.command == "COMMIT" else {
            throw PatronError(
                .storeFailure, "\(server): the server rolled the transaction back (a statement in it failed)")
        }
    }

    /// Queues a statement whose answer is not needed and returns at once; its failure comes out
    /// of the next statement that waits (or ``settle()``). Only for writes inside a transaction:
    /// a failure there aborts the transaction, so nothing after it can take effect.
    func send(_ query: PostgresQuery) throws(PatronError) {
        guard !connection.isClosed else {
            throw PatronError(.storeUnavailable, "\(server): the connection was closed (the server went away)")
        }
        sent.append(connection.query(query, logger: logger))
    }

    /// Waits for every statement sent; throws the first one's failure (the rest, refused by an
    /// aborted transaction, say nothing more).
    func settle() throws(PatronError) {
        guard !sent.isEmpty else { return }
        let waiting = sent
        sent = []
        var first: PatronError?
        for future in waiting {
            do { _ = try wait(for: future) } catch {
                if first == nil { first = PostgresFailure.error(error, server: server, doing: "a statement failed") }
            }
        }
        if let first { throw first }
    }

    /// Waits for every statement sent and forgets their outcome (before a rollback).
    func discardSent() {
        _ = try? settle()
    }

    /// Runs `sql` (parameters `$1`, `$2`, … taking `arguments`), prepared on this connection
    /// the first time it is used here (SQL `PREPARE`; later runs `EXECUTE` it and skip parsing
    /// and planning — a fifth of a millisecond for the API's customer read, more than running
    /// it). For hot statements outside a transaction (a quick read); inside one, and once
    /// ``PreparedStatements/enabled`` is off, the plain statement runs. `name` is a lowercase
    /// identifier unique to `sql`; the server's name adds the store's process-unique prefix (a
    /// pooler may hand one server connection to several processes). The arguments are integers
    /// because `EXECUTE` takes no bound parameters: they are written into its text.
    ///
    /// A `PREPARE` that fails, or a prepared statement the server no longer has (a pooler in
    /// transaction mode sent the `EXECUTE` to another server connection, or discarded the
    /// session's state) or can no longer run (a migration changed a column's type), turns
    /// prepared statements off for the store's connections (logged once), and the call runs the
    /// plain statement: a quick read is no transaction, so nothing else is affected.
    func rows(prepared name: String, as sql: String, _ arguments: [Int64]) throws(PatronError) -> [PostgresRow] {
        precondition(name.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0) })
        var binds = PostgresBindings(capacity: arguments.count)
        for argument in arguments { binds.append(argument) }
        let plain = PostgresQuery(unsafeSQL: sql, binds: binds)
        guard !inTransaction, preparedStatements.enabled else { return try rows(plain) }
        let serverName = "\(preparedStatements.prefix)_\(id)_\(name)"
        let list = arguments.map(String.init).joined(separator: ", ")
        do {
            if !prepared.contains(name) {
                try execute(PostgresQuery(unsafeSQL: "PREPARE \(serverName) AS \(sql)"))
                prepared.insert(name)
            }
            return try rows(PostgresQuery(unsafeSQL: "EXECUTE \(serverName)(\(list))"))
        } catch  where !connection.isClosed && error.code != .storeUnavailable {
            prepared.remove(name)
            if preparedStatements.turnOff() {
                logger.warning(
                    """
                    a prepared statement could not be made or run (a pooler in transaction mode?): \
                    this store runs its statements unprepared from now on
                    """, metadata: ["server": "\(server)", "error": "\(error)"])
            }
            return try rows(plain)
        }
    }

    /// Runs a query and collects its rows.
    func rows(_ query: PostgresQuery) throws(PatronError) -> [PostgresRow] {
        try result(query).rows
    }

    /// The first column of the first row, or `nil` without a row (or with NULL there).
    func value<T: PostgresDecodable>(_ type: T.Type, _ query: PostgresQuery) throws(PatronError) -> T? {
        guard let row = try rows(query).first else { return nil }
        let cell = row.makeRandomAccess()[0]
        guard cell.bytes != nil else { return nil }
        return try decode(row) { _ in try cell.decode(T.self) }
    }

    /// The first column of every row.
    func values<T: PostgresDecodable>(_ type: T.Type, _ query: PostgresQuery) throws(PatronError) -> [T] {
        try rows(query).map { row throws(PatronError) in try decode(row) { try $0.decode(T.self) } }
    }

    /// Decodes a row, turning a type mismatch into a store failure.
    func decode<T>(_ row: PostgresRow, _ body: (PostgresRow) throws -> T) throws(PatronError) -> T {
        do { return try body(row) } catch {
            throw PatronError(.storeFailure, "\(server): a stored value has an unexpected type: \(error)")
        }
    }

    /// Several statements without arguments (schema changes), each ending with `;` at the end
    /// of a line, run one after another; a `;` at a line's end inside `$$ … $$` (a `DO` block's
    /// body) does not end its statement.
    func script(_ sql: String) throws(PatronError) {
        try settle()
        var statements: [String] = []
        var open = ""
        for piece in sql.components(separatedBy: ";\n") {
            open += open.isEmpty ? piece : ";\n" + piece
            // An odd number of `$$` so far: still inside a dollar-quoted body.
            if open.components(separatedBy: "$$").count % 2 == 0 { continue }
            statements.append(open.trimmingCharacters(in: .whitespacesAndNewlines))
            open = ""
        }
        if !open.isEmpty { statements.append(open.trimmingCharacters(in: .whitespacesAndNewlines)) }
        for statement in statements where !statement.isEmpty {
            let text = statement.hasSuffix(";") ? String(statement.dropLast()) : statement
            do { _ = try wait(for: connection.query(PostgresQuery(unsafeSQL: text), logger: logger)) } catch {
                throw PostgresFailure.error(error, server: server, doing: "a schema statement failed")
            }
        }
    }

    /// Streams a query's rows through a server-side cursor, `batch` at a time, so a scan over
    /// millions of rows holds two batches (the one handed out, and the next, asked for before
    /// it). Must run inside a transaction.
    func forEachRow(
        _ query: PostgresQuery, batch: Int = 10_000, _ body: (PostgresRow) throws -> Void
    ) throws {
        let cursor = "patron_cursor"
        var declare = query
        declare.sql = "DECLARE \(cursor) NO SCROLL CURSOR FOR " + query.sql
        try execute(declare)
        var closed = false
        defer { if !closed { _ = try? execute("CLOSE \(unescaped: cursor)") } }
        let fetch = PostgresQuery(unsafeSQL: "FETCH FORWARD \(batch) FROM \(cursor)")
        // The next batch is asked for before this one is handed out, so that the server reads
        // and sends it while the caller works on this one. What the caller sent meanwhile is
        // waited for (``settle()``) before the FETCH after it, and before the CLOSE.
        var next = connection.query(fetch, logger: logger)
        while true {
            let rows: [PostgresRow]
            do { rows = try wait(for: next).rows } catch {
                throw PostgresFailure.error(error, server: server, doing: "a statement failed")
            }
            let more = rows.count == batch
            if more {
                try settle()
                next = connection.query(fetch, logger: logger)
            }
            for row in rows { try body(row) }
            if !more { break }
        }
        closed = true
        try execute("CLOSE \(unescaped: cursor)")
    }

    func close() {
        try? connection.close().wait()
    }

    private func result(_ query: PostgresQuery) throws(PatronError) -> PostgresQueryResult {
        try settle()
        do {
            return try wait(for: connection.query(query, logger: logger))
        } catch {
            throw PostgresFailure.error(error, server: server, doing: "a statement failed")
        }
    }

    /// Waits for a query's answer. PostgresNIO (1.33) drops a statement written to a connection
    /// that has just closed without failing its future, so the wait also watches the connection:
    /// closed and still unanswered two seconds later is a failure, never a wait forever.
    func wait<T: Sendable>(for future: EventLoopFuture<T>) throws -> T {
        guard !connection.isClosed else {
            throw PatronError(.storeUnavailable, "\(server): the connection was closed (the server went away)")
        }
        let done = DispatchSemaphore(value: 0)
        future.whenComplete { _ in done.signal() }
        var closedFor = 0
        while done.wait(timeout: .now() + 1) == .timedOut {
            closedFor = connection.isClosed ? closedFor + 1 : 0
            if closedFor >= 2 {
                throw PatronError(.storeUnavailable, "\(server): the connection was closed (the server went away)")
            }
        }
        return try future.wait()
    }
}

/// Turns PostgresNIO's errors into one line a person can act on.
enum PostgresFailure {
    static func error(_ error: any Error, server: PostgresServer, doing: String) -> PatronError {
        if let error = error as? PatronError { return error }
        guard let error = error as? PSQLError else {
            return PatronError(.storeFailure, "\(server): \(doing): \(error)")
        }
        if let info = error.serverInfo {
            let state = info[.sqlState] ?? ""
            let message = info[.message] ?? "an error"
            let detail = info[.detail].map { " (\($0))" } ?? ""
            switch state {
            case "28P01", "28000":
                return PatronError(.storeFailure, "\(server): authentication failed: \(message)")
            case "3D000":
                return PatronError(.storeFailure, "\(server): \(message) (create it, or name another in the URL)")
            case "57P01", "57P02", "57P03", "08000", "08001", "08003", "08004", "08006":
                return PatronError(.storeUnavailable, "\(server): \(doing): \(message) [SQLSTATE \(state)]")
            case "23505":
                return PatronError(.conflict, "\(server): \(doing): \(message)\(detail)")
            default:
                return PatronError(.storeFailure, "\(server): \(doing): \(message)\(detail) [SQLSTATE \(state)]")
            }
        }
        switch error.code {
        case .connectionError:
            let cause = error.underlying.map { "\($0)" } ?? "no answer"
            return PatronError(.storeUnavailable, "\(server): cannot connect: \(cause)")
        case .serverClosedConnection, .clientClosedConnection, .uncleanShutdown:
            return PatronError(.storeUnavailable, "\(server): the connection was closed (\(error.code)); \(doing)")
        default:
            let cause = error.underlying.map { ": \($0)" } ?? ""
            return PatronError(.storeFailure, "\(server): \(doing): \(error.code)\(cause)")
        }
    }
}

/// Whether a store's sessions prepare their hot statements: on until a prepared statement is
/// found lost (``PostgresSession/rows(prepared:as:_:)``), then off for the store's life.
// @unchecked: `on` is only touched while `lock` is held.
final class PreparedStatements: @unchecked Sendable {
    private let lock = NSLock()
    private var on = true
    /// Starts every server-side name: unique to this store in this process.
    let prefix = "patron_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)

    init() {}

    var enabled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return on
    }

    /// Turns them off; `true` for the call that did.
    func turnOff() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        defer { on = false }
        return on
    }
}
