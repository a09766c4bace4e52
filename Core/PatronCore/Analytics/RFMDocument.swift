import Foundation

/// RFM as JSON: the one set of types the CLI's `rfm --format json` and the API's `GET /v1/rfm`
/// encode (amounts as decimal strings in the store's currency, days as `YYYY-MM-DD`).
public struct RFMSummaryDocument: Codable, Hashable, Sendable {
    /// One cell of the R × F grid.
    public struct Cell: Codable, Hashable, Sendable {
        public var r: Int
        public var f: Int
        public var customers: Int
        public var revenue: String
    }

    /// One segment's size and revenue.
    public struct Segment: Codable, Hashable, Sendable {
        public var name: String
        public var customers: Int
        public var revenue: String
    }

    public var asOf: String
    public var bins: Int
    public var customers: Int
    public var revenue: String
    public var currency: String?
    public var grid: [Cell]
    public var segments: [Segment]

    enum CodingKeys: String, CodingKey {
        case asOf = "as_of", bins, customers, revenue, currency, grid, segments
    }

    /// Every key, `currency` as null before the store has one.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(asOf, forKey: .asOf)
        try container.encode(bins, forKey: .bins)
        try container.encode(customers, forKey: .customers)
        try container.encode(revenue, forKey: .revenue)
        try container.encode(currency, forKey: .currency)
        try container.encode(grid, forKey: .grid)
        try container.encode(segments, forKey: .segments)
    }

    public init(
        asOf: String, bins: Int, customers: Int, revenue: String, currency: String?, grid: [Cell], segments: [Segment]
    ) {
        self.asOf = asOf
        self.bins = bins
        self.customers = customers
        self.revenue = revenue
        self.currency = currency
        self.grid = grid
        self.segments = segments
    }

    /// The summary of a run: the grid and the segments.
    public init(_ run: RFMRun) {
        let digits = CurrencyCode.minorUnitDigits(of: run.currency)
        func money(_ minor: Int64) -> String { Money.decimalString(minor, digits: digits) }
        let report = run.report
        asOf = run.asOf.description
        bins = report.bins
        customers = report.customers
        revenue = money(report.revenueMinor)
        currency = run.currency?.code
        grid = report.grid.enumerated().flatMap { r, row in
            row.enumerated().map { f, cell in
                Cell(r: r + 1, f: f + 1, customers: cell.customers, revenue: money(cell.revenueMinor))
            }
        }
        segments = report.segments.map {
            Segment(name: $0.name, customers: $0.customers, revenue: money($0.revenueMinor))
        }
    }
}

/// A whole run as JSON (`patron rfm --format json`): the summary, the parameters, the moves
/// since the last comparable snapshot, and every customer's scores.
public struct RFMRunDocument: Codable, Hashable, Sendable {
    /// Segment moves since a snapshot, counted by (from, to).
    public struct Moves: Codable, Hashable, Sendable {
        public struct Count: Codable, Hashable, Sendable {
            public var from: String?
            public var to: String?
            public var customers: Int
        }
        public var sinceSnapshot: Int64
        public var sinceAsOf: String
        public var customers: Int
        public var bySegment: [Count]

        enum CodingKeys: String, CodingKey {
            case sinceSnapshot = "since_snapshot", sinceAsOf = "since_as_of", customers, bySegment = "by_segment"
        }
    }

    /// One customer's inputs and scores.
    public struct Score: Codable, Hashable, Sendable {
        public var customerID: String
        public var recencyDays: Int
        public var frequency: Int
        public var monetary: String
        public var r: Int
        public var f: Int
        public var m: Int
        public var segment: String

        enum CodingKeys: String, CodingKey {
            case customerID = "customer_id", recencyDays = "recency_days", frequency, monetary, r, f, m, segment
        }
    }

    public var summary: RFMSummaryDocument
    public var parameters: String
    public var moves: Moves?
    public var scores: [Score]

    enum CodingKeys: String, CodingKey {
        case asOf = "as_of", bins, revenue, currency, grid, segments, parameters, moves, customers
    }

    /// The run; with `segment`, only that segment's customers are listed.
    public init(_ run: RFMRun, segment: String? = nil) {
        let digits = CurrencyCode.minorUnitDigits(of: run.currency)
        summary = RFMSummaryDocument(run)
        parameters = run.parameters
        if let previous = run.previousSnapshot, run.comparable {
            moves = Moves(
                sinceSnapshot: previous.id, sinceAsOf: previous.asOf.description, customers: run.moves.count,
                bySegment: SegmentMove.summary(run.moves).map {
                    Moves.Count(from: $0.from, to: $0.to, customers: $0.customers)
                })
        }
        scores = run.scores.filter { segment == nil || $0.segment == segment }.map {
            Score(
                customerID: $0.fact.key, recencyDays: $0.fact.recencyDays, frequency: $0.fact.frequency,
                monetary: Money.decimalString($0.fact.monetaryMinor, digits: digits), r: $0.r, f: $0.f, m: $0.m,
                segment: $0.segment)
        }
    }

    /// The summary's keys but its count (`customers` lists the scores here), then
    /// `parameters` and `moves` (null without a comparable snapshot).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(summary.asOf, forKey: .asOf)
        try container.encode(summary.bins, forKey: .bins)
        try container.encode(summary.revenue, forKey: .revenue)
        try container.encode(summary.currency, forKey: .currency)
        try container.encode(summary.grid, forKey: .grid)
        try container.encode(summary.segments, forKey: .segments)
        try container.encode(parameters, forKey: .parameters)
        try container.encode(moves, forKey: .moves)
        try container.encode(scores, forKey: .customers)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        scores = try container.decode([Score].self, forKey: .customers)
        summary = RFMSummaryDocument(
            asOf: try container.decode(String.self, forKey: .asOf), bins: try container.decode(Int.self, forKey: .bins),
            customers: scores.count, revenue: try container.decode(String.self, forKey: .revenue),
            currency: try container.decodeIfPresent(String.self, forKey: .currency),
            grid: try container.decode([RFMSummaryDocument.Cell].self, forKey: .grid),
            segments: try container.decode([RFMSummaryDocument.Segment].self, forKey: .segments))
        parameters = try container.decode(String.self, forKey: .parameters)
        moves = try container.decodeIfPresent(Moves.self, forKey: .moves)
    }
}

/// JSON the way every Patron document is written: keys sorted, slashes as they are.
public enum PatronJSON {
    /// The encoder of Patron's JSON documents.
    public static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
