import Foundation

/// Progress on stderr for long operations — only when stderr is a terminal (or
/// `PATRON_PROGRESS=always`): rows, rows/s, ETA.
final class Progress {
    private let label: String
    private let total: Double?
    private let enabled: Bool
    private var phaseStart = Date()
    private var currentPhase: String?
    private var lastDraw = Date.distantPast

    /// `total` is in the unit `fraction` is measured in (bytes, customers), when known.
    init(label: String, total: Double? = nil) {
        self.label = label
        self.total = total
        enabled =
            isatty(STDERR_FILENO) == 1 || ProcessInfo.processInfo.environment["PATRON_PROGRESS"] == "always"
    }

    /// Redraws at most every 200 ms: `count` things of `unit` so far, `done` of `total` (of the
    /// total given at the start when none is given here). A `phase` names what is being done
    /// when an operation has more than one (reading, then storing); the rate and the ETA are
    /// measured from the phase's start.
    func update(
        count rows: Int, unit: String = "rows", done: Double? = nil, total: Double? = nil, phase: String? = nil,
        detail: String? = nil
    ) {
        guard enabled else { return }
        if phase != currentPhase {
            currentPhase = phase
            phaseStart = Date()
        }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= 0.2 else { return }
        lastDraw = now
        let elapsed = max(now.timeIntervalSince(phaseStart), 0.001)
        let rate = Double(rows) / elapsed
        var line = "\r\(label)\(phase.map { " (\($0))" } ?? ""): \(rows) \(unit), \(Int(rate)) \(unit)/s"
        if let total = total ?? self.total, let done, done > 0, total > 0 {
            let remaining = elapsed * (total - done) / done
            line += String(format: ", %.0f%%, ETA %ds", 100 * done / total, Int(remaining))
        }
        if let detail { line += ", " + detail }
        FileHandle.standardError.write(Data((line + "\u{1B}[K").utf8))
    }

    /// Shows `text` at once, in place of the counts (a step with nothing to count).
    func status(_ text: String) {
        guard enabled else { return }
        lastDraw = Date()
        FileHandle.standardError.write(Data("\r\(label): \(text)\u{1B}[K".utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
