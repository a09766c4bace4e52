import Foundation

/// The summary a person reads: the R × F grid and the segment sizes.
public struct RFMReport: Hashable, Sendable {
    public struct Cell: Hashable, Sendable {
        public var customers = 0
        public var revenueMinor: Int64 = 0
    }

    public struct SegmentSize: Hashable, Sendable {
        public var name: String
        public var customers: Int
        public var revenueMinor: Int64
    }

    public var bins: Int
    /// `grid[r - 1][f - 1]`.
    public var grid: [[Cell]]
    /// Segments in the map's order (empty ones included), then any others.
    public var segments: [SegmentSize]
    public var customers: Int
    public var revenueMinor: Int64

    public init(scores: [RFMScore], configuration: RFMConfiguration) {
        let k = configuration.bins
        bins = k
        grid = Array(repeating: Array(repeating: Cell(), count: k), count: k)
        let names = configuration.segmentMap?.names ?? [""]
        var counts = [Int](repeating: 0, count: names.count)
        var revenues = [Int64](repeating: 0, count: names.count)
        var revenue: Int64 = 0
        for score in scores {
            grid[score.r - 1][score.f - 1].customers += 1
            grid[score.r - 1][score.f - 1].revenueMinor += score.fact.monetaryMinor
            counts[score.segmentIndex] += 1
            revenues[score.segmentIndex] += score.fact.monetaryMinor
            revenue += score.fact.monetaryMinor
        }
        segments = names.indices.map { SegmentSize(name: names[$0], customers: counts[$0], revenueMinor: revenues[$0]) }
        customers = scores.count
        revenueMinor = revenue
    }

    /// A fixed-width text rendering: the grid (customers and revenue per cell, R rows from best
    /// down, F columns from worst to best) and the segment table.
    /// `notes` (``RFMRun/gridNotes``) are printed under the grid.
    public func renderTable(currency: CurrencyCode?, title: String, notes: [String] = []) -> String {
        let digits = CurrencyCode.minorUnitDigits(of: currency)
        func money(_ minor: Int64) -> String { Self.wholeUnits(minor, digits: digits) }
        func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
            let padding = String(repeating: " ", count: max(0, width - text.count))
            return left ? text + padding : padding + text
        }
        var out = title + "\n\n"
        let cellWidth = 17
        out += pad("", 6) + (1...bins).map { pad("F\($0)", cellWidth) }.joined() + "\n"
        for r in stride(from: bins, through: 1, by: -1) {
            out +=
                pad("R\(r)", 6)
                + (1...bins).map { pad(Self.grouped(String(grid[r - 1][$0 - 1].customers)), cellWidth) }.joined() + "\n"
            out +=
                pad("", 6) + (1...bins).map { pad(money(grid[r - 1][$0 - 1].revenueMinor), cellWidth) }.joined() + "\n"
        }
        out += "\n(each cell: customers, then revenue in \(currency?.code ?? "the store's currency"))\n"
        for note in notes { out += "note: \(note)\n" }
        out += "\n"
        let nameWidth = max(20, (segments.map(\.name.count).max() ?? 0) + 2)
        out +=
            pad("segment", nameWidth, left: true) + pad("customers", 12) + pad("share", 8) + pad("revenue", 16) + "\n"
        for segment in segments {
            let share = customers == 0 ? 0 : Double(segment.customers) * 100 / Double(customers)
            out +=
                pad(segment.name.isEmpty ? "(no map)" : segment.name, nameWidth, left: true)
                + pad(Self.grouped(String(segment.customers)), 12)
                + pad(String(format: "%.1f%%", share), 8) + pad(money(segment.revenueMinor), 16) + "\n"
        }
        out +=
            pad("total", nameWidth, left: true) + pad(Self.grouped(String(customers)), 12) + pad("100.0%", 8)
            + pad(money(revenueMinor), 16) + "\n"
        return out
    }

    /// An amount rounded (half away from zero) to whole major units, with thousands separators.
    public static func wholeUnits(_ minor: Int64, digits: Int) -> String {
        var scale: Int64 = 1
        for _ in 0..<digits { scale *= 10 }
        let half = scale / 2
        let whole = minor >= 0 ? (minor + half) / scale : (minor - half) / scale
        return grouped(String(whole))
    }

    /// `1234567` → `1,234,567`.
    public static func grouped(_ digits: String) -> String {
        var body = Substring(digits)
        var sign = ""
        if body.hasPrefix("-") {
            sign = "-"
            body = body.dropFirst()
        }
        var groups: [Substring] = []
        while body.count > 3 {
            groups.insert(body.suffix(3), at: 0)
            body = body.dropLast(3)
        }
        groups.insert(body, at: 0)
        return sign + groups.joined(separator: ",")
    }
}
