import Foundation

/// Work split into chunks computed on all cores and joined in order.
final class ParallelChunks<Element>: @unchecked Sendable {
    // @unchecked: each chunk is written once by one task of `concurrentPerform`, under `lock`,
    // and read only after `concurrentPerform` has returned.
    private let lock = NSLock()
    private var parts: [Int: [Element]] = [:]
    let count: Int

    init(count: Int) { self.count = count }

    /// The cores to split work over (at most 8).
    static var cores: Int { max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8)) }

    /// Runs `make` over `chunks` consecutive ranges of 0..<count (default: four per core when
    /// there are at least 5,000 items, else one), in parallel.
    func fill(chunks: Int? = nil, _ make: @Sendable (Range<Int>) -> [Element]) {
        let chunks = max(1, chunks ?? (count >= 5_000 ? Self.cores * 4 : 1))
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let range = (count * chunk / chunks)..<(count * (chunk + 1) / chunks)
            let part = make(range)
            lock.lock()
            parts[range.lowerBound] = part
            lock.unlock()
        }
    }

    func joined() -> [Element] {
        lock.lock()
        defer { lock.unlock() }
        var all: [Element] = []
        all.reserveCapacity(count)
        for start in parts.keys.sorted() { all.append(contentsOf: parts[start]!) }
        return all
    }
}
