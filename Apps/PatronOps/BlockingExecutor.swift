import Foundation
import NIOPosix

/// A task executor whose jobs run on a pool of threads of its own, outside Swift's cooperative
/// pool (two threads on a two-core machine). Work that blocks a thread — a store's synchronous
/// transactions waiting on SQLite or on PostgreSQL's round trips, libcurl — runs here, so that
/// many such waits can overlap and the cooperative threads stay free for I/O and signals.
public final class BlockingExecutor: TaskExecutor {
    /// 16 threads: the PostgreSQL store's pool (8 connections per server, primary and replica)
    /// and some to spare.
    public static let shared = BlockingExecutor(threads: 16)
    private let pool: NIOThreadPool

    public init(threads: Int) {
        pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        pool.submit { _ in job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    /// Runs `work`, and every non-isolated async function it awaits, on this executor.
    public func run<T: Sendable>(_ work: @Sendable () async throws -> T) async throws -> T {
        try await withTaskExecutorPreference(self) { try await work() }
    }
}
