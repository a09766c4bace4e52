import Foundation

/// Names for cells of the RFM grid: rules tried in order, the first that matches wins.
public struct RFMSegmentMap: Hashable, Sendable {
    /// One named rule; a dimension left `nil` matches any score.
    public struct Rule: Hashable, Sendable {
        public var name: String
        public var r: ClosedRange<Int>?
        public var f: ClosedRange<Int>?
        public var m: ClosedRange<Int>?
        public init(_ name: String, r: ClosedRange<Int>? = nil, f: ClosedRange<Int>? = nil, m: ClosedRange<Int>? = nil)
        {
            self.name = name
            self.r = r
            self.f = f
            self.m = m
        }

        func matches(r: Int, f: Int, m: Int) -> Bool {
            (self.r?.contains(r) ?? true) && (self.f?.contains(f) ?? true) && (self.m?.contains(m) ?? true)
        }
    }

    /// The number of scores per dimension the map was written for.
    public var bins: Int
    public var rules: [Rule]
    /// The name when no rule matches.
    public var otherwise: String

    public init(bins: Int, rules: [Rule], otherwise: String) throws(PatronError) {
        for rule in rules {
            for (name, range) in [("r", rule.r), ("f", rule.f), ("m", rule.m)] {
                if let range, range.lowerBound < 1 || range.upperBound > bins {
                    throw PatronError(
                        .invalidValue, "segment '\(rule.name)': \(name) \(range) is outside 1…\(bins)")
                }
            }
        }
        self.bins = bins
        self.rules = rules
        self.otherwise = otherwise
    }

    /// The segment name for a cell.
    public func segment(r: Int, f: Int, m: Int) -> String {
        for rule in rules where rule.matches(r: r, f: f, m: m) { return rule.name }
        return otherwise
    }

    /// For every cell, the index in ``names`` of its segment: `table[((r-1)*bins + (f-1))*bins + (m-1)]`.
    /// Scoring a million customers looks segments up here instead of trying rules.
    public var cellTable: [Int] {
        let names = names
        var table: [Int] = []
        table.reserveCapacity(bins * bins * bins)
        for r in 1...bins {
            for f in 1...bins {
                for m in 1...bins { table.append(names.firstIndex(of: segment(r: r, f: f, m: m)) ?? names.count - 1) }
            }
        }
        return table
    }

    /// Every name the map can give, in rule order, `otherwise` last.
    public var names: [String] {
        var seen: [String] = []
        for name in rules.map(\.name) + [otherwise] where !seen.contains(name) { seen.append(name) }
        return seen
    }

    /// The standard map for k = 5, on R and F.
    public static let standard: RFMSegmentMap = try! RFMSegmentMap(
        bins: 5,
        rules: [
            Rule("Champions", r: 5...5, f: 4...5),
            Rule("Potential Loyalists", r: 4...5, f: 2...3),
            Rule("New Customers", r: 5...5, f: 1...1),
            Rule("Promising", r: 4...4, f: 1...1),
            Rule("Loyal Customers", r: 3...4, f: 4...5),
            Rule("Need Attention", r: 3...3, f: 3...3),
            Rule("About To Sleep", r: 3...3, f: 1...2),
            Rule("Can't Lose Them", r: 1...2, f: 5...5),
            Rule("At Risk", r: 1...2, f: 3...4),
        ],
        otherwise: "Hibernating")
}

extension RFMSegmentMap {
    /// Reads a map from JSON:
    /// `{"bins":5,"segments":[{"name":"VIP","r":"4-5","f":[4,5],"m":5}],"otherwise":"Other"}`.
    /// A range is a number, `"lo-hi"` or `[lo, hi]`.
    public static func parse(json data: Data, name: String) throws(PatronError) -> RFMSegmentMap {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw PatronError(.malformedInput, "malformed JSON", at: InputLocation(file: name))
        }
        guard let root = object as? [String: Any], let segments = root["segments"] as? [[String: Any]] else {
            throw PatronError(
                .malformedInput, "expected an object with a 'segments' array", at: InputLocation(file: name))
        }
        let bins = (root["bins"] as? Int) ?? 5
        var rules: [Rule] = []
        for (index, segment) in segments.enumerated() {
            let field = "segments[\(index)]"
            guard let segmentName = segment["name"] as? String, !segmentName.isEmpty else {
                throw PatronError(
                    .malformedInput, "missing name", at: InputLocation(file: name, field: field + ".name"))
            }
            func range(_ key: String) throws(PatronError) -> ClosedRange<Int>? {
                guard let value = segment[key] else { return nil }
                let location = InputLocation(file: name, field: "\(field).\(key)")
                if let number = value as? Int { return number...number }
                if let pair = value as? [Int], pair.count == 2, pair[0] <= pair[1] { return pair[0]...pair[1] }
                if let text = value as? String {
                    let parts = text.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
                    if parts.count == 1, let low = parts[0] { return low...low }
                    if parts.count == 2, let low = parts[0], let high = parts[1], low <= high { return low...high }
                }
                throw PatronError(.invalidValue, "expected a score or a range like \"4-5\"", at: location)
            }
            rules.append(Rule(segmentName, r: try range("r"), f: try range("f"), m: try range("m")))
        }
        do {
            return try RFMSegmentMap(bins: bins, rules: rules, otherwise: (root["otherwise"] as? String) ?? "Other")
        } catch {
            throw error.located(InputLocation(file: name))
        }
    }
}

extension RFMThresholds {
    /// Reads bounds from JSON: `{"recency_days":[30,90,180,365],"frequency":[2,3,5,8],
    /// "monetary":["50","100","250","500"]}` (monetary in major units of `currency`).
    public static func parse(json data: Data, name: String, currency: CurrencyCode) throws(PatronError) -> RFMThresholds
    {
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw PatronError(.malformedInput, "malformed JSON (expected an object)", at: InputLocation(file: name))
        }
        func ints(_ key: String) throws(PatronError) -> [Int] {
            guard let values = root[key] as? [Int] else {
                throw PatronError(
                    .malformedInput, "expected an array of integers", at: InputLocation(file: name, field: key))
            }
            return values
        }
        guard let monetary = root["monetary"] as? [Any] else {
            throw PatronError(
                .malformedInput, "expected an array of amounts", at: InputLocation(file: name, field: "monetary"))
        }
        var monetaryMinor: [Int64] = []
        for (index, value) in monetary.enumerated() {
            let text = (value as? String) ?? "\(value)"
            do {
                monetaryMinor.append(try Money.parse(text, currency: currency).minorUnits)
            } catch {
                throw PatronError(.invalidValue, "\(error)", at: InputLocation(file: name, field: "monetary[\(index)]"))
            }
        }
        do {
            return try RFMThresholds(
                recencyDays: try ints("recency_days"), frequency: try ints("frequency"), monetaryMinor: monetaryMinor)
        } catch {
            throw error.located(InputLocation(file: name))
        }
    }
}
