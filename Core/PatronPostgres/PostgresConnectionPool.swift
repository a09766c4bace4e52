import Foundation
import Logging
import PatronCore
import PostgresNIO

/// A fixed-size pool of connections for the synchronous store seam: a transaction borrows one
/// connection for its whole life and gives it back; callers beyond `size` wait their turn.
///
/// Why not PostgresNIO's `PostgresClient`: its connections are lent to `async` closures only,
/// and the kernel's `Store.write(_:)` runs a synchronous body. Bridging that by blocking a
/// thread of Swift's cooperative pool on a task that needs the same pool deadlocks on a
/// two-core machine; waiting on an `EventLoopFuture` (the I/O runs on NIO's own threads) does
/// not. A connection that breaks is dropped and a new one made on the next borrow.
// @unchecked: `idle`, `open`, `nextID`, `closed` and `waiters` are only touched while
// `condition` is locked; the rest is immutable.
final class PostgresConnectionPool: @unchecked Sendable {
    let server: PostgresServer
    let size: Int
    private let group: any EventLoopGroup
    private let logger: Logger
    private let condition = NSCondition()
    private var idle: [PostgresSession] = []
    private var open = 0
    private var nextID = 0
    private var closed = false
    private var waiters = 0
    /// Shared by the pool's sessions: one lost prepared statement turns them off for all.
    private let preparedStatements = PreparedStatements()

    init(server: PostgresServer, size: Int, group: any EventLoopGroup, logger: Logger) {
        self.server = server
        self.size = max(1, size)
        self.group = group
        self.logger = logger
    }

    /// Borrowers waiting for a connection now.
    var waiting: Int {
        condition.lock()
        defer { condition.unlock() }
        return waiters
    }

    /// Connections lent out now.
    var inUse: Int {
        condition.lock()
        defer { condition.unlock() }
        return open - idle.count
    }

    /// Runs `body` with a connection of its own.
    func withSession<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        let session = try borrow()
        do {
            let value = try body(session)
            try session.settle()
            giveBack(session)
            return value
        } catch {
            session.discardSent()
            giveBack(session)
            throw error
        }
    }

    private func borrow() throws(PatronError) -> PostgresSession {
        condition.lock()
        while true {
            if closed {
                condition.unlock()
                throw PatronError(.storeFailure, "\(server): the store is closed")
            }
            if let session = idle.popLast() {
                if session.isClosed {
                    open -= 1
                    continue
                }
                condition.unlock()
                return session
            }
            if open < size {
                open += 1
                nextID += 1
                let id = nextID
                condition.unlock()
                do {
                    return try PostgresSession.connect(
                        to: server, on: group.next(), id: id, preparedStatements: preparedStatements, logger: logger)
                } catch {
                    condition.lock()
                    open -= 1
                    condition.signal()
                    condition.unlock()
                    throw error
                }
            }
            waiters += 1
            condition.wait()
            waiters -= 1
        }
    }

    private func giveBack(_ session: PostgresSession) {
        condition.lock()
        if session.isClosed || closed {
            open -= 1
            condition.unlock()
            session.close()
        } else {
            idle.append(session)
            condition.unlock()
        }
        condition.lock()
        condition.signal()
        condition.unlock()
    }

    /// Closes every idle connection; lent ones close when given back.
    func close() {
        condition.lock()
        closed = true
        let sessions = idle
        open -= idle.count
        idle = []
        condition.broadcast()
        condition.unlock()
        for session in sessions { session.close() }
    }
}
