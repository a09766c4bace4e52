import Foundation

/// A segment kept by name, so campaigns and people can reuse it (`in_segment("vip")`).
public struct SavedSegment: Hashable, Sendable {
    public var name: String
    /// The expression as written.
    public var expression: String
    public var savedAt: Int64

    public init(name: String, expression: String, savedAt: Int64) {
        self.name = name
        self.expression = expression
        self.savedAt = savedAt
    }

    /// Segment names: letters, digits, `-`, `_` and `.`, starting with a letter.
    public static func validate(name: String) throws(PatronError) {
        guard let first = name.first, first.isLetter,
            name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." })
        else {
            throw PatronError(
                .invalidArgument, "segment name '\(name)' must start with a letter and use letters, digits, - _ . only")
        }
    }
}

/// Where saved segments and their membership snapshots live. Stores implement it.
public protocol SegmentRepository {
    /// The customers an expression selects at `now`, in id order.
    func members(_ expression: SegmentExpression, now: Int64) throws -> [CustomerID]
    func savedSegment(named name: String) throws -> SavedSegment?
    func savedSegments() throws -> [SavedSegment]
    /// Saves or replaces the segment.
    func save(_ segment: SavedSegment) throws
    /// Deletes the segment and its snapshots; `false` when there was none.
    func deleteSegment(named name: String) throws -> Bool
    /// The members at the newest snapshot, and when it was taken; `nil` before the first.
    func latestMembership(of name: String) throws -> (takenAt: Int64, members: [CustomerID])?
    /// How many members each of the newest `limit` snapshots had, oldest first (a segment's
    /// size over time); empty before the first snapshot.
    func membershipSizes(of name: String, limit: Int) throws -> [(takenAt: Int64, members: Int)]
    /// Records a snapshot of the members and the changes since the previous one (the events
    /// campaigns trigger on: entered / left).
    func recordMembership(of name: String, members: [CustomerID], diff: SegmentDiff, at: Int64) throws
}

/// Who entered and who left a segment between two snapshots.
public struct SegmentDiff: Hashable, Sendable {
    public var entered: [CustomerID]
    public var left: [CustomerID]

    /// Compares two member lists (any order).
    public init(previous: [CustomerID], current: [CustomerID]) {
        let before = Set(previous)
        let now = Set(current)
        entered = current.filter { !before.contains($0) }.sorted()
        left = previous.filter { !now.contains($0) }.sorted()
    }
}

extension SegmentRepository {
    /// Parses an expression whose `in_segment("…")` calls name this repository's segments.
    public func parseSegment(_ source: String, currencyDigits: Int) throws(SegmentError) -> SegmentExpression {
        try SegmentParser.parse(source, currencyDigits: currencyDigits) { name in
            try self.savedSegment(named: name)?.expression
        }
    }

    /// Saves `expression` as `name` after checking that it parses (including every saved segment
    /// it uses, and that no cycle appears).
    public func saveSegment(name: String, expression: String, currencyDigits: Int, at: Int64) throws {
        try SavedSegment.validate(name: name)
        // Parse as if already saved, so a definition that refers to itself is caught.
        _ = try SegmentParser.parse(expression, currencyDigits: currencyDigits) { other in
            other == name ? expression : try self.savedSegment(named: other)?.expression
        }
        try save(SavedSegment(name: name, expression: expression, savedAt: at))
    }

    /// Who entered and left `name` since its last snapshot; with `record`, takes a new snapshot
    /// and records the changes as events. Without a previous snapshot everyone "entered".
    public func diffSegment(name: String, currencyDigits: Int, now: Int64, record: Bool) throws
        -> (previous: Int64?, diff: SegmentDiff, members: Int)
    {
        guard let saved = try savedSegment(named: name) else {
            throw PatronError(.notFound, "no saved segment named '\(name)' (see `patron segment list`)")
        }
        let expression = try parseSegment(saved.expression, currencyDigits: currencyDigits)
        let current = try members(expression, now: now)
        let previous = try latestMembership(of: name)
        let diff = SegmentDiff(previous: previous?.members ?? [], current: current)
        if record { try recordMembership(of: name, members: current, diff: diff, at: now) }
        return (previous?.takenAt, diff, current.count)
    }
}
