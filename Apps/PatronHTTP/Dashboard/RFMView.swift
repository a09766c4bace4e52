import PatronCore

/// What the dashboard's RFM pages read from one RFM run, derived once when the run is computed
/// (a 1,000,000-customer run holds a million scores: a page must not walk them): the summary,
/// each cell's main segment and its customers in customer order, and the moves by segment pair.
struct RFMView: Sendable {
    struct Cell: Sendable {
        /// The segment most of the cell's customers fall in.
        var segment: String
        /// Indices into the run's scores, in customer order.
        var members: [Int]
    }

    var run: RFMRun
    var summary: RFMSummaryDocument
    /// By `r * 16 + f`.
    var cells: [Int: Cell]
    /// Customers moved since the last comparable snapshot, by (from, to), most first.
    var moves: [(from: String?, to: String?, customers: Int)]

    static func key(r: Int, f: Int) -> Int { r * 16 + f }

    init(_ run: RFMRun) {
        self.run = run
        summary = RFMSummaryDocument(run)
        var members: [Int: [Int]] = [:]
        var segments: [Int: [String: Int]] = [:]
        for (index, score) in run.scores.enumerated() {
            let key = Self.key(r: score.r, f: score.f)
            members[key, default: []].append(index)
            segments[key, default: [:]][score.segment, default: 0] += 1
        }
        let scores = run.scores
        cells = members.reduce(into: [:]) { cells, entry in
            let sorted = entry.value.sorted { scores[$0].fact.customerID < scores[$1].fact.customerID }
            let segment = segments[entry.key]?.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key ?? ""
            cells[entry.key] = Cell(segment: segment, members: sorted)
        }
        moves = run.comparable ? SegmentMove.summary(run.moves) : []
    }

    func cell(r: Int, f: Int) -> Cell { cells[Self.key(r: r, f: f)] ?? Cell(segment: "", members: []) }

    /// The scores of a cell's customers from `offset`, at most `limit`.
    func members(r: Int, f: Int, offset: Int, limit: Int) -> [RFMScore] {
        cell(r: r, f: f).members.dropFirst(offset).prefix(limit).map { run.scores[$0] }
    }
}
