import Foundation

/// Progress on stderr for long operations — only when stderr is a terminal: rows, rows/s, ETA.
final class Progress {
    private let label: String
    private let total: Double?
    private let enabled: Bool
    private let start = Date()
    private var lastDraw = Date.distantPast

    /// `total` is in the unit `fraction` is measured in (bytes, customers), when known.
    init(label: String, total: Double? = nil) {
        self.label = label
        self.total = total
        enabled = isatty(STDERR_FILENO) == 1
    }

    /// Redraws at most every 200 ms.
    func update(rows: Int, done: Double? = nil) {
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= 0.2 else { return }
        lastDraw = now
        let elapsed = max(now.timeIntervalSince(start), 0.001)
        let rate = Double(rows) / elapsed
        var line = "\r\(label): \(rows) rows, \(Int(rate)) rows/s"
        if let total, let done, done > 0, total > 0 {
            let remaining = elapsed * (total - done) / done
            line += String(format: ", %.0f%%, ETA %ds", 100 * done / total, Int(remaining))
        }
        FileHandle.standardError.write(Data((line + "\u{1B}[K").utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
