import Foundation
import Logging
import PatronCore
import PatronMail
import PatronOps
import ServiceLifecycle

/// The store lease that makes one scheduler instance the active one: taken or renewed before
/// each piece of work, for `seconds`; another instance stands by until it expires.
public struct SchedulerLease<S: PatronStore>: Sendable {
    public let runtime: CampaignRuntime<S>
    public let holder: String
    public var seconds: Int64
    public static var name: String { "scheduler" }

    public init(runtime: CampaignRuntime<S>, holder: String, seconds: Int64 = 90) {
        self.runtime = runtime
        self.holder = holder
        self.seconds = seconds
    }

    /// Whether this instance holds the lease now (taking or renewing it); `false` also when the
    /// store cannot be asked (``status()`` tells the two apart).
    public func hold() async -> Bool {
        if case .held = await status() { return true }
        return false
    }

    /// Takes or renews the lease and says how that went.
    public func status() async -> LeaseStatus {
        do {
            return try await runtime.store.acquireLease(Self.name, holder: holder, now: wallClock(), seconds: seconds)
                ? .held : .heldByAnother
        } catch {
            return .storeUnavailable("\(error)")
        }
    }

    public func release() async { try? await runtime.store.releaseLease(Self.name, holder: holder) }
}

/// The turns of a service that works only while its instance holds the lease: each turn takes or
/// renews it first. While the store does not answer, each turn waits longer than the one before
/// (1, 2, 4 … 30 s; the store monitor logs the outage) before the service's own pause.
struct LeaseTurns<S: PatronStore> {
    enum Turn { case work, skip, stop }
    let lease: SchedulerLease<S>
    var failures = 0
    let backoff = Backoff()

    init(lease: SchedulerLease<S>) { self.lease = lease }

    /// `.work` while this instance holds the lease; `.skip` while another does or after an
    /// outage's wait; `.stop` when shutdown cut that wait.
    mutating func next() async -> Turn {
        switch await lease.status() {
        case .held:
            failures = 0
            return .work
        case .heldByAnother:
            failures = 0
            return .skip
        case .storeUnavailable:
            failures += 1
            return await pause(backoff.delay(afterFailures: failures)) ? .skip : .stop
        }
    }
}

/// What became of an attempt to take or renew the lease.
public enum LeaseStatus: Hashable, Sendable {
    /// This instance holds it.
    case held
    /// Another instance holds it: this one stands by.
    case heldByAnother
    /// The store did not answer (the message says why): nothing can be done until it does.
    case storeUnavailable(String)
}

/// Runs blocking work (SQLite ticks, libcurl) on a thread of its own, so it never holds one of
/// the few threads of Swift's cooperative pool that signal handling and sends need.
func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
}

/// Runs store work that may block (the SQLite store answers its async calls on the calling
/// thread) on threads of its own, for the same reason: every function it awaits that is not
/// bound to an actor runs there too.
func offload<T: Sendable>(_ work: @Sendable () async throws -> T) async throws -> T {
    try await withTaskExecutorPreference(BlockingExecutor.shared) { try await work() }
}

/// Sleeps, or returns early when the group shuts down gracefully. Returns `false` then.
func pause(_ duration: Duration) async -> Bool {
    do {
        try await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
        return !Task.isShuttingDownGracefully
    } catch {
        return false
    }
}

/// The flow tick (every `interval`): trigger firings (including abandoned carts going idle),
/// entries, due runs, planned messages into the outbox.
public struct FlowTickService<S: PatronStore>: Service {
    public let lease: SchedulerLease<S>
    public let interval: Duration
    let logger: Logger
    public init(lease: SchedulerLease<S>, interval: Duration, logger: Logger) {
        self.lease = lease
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        var standing = false
        var unreachable = 0
        repeat {
            switch await lease.status() {
            case .held:
                if standing || unreachable > 0 {
                    logger.notice("lease taken: this instance is active", metadata: ["holder": "\(lease.holder)"])
                }
                standing = false
                unreachable = 0
                do {
                    let runtime = lease.runtime
                    _ = try await offload { try await runtime.tick(now: wallClock()) }
                } catch {
                    logger.error("tick failed", metadata: ["error": "\(error)"])
                }
            case .heldByAnother:
                unreachable = 0
                if !standing {
                    standing = true
                    logger.notice(
                        "another instance holds the lease: standing by", metadata: ["holder": "\(lease.holder)"])
                }
            case .storeUnavailable(let error):
                unreachable += 1
                if unreachable == 1 {
                    logger.error(
                        "cannot take the lease: the store does not answer; no tick until it does",
                        metadata: ["holder": "\(lease.holder)", "error": "\(error)"])
                }
            }
        } while await pause(interval)
    }
}

/// The outbox sender: sends due messages in rounds; idle, it looks again every second. On
/// graceful shutdown the round in flight finishes and nothing new is claimed.
public struct OutboxSenderService<S: PatronStore>: Service {
    public let lease: SchedulerLease<S>
    let logger: Logger
    public init(lease: SchedulerLease<S>, logger: Logger) {
        self.lease = lease
        self.logger = logger
    }

    public func run() async throws {
        var turns = LeaseTurns(lease: lease)
        turns: repeat {
            switch await turns.next() {
            case .work: break
            case .skip: continue turns
            case .stop: break turns
            }
            do {
                // Each round renews the lease; a lost lease stops sending at once.
                _ = try await lease.runtime.drain(shouldStop: {
                    if Task.isShuttingDownGracefully { return true }
                    return !(await lease.hold())
                })
            } catch {
                logger.error("sending failed", metadata: ["error": "\(error)"])
            }
        } while await pause(.seconds(1))
        logger.notice("sender stopped")
    }
}

/// The nightly jobs at `hour` UTC (and at start when the last snapshot is over a day old):
/// the RFM snapshot whose segment moves trigger flows, and the replenishment due days.
public struct NightlyJobService<S: PatronStore>: Service {
    public let lease: SchedulerLease<S>
    public let hour: Int
    let logger: Logger
    public init(lease: SchedulerLease<S>, hour: Int = 2, logger: Logger) {
        self.lease = lease
        self.hour = hour
        self.logger = logger
    }

    public func run() async throws {
        repeat {
            // Read each time: an instance that takes over sees what the other one did.
            let lastRun = (try? await lease.runtime.store.latestRFMSnapshotTime()) ?? 0
            let now = wallClock()
            let todayAt = Day(epochSeconds: now).epochSeconds + Int64(hour) * 3600
            if now - lastRun > 86_400 || (now >= todayAt && lastRun < todayAt), await lease.hold() {
                do {
                    let runtime = lease.runtime
                    try await offload { try await runtime.nightly(now: now) }
                } catch {
                    // Not marked done: tried again at the next check.
                    logger.error("nightly job failed", metadata: ["error": "\(error)"])
                }
            }
        } while await pause(.seconds(60))
    }
}

/// Polls a mailbox into tickets every `interval` (when the scheduler is given one).
public struct MailPollService<S: PatronStore>: Service {
    public let lease: SchedulerLease<S>
    public let server: MailServer
    public let mailbox: String
    public let interval: Duration
    let logger: Logger
    public init(lease: SchedulerLease<S>, server: MailServer, mailbox: String, interval: Duration, logger: Logger) {
        self.lease = lease
        self.server = server
        self.mailbox = mailbox
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        var turns = LeaseTurns(lease: lease)
        turns: repeat {
            switch await turns.next() {
            case .work: break
            case .skip: continue turns
            case .stop: break turns
            }
            do {
                let (server, mailbox, store) = (server, mailbox, lease.runtime.store)
                let report = try await offload {
                    let client = try IMAPClient(server: server, mailbox: mailbox)
                    return try MailFetcher(client: client, store: store, key: "\(server.baseURL)/\(mailbox)")
                        .fetchOnce()
                }
                logger.info("mail polled", metadata: ["report": "\(report)"])
            } catch {
                logger.error("mail poll failed", metadata: ["error": "\(error)"])
            }
        } while await pause(interval)
    }
}
