import Foundation

/// What operators watch about a store, read often and cheaply: on every `/metrics` scrape and
/// every `/health` check of `patron-api` and `patron-scheduler`.
///
/// An implementer keeps, and the store conformance kit checks (`vitals`):
/// - the call only reads (it never waits for the writer) and fails with the store's own error
///   when the store cannot be reached — `/health` answers 503 with it;
/// - ``StoreVitalsReport/outbox`` counts every outbox message by its status now;
/// - ``StoreVitalsReport/leases`` lists the leases unexpired at `now`, with their holders;
/// - ``StoreVitalsReport/connections`` is the process's own pool (nil for a store without one).
public protocol StoreVitals: Sendable {
    /// The store's vitals as of `now` (epoch seconds).
    func vitals(now: Int64) async throws -> StoreVitalsReport
}

/// A store's vitals: see ``StoreVitals``.
public struct StoreVitalsReport: Hashable, Sendable {
    /// The engine: `memory`, `sqlite` or `postgresql`.
    public var engine: String
    /// Outbox messages by status (a status with none may be absent).
    public var outbox: [OutboxMessage.Status: Int]
    /// The leases unexpired at the time asked, by name.
    public var leases: [LeaseHolding]
    /// The connection pool of this process, where the store has one.
    public var connections: ConnectionPoolState?

    public init(
        engine: String, outbox: [OutboxMessage.Status: Int], leases: [LeaseHolding],
        connections: ConnectionPoolState? = nil
    ) {
        self.engine = engine
        self.outbox = outbox
        self.leases = leases.sorted { $0.name < $1.name }
        self.connections = connections
    }

    /// The count for `status`, 0 when there is none.
    public func outbox(_ status: OutboxMessage.Status) -> Int { outbox[status] ?? 0 }
}

/// A named lease, its holder and when it runs out unless renewed.
public struct LeaseHolding: Hashable, Sendable {
    public var name: String
    public var holder: String
    /// Epoch seconds.
    public var expiresAt: Int64

    public init(name: String, holder: String, expiresAt: Int64) {
        self.name = name
        self.holder = holder
        self.expiresAt = expiresAt
    }
}

/// A connection pool's state: how many connections it may open, how many are lent out now and
/// how many callers wait for one; `replica` is the read replica's pool, if reads go to one.
public struct ConnectionPoolState: Hashable, Sendable {
    public var size: Int
    public var inUse: Int
    public var waiting: Int
    /// Read transactions served by the replica and by the primary since the store opened.
    public var readsOnReplica: Int?
    public var readsOnPrimary: Int?

    public init(size: Int, inUse: Int, waiting: Int, readsOnReplica: Int? = nil, readsOnPrimary: Int? = nil) {
        self.size = size
        self.inUse = inUse
        self.waiting = waiting
        self.readsOnReplica = readsOnReplica
        self.readsOnPrimary = readsOnPrimary
    }
}
