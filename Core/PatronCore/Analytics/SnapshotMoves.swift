/// The segment moves recorded with the newest RFM snapshot: who moved between it and the one
/// before, counted by (from, to) — what `patron rfm --save` (and the scheduler's nightly run)
/// found, read back without recomputing anything.
public struct SnapshotMoves: Hashable, Sendable {
    public struct Count: Hashable, Sendable {
        /// `nil`: the customer was not in the previous snapshot (new).
        public var from: String?
        /// `nil`: the customer is not in this snapshot any more.
        public var to: String?
        public var customers: Int

        public init(from: String?, to: String?, customers: Int) {
            self.from = from
            self.to = to
            self.customers = customers
        }
    }

    /// The newest snapshot's as-of day.
    public var asOf: Day
    /// The as-of day of the snapshot before it; `nil` when the newest is the first.
    public var previousAsOf: Day?
    /// Whether the two snapshots were taken with the same parameters (method, bins, window,
    /// segment map); moves are saved only then, so `counts` is empty when this is `false`.
    /// `false` for the first snapshot.
    public var comparable: Bool
    /// Most customers first, then by names.
    public var counts: [Count]

    public init(asOf: Day, previousAsOf: Day?, comparable: Bool, counts: [Count]) {
        self.asOf = asOf
        self.previousAsOf = previousAsOf
        self.comparable = comparable
        self.counts = counts.sorted {
            ($1.customers, $0.from ?? "", $0.to ?? "") < ($0.customers, $1.from ?? "", $1.to ?? "")
        }
    }
}
