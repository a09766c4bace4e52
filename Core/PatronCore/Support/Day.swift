import Foundation

/// A calendar day in UTC, counted from 1970-01-01. Recency and windows are whole days.
public struct Day: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Days since 1970-01-01 (negative before).
    public var rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// The UTC day that contains `date`.
    public init(_ date: Date) {
        rawValue = Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
    }

    /// The UTC day that contains the instant `epochSeconds`.
    public init(epochSeconds: Int64) {
        rawValue = Int(epochSeconds >= 0 ? epochSeconds / 86_400 : (epochSeconds - 86_399) / 86_400)
    }

    /// Parses `YYYY-MM-DD`; `nil` when it is not a valid date.
    public init?(iso text: some StringProtocol) {
        // The usual spelling, ten ASCII bytes, read from the bytes; the rest by parts.
        if let plain = text.utf8.withContiguousStorageIfAvailable(Self.plainISOFields) ?? nil {
            self.init(year: plain.year, month: plain.month, day: plain.day)
            return
        }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return nil }
        self.init(year: year, month: month, day: day)
    }

    /// `YYYY-MM-DD` spelled with digits only, as fields; `nil` for anything else.
    private static func plainISOFields(_ bytes: UnsafeBufferPointer<UInt8>) -> (year: Int, month: Int, day: Int)? {
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int(digit)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else { return nil }
        return (year, month, day)
    }

    /// The day with this year, month (1–12) and day of month; `nil` when there is no such date.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= Self.daysInMonth(year: year, month: month) else { return nil }
        rawValue = Self.civilDays(year: year, month: month, day: day)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date, unchecked (a day past the month's end
    /// runs into the next) — Howard Hinnant's `days_from_civil`, the one copy every date parser
    /// of Patron uses.
    public static func civilDays(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Today in UTC.
    public static var today: Day { Day(Date()) }

    /// (year, month, day) of this day.
    public var components: (year: Int, month: Int, day: Int) {
        let z = rawValue + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// Months since 1970-01 (`year * 12 + month - 1`), for monthly cohorts.
    public var monthIndex: Int {
        let c = components
        return c.year * 12 + c.month - 1
    }

    /// The first instant of the day, as seconds since the epoch.
    public var epochSeconds: Int64 { Int64(rawValue) * 86_400 }

    public static func + (lhs: Day, rhs: Int) -> Day { Day(rawValue: lhs.rawValue + rhs) }
    public static func - (lhs: Day, rhs: Int) -> Day { Day(rawValue: lhs.rawValue - rhs) }
    public static func - (lhs: Day, rhs: Day) -> Int { lhs.rawValue - rhs.rawValue }
    public static func < (lhs: Day, rhs: Day) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        let c = components
        let year = String(c.year)
        return String(repeating: "0", count: max(0, 4 - year.count)) + year + "-" + Timestamp.pad2(c.month) + "-"
            + Timestamp.pad2(c.day)
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
