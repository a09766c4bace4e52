import Foundation
import PatronCore
import Testing

/// Paths into ../shared (read-only data beside the repo).
enum Shared {
    static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared")

    /// The path of a shared file, or `nil` (and the test should return) when it is absent and
    /// PATRON_REQUIRE_SHARED is not set. With PATRON_REQUIRE_SHARED=1 a missing file fails.
    static func path(_ relative: String) -> String? {
        let path = root.appendingPathComponent(relative).path
        if FileManager.default.fileExists(atPath: path) { return path }
        if ProcessInfo.processInfo.environment["PATRON_REQUIRE_SHARED"] == "1" {
            Issue.record("missing shared file \(path) (PATRON_REQUIRE_SHARED=1)")
        } else {
            print("skipped: \(relative) not found beside the repo (../shared)")
        }
        return nil
    }
}

/// Small builders for events in tests.
enum Make {
    static func order(
        _ id: String, customer: String? = nil, email: String? = nil, phone: String? = nil, day: String,
        total: Int64, currency: CurrencyCode = .usd, source: String = "shop", lines: [OrderLine] = []
    ) -> IngestEvent {
        let at = Day(iso: day)!.epochSeconds + 3600
        return IngestEvent(
            id: "e-\(source)-order-\(id)", source: source, occurredAt: at,
            kind: .orderPlaced(
                OrderData(
                    ref: id,
                    customer: CustomerIdentity(
                        refs: customer.map { [ExternalRef(source: "", id: $0)] } ?? [], email: email, phone: phone),
                    placedAt: at, currency: currency, totalMinor: total, lines: lines)))
    }

    static func event(_ id: String, _ kind: IngestEvent.Kind, day: String = "2024-06-01", source: String = "shop")
        -> IngestEvent
    {
        IngestEvent(id: id, source: source, occurredAt: Day(iso: day)!.epochSeconds + 7200, kind: kind)
    }
}
