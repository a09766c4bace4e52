import Foundation

/// A saved RFM computation: who was in which segment, as of when.
public struct RFMSnapshot: Hashable, Sendable {
    public struct Row: Hashable, Sendable {
        public var customerID: CustomerID
        public var r: Int
        public var f: Int
        public var m: Int
        public var segment: String
        public init(customerID: CustomerID, r: Int, f: Int, m: Int, segment: String) {
            self.customerID = customerID
            self.r = r
            self.f = f
            self.m = m
            self.segment = segment
        }
    }

    /// Assigned by the store when saved.
    public var id: Int64
    /// When it was computed (seconds since the epoch).
    public var takenAt: Int64
    public var asOf: Day
    /// The options it was computed with, for people reading the history (`"quantile, 5 bins"`).
    public var parameters: String
    public var rows: [Row]

    public init(id: Int64 = 0, takenAt: Int64, asOf: Day, parameters: String, rows: [Row]) {
        self.id = id
        self.takenAt = takenAt
        self.asOf = asOf
        self.parameters = parameters
        self.rows = rows
    }

    public init(scores: [RFMScore], takenAt: Int64, asOf: Day, parameters: String) {
        self.init(
            takenAt: takenAt, asOf: asOf, parameters: parameters,
            rows: scores.map { Row(customerID: $0.fact.customerID, r: $0.r, f: $0.f, m: $0.m, segment: $0.segment) })
    }
}

/// A customer who is in a different segment than in the previous snapshot. These become the
/// "segment moved" events that campaigns (win-back) trigger on.
public struct SegmentMove: Hashable, Sendable {
    public var customerID: CustomerID
    /// `nil`: the customer was not scored before (a new customer).
    public var from: String?
    /// `nil`: the customer is no longer scored (erased, or merged away).
    public var to: String?
    public init(customerID: CustomerID, from: String?, to: String?) {
        self.customerID = customerID
        self.from = from
        self.to = to
    }

    /// Moves between two snapshots, by customer id.
    public static func between(_ previous: RFMSnapshot, _ current: RFMSnapshot) -> [SegmentMove] {
        var before: [CustomerID: String] = [:]
        before.reserveCapacity(previous.rows.count)
        for row in previous.rows { before[row.customerID] = row.segment }
        var moves: [SegmentMove] = []
        for row in current.rows {
            let old = before.removeValue(forKey: row.customerID)
            if old != row.segment { moves.append(SegmentMove(customerID: row.customerID, from: old, to: row.segment)) }
        }
        for (id, old) in before { moves.append(SegmentMove(customerID: id, from: old, to: nil)) }
        return moves.sorted { $0.customerID < $1.customerID }
    }

    /// Counts per (from, to), largest first.
    public static func summary(_ moves: [SegmentMove]) -> [(from: String?, to: String?, customers: Int)] {
        var counts: [String: (String?, String?, Int)] = [:]
        for move in moves {
            let key = "\(move.from ?? "\u{0}")\u{1}\(move.to ?? "\u{0}")"
            let entry = counts[key] ?? (move.from, move.to, 0)
            counts[key] = (entry.0, entry.1, entry.2 + 1)
        }
        return counts.values.map { (from: $0.0, to: $0.1, customers: $0.2) }
            .sorted { ($1.customers, $0.from ?? "", $0.to ?? "") < ($0.customers, $1.from ?? "", $1.to ?? "") }
    }
}
