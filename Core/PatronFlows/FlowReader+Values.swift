import Foundation
import PatronCore
import Yams

/// The scalar values every Patron YAML file reads, each reported at its node when wrong.
extension YAMLFileReader {
    static var longestDuration: Int64 { 3_650 * 86_400 }

    /// A duration in seconds (`4h`, `1d12h`); `positive`: zero is an error too.
    mutating func duration(_ node: Node, positive: Bool) -> Int64? {
        guard node.scalar != nil, !node.isNull, let seconds = FlowDuration.seconds(node.scalar?.string ?? "") else {
            fail("expected a duration like 4h, found \(node.described)", at: node)
            return nil
        }
        if positive, seconds == 0 {
            fail("expected a duration longer than 0, found \(node.described)", at: node)
            return nil
        }
        // Ten years: longer is a typo, and sums of times must not overflow.
        guard seconds <= Self.longestDuration else {
            fail("a duration can be at most 3650d, found \(node.described)", at: node)
            return nil
        }
        return seconds
    }

    /// A whole number, at least `minimum`; `name` is the key, for the range message.
    mutating func integer(_ node: Node, name: String, minimum: Int) -> Int? {
        guard node.scalar != nil, !node.isNull, let value = Int(node.scalar?.string ?? "") else {
            fail("expected a whole number, found \(node.described)", at: node)
            return nil
        }
        guard value >= minimum else {
            fail("\(name) must be at least \(minimum), found \(value)", at: node)
            return nil
        }
        guard value <= 3_650 else {
            fail("\(name) can be at most 3650, found \(value)", at: node)
            return nil
        }
        return value
    }

    /// `true` or `false`.
    mutating func boolean(_ node: Node) -> Bool? {
        switch node.scalar?.string.lowercased() {
        case "true" where !node.isNull: return true
        case "false" where !node.isNull: return false
        default:
            fail("expected true or false, found \(node.described)", at: node)
            return nil
        }
    }

    /// A non-negative amount in minor units of the store's currency (`"20.00"`, `20`).
    mutating func amount(_ node: Node, name: String) -> Int64? {
        guard let text = text(node, what: "an amount like 20.00") else { return nil }
        do {
            let minor = try Money.parseMinorUnits(text, digits: currencyDigits)
            guard minor >= 0 else {
                fail("\(name) must not be negative, found '\(text)'", at: node)
                return nil
            }
            return minor
        } catch {
            let reason = error.reason == "is not a number" ? "" : " (\(error.reason))"
            fail("expected an amount like 20.00, found '\(text)'\(reason)", at: node)
            return nil
        }
    }

    /// A time of day, `HH:MM`, as minutes after midnight.
    mutating func minuteOfDay(_ node: Node) -> Int? {
        let parts = (node.scalar?.string ?? "").split(separator: ":", omittingEmptySubsequences: false)
        guard !node.isNull, parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2,
            let hour = Int(parts[0]), let minute = Int(parts[1]), (0...23).contains(hour), (0...59).contains(minute)
        else {
            fail("expected a time of day like 09:00, found \(node.described)", at: node)
            return nil
        }
        return hour * 60 + minute
    }

    /// An RFC 3339 date and time (`2025-01-06T09:00:00Z`), as seconds since the epoch.
    mutating func timestamp(_ node: Node) -> Int64? {
        let text = node.scalar?.string ?? ""
        let formatter = ISO8601DateFormatter()
        var date = node.isNull ? nil : formatter.date(from: text)
        if date == nil, !node.isNull {
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            date = formatter.date(from: text)
        }
        guard let date else {
            fail("expected a date and time like 2025-01-06T09:00:00Z, found \(node.described)", at: node)
            return nil
        }
        return Int64(date.timeIntervalSince1970.rounded(.down))
    }
}
