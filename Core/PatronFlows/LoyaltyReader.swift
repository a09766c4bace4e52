import Foundation
import PatronCore
import Yams

/// Reads a composed loyalty rules file into a ``LoyaltyProgram`` (``LoyaltyFile``).
struct LoyaltyReader: YAMLFileReader {
    let file: String
    let source: SourceText
    let currencyDigits: Int
    var errors: [FlowFileError] = []

    init(file: String, source: SourceText, currencyDigits: Int) {
        self.file = file
        self.source = source
        self.currencyDigits = currencyDigits
    }

    static let topLevelKeys = ["earn", "actions", "referral", "expiry", "return_window", "tiers"]
    /// The most points one rule may give: more is a typo, and sums must not overflow.
    static let mostPoints: Int64 = 1_000_000_000

    /// The programme, or `nil` when anything was wrong (then ``errors`` says what).
    mutating func read(_ root: Node) -> LoyaltyProgram? {
        guard root.mapping != nil else {
            fail("a loyalty file is a map with earn, actions, expiry and tiers; found \(root.described)", at: root)
            return nil
        }
        let keys = entries(of: root, allowed: Self.topLevelKeys) { "unknown key '\($0)'" }
        var program = LoyaltyProgram()
        if let earn = required("earn", in: keys, of: root) { readEarn(earn.value, into: &program) }
        program.actions = keys["actions"].map { readActions($0.value) } ?? [:]
        program.referral = keys["referral"].flatMap { readReferral($0.value) }
        program.expiry = keys["expiry"].flatMap { readExpiry($0.value) } ?? .never
        program.returnWindowDays = keys["return_window"].flatMap { days($0.value, name: "return_window") } ?? 0
        program.tiers = keys["tiers"].flatMap { readTiers($0.value) }
        return errors.isEmpty ? program : nil
    }

    private mutating func readEarn(_ node: Node, into program: inout LoyaltyProgram) {
        let keys = entries(of: node, allowed: ["points", "per", "max_per_order", "multipliers"]) {
            "unknown key '\($0)' in earn"
        }
        if let given = required("points", in: keys, of: node).flatMap({ self.points($0.value, name: "points") }) {
            program.points = given
        }
        if let per = required("per", in: keys, of: node).flatMap({ amount($0.value, name: "per") }) {
            if per == 0 { fail("per must be more than 0", at: keys["per"]!.value) } else { program.perMinor = per }
        }
        program.maxPointsPerOrder = keys["max_per_order"].flatMap { points($0.value, name: "max_per_order") }
        guard let multipliers = keys["multipliers"] else { return }
        let kinds = entries(of: multipliers.value, allowed: ["skus", "tags"]) { "unknown key '\($0)' in multipliers" }
        program.skuMultipliers = kinds["skus"].map { readMultipliers($0.value) } ?? [:]
        program.tagMultipliers = kinds["tags"].map { readMultipliers($0.value) } ?? [:]
    }

    private mutating func readMultipliers(_ node: Node) -> [String: Int64] {
        guard let mapping = node.mapping else {
            fail("expected a map of names to multipliers like { COFFEE-1KG: 2 }, found \(node.described)", at: node)
            return [:]
        }
        var result: [String: Int64] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string, !key.isNull else {
                fail("a key must be a plain name, found \(key.described)", at: key)
                continue
            }
            if let multiplier = multiplier(value) { result[name] = multiplier }
        }
        return result
    }

    private mutating func readActions(_ node: Node) -> [String: LoyaltyProgram.ActionRule] {
        guard let mapping = node.mapping else {
            fail("expected a map of actions to points like { signup: 50 }, found \(node.described)", at: node)
            return [:]
        }
        var result: [String: LoyaltyProgram.ActionRule] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string, !key.isNull else {
                fail("a key must be a plain name, found \(key.described)", at: key)
                continue
            }
            if value.mapping != nil {
                let keys = entries(of: value, allowed: ["points", "max_per_year"]) {
                    "unknown key '\($0)' in action '\(name)'"
                }
                let given = required("points", in: keys, of: value).flatMap { self.points($0.value, name: "points") }
                let cap = keys["max_per_year"].flatMap { integer($0.value, name: "max_per_year", minimum: 1) }
                if let given { result[name] = .init(points: given, maxPerYear: cap) }
            } else if let given = points(value, name: name) {
                result[name] = .init(points: given)
            }
        }
        return result
    }

    private mutating func readReferral(_ node: Node) -> LoyaltyProgram.ReferralRule? {
        let keys = entries(of: node, allowed: ["referrer", "referee"]) { "unknown key '\($0)' in referral" }
        let referrer = required("referrer", in: keys, of: node).flatMap { self.points($0.value, name: "referrer") }
        let referee = required("referee", in: keys, of: node).flatMap { self.points($0.value, name: "referee") }
        guard let referrer, let referee else { return nil }
        return .init(referrerPoints: referrer, refereePoints: referee)
    }

    private mutating func readExpiry(_ node: Node) -> LoyaltyProgram.ExpiryPolicy? {
        if node.scalar?.string == "never" { return .never }
        guard let mapping = node.mapping, mapping.count == 1 else {
            fail(
                "expected never, { after_days: N }, { end_of_month: MONTHS } or { end_of_year: YEARS }, "
                    + "found \(node.described)", at: node)
            return nil
        }
        let kinds = entries(of: node, allowed: ["after_days", "end_of_month", "end_of_year"]) {
            "unknown expiry '\($0)'"
        }
        if let v = kinds["after_days"] {
            return integer(v.value, name: "after_days", minimum: 1).map { .afterDays($0) }
        }
        if let v = kinds["end_of_month"] {
            return integer(v.value, name: "end_of_month", minimum: 0).map { .endOfMonth(afterMonths: $0) }
        }
        if let v = kinds["end_of_year"] {
            return integer(v.value, name: "end_of_year", minimum: 0).map { .endOfYear(afterYears: $0) }
        }
        return nil
    }

    private mutating func readTiers(_ node: Node) -> TierPolicy? {
        let keys = entries(of: node, allowed: ["basis", "window", "grace", "levels"]) { "unknown key '\($0)' in tiers" }
        var basis = TierPolicy.Basis.pointsEarned
        if let entry = keys["basis"] {
            let text = entry.value.scalar?.string ?? ""
            if let known = TierPolicy.Basis(rawValue: text), !entry.value.isNull {
                basis = known
            } else {
                fail("expected basis points_earned or net_spend, found \(entry.value.described)", at: entry.value)
            }
        }
        var window = TierPolicy.Window.rollingDays(365)
        if let entry = keys["window"] {
            if entry.value.scalar?.string == "calendar_year" {
                window = .calendarYear
            } else if let days = days(entry.value, name: "window", orElse: "or calendar_year") {
                if days == 0 {
                    fail("window must be at least 1d, found \(entry.value.described)", at: entry.value)
                } else {
                    window = .rollingDays(days)
                }
            }
        }
        let grace = keys["grace"].flatMap { days($0.value, name: "grace") } ?? 0
        guard let levels = required("levels", in: keys, of: node) else { return nil }
        guard let list = levels.value.sequence, !list.isEmpty else {
            fail(
                "expected a list of tiers like - { name: Silver, from: 500 }, found \(levels.value.described)",
                at: levels.value)
            return nil
        }
        var tiers: [TierPolicy.Tier] = []
        for item in list {
            let keys = entries(of: item, allowed: ["name", "from"]) { "unknown key '\($0)' in a tier" }
            let name = required("name", in: keys, of: item).flatMap { text($0.value, what: "a tier name") }
            guard let from = required("from", in: keys, of: item) else { continue }
            let threshold =
                basis == .netSpend ? amount(from.value, name: "from") : points(from.value, name: "from", zero: true)
            guard let name, let threshold else { continue }
            if tiers.contains(where: { $0.name == name }) {
                fail("tier '\(name)' is named twice", at: keys["name"]!.value)
            } else if let last = tiers.last, threshold <= last.threshold {
                fail(
                    "tiers go up: '\(name)' must start above '\(last.name)' (\(last.threshold)), found \(threshold)",
                    at: from.value)
            } else {
                tiers.append(.init(name: name, threshold: threshold))
            }
        }
        return TierPolicy(tiers: tiers, basis: basis, window: window, graceDays: grace)
    }

    // MARK: Values

    /// A whole number of points, more than 0 (or 0 when `zero`), at most a billion.
    private mutating func points(_ node: Node, name: String, zero: Bool = false) -> Int64? {
        guard !node.isNull, let value = Int64(node.scalar?.string ?? "") else {
            fail("expected a whole number of points for \(name), found \(node.described)", at: node)
            return nil
        }
        guard value > 0 || (zero && value == 0) else {
            fail("\(name) must be \(zero ? "0 or more" : "more than 0"), found \(value)", at: node)
            return nil
        }
        guard value <= Self.mostPoints else {
            fail("\(name) can be at most \(Self.mostPoints), found \(value)", at: node)
            return nil
        }
        return value
    }

    /// A multiplier like `2` or `1.5`, in thousandths; more than 0, at most 100.
    private mutating func multiplier(_ node: Node) -> Int64? {
        guard !node.isNull, let text = node.scalar?.string, let value = try? Money.parseMinorUnits(text, digits: 3),
            value > 0, value <= 100_000
        else {
            fail("expected a multiplier like 2 or 1.5 (above 0, at most 100), found \(node.described)", at: node)
            return nil
        }
        return value
    }

    /// A duration of whole days (`30d`), as days.
    private mutating func days(_ node: Node, name: String, orElse: String = "") -> Int? {
        let seconds = FlowDuration.seconds(node.scalar?.string ?? "")
        guard !node.isNull, let seconds, seconds % 86_400 == 0, seconds <= Self.longestDuration else {
            let other = orElse.isEmpty ? "" : " \(orElse)"
            fail("expected \(name) in whole days like 30d\(other), found \(node.described)", at: node)
            return nil
        }
        return Int(seconds / 86_400)
    }
}
