import Foundation

/// Parses RFC 5322 (and RFC 2822) dates forgivingly: optional day name, missing seconds, two- and
/// three-digit years, comments such as `(EDT)`, obsolete zones (UT, GMT, EST … PDT, military
/// letters), a few common non-standard abbreviations (CET, JST …) and asctime order
/// (`Mon Sep 20 19:29:27 2021`). The one date parser of mail headers and Twilio's API.
public enum RFC5322Date {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// Zone offsets in minutes east of UTC.
    private static let zones: [String: Int] = [
        "ut": 0, "utc": 0, "gmt": 0, "z": 0, "wet": 0,
        "est": -300, "edt": -240, "cst": -360, "cdt": -300,
        "mst": -420, "mdt": -360, "pst": -480, "pdt": -420,
        "ast": -240, "adt": -180, "akst": -540, "akdt": -480, "hst": -600,
        "bst": 60, "cet": 60, "cest": 120, "met": 60, "mest": 120, "eet": 120, "eest": 180,
        "msk": 180, "ist": 330, "jst": 540, "kst": 540, "hkt": 480, "sgt": 480,
        "aest": 600, "aedt": 660, "nzst": 720, "nzdt": 780,
    ]

    /// The instant, or `nil` when the text is not a date of this family (ISO 8601 is not).
    public static func parse(_ value: String) -> Date? {
        let tokens = tokenize(value)
        var day: Int?
        var month: Int?
        var year: Int?
        var time: (hour: Int, minute: Int, second: Int)?
        var offsetMinutes: Int?
        var numbers: [Substring] = []

        for token in tokens {
            if token.contains(":" as Character) {
                if time == nil { time = parseTime(token) }
                continue
            }
            if let first = token.first, first == "+" || first == "-" {
                if offsetMinutes == nil { offsetMinutes = parseNumericZone(token.dropFirst(), negative: first == "-") }
                continue
            }
            if token.allSatisfy(\.isNumber) {
                numbers.append(token)
                continue
            }
            let lower = token.lowercased()
            if month == nil, lower.count >= 3, let index = months.firstIndex(of: String(lower.prefix(3))) {
                month = index + 1
                continue
            }
            if offsetMinutes == nil, time != nil {
                if let zone = zones[lower] {
                    offsetMinutes = zone
                } else if lower.count == 1, lower != "j" {
                    offsetMinutes = 0  // military zones: RFC 5322 says treat as -0000
                }
            }
        }
        for number in numbers {
            guard let value = Int(number) else { continue }
            if number.count <= 2, day == nil, value >= 1, value <= 31 {
                day = value
            } else if year == nil {
                year = expandYear(value, digits: number.count)
            }
        }
        guard let day, let month, let year, let time, (0...9999).contains(year) else { return nil }
        guard (0...23).contains(time.hour), (0...59).contains(time.minute), (0...60).contains(time.second) else {
            return nil
        }
        let days = Day.civilDays(year: year, month: month, day: day)
        let seconds = days * 86_400 + time.hour * 3600 + time.minute * 60 + time.second - (offsetMinutes ?? 0) * 60
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// Words of the date with comments removed and commas as separators.
    private static func tokenize(_ value: String) -> [Substring] {
        var cleaned = ""
        var depth = 0
        for character in value {
            if character == "(" {
                depth += 1
            } else if character == ")" && depth > 0 {
                depth -= 1
            } else if depth == 0 {
                cleaned.append(character == "," ? " " : character)
            }
        }
        // Keep the token storage alive by returning substrings of one string.
        return cleaned.split(whereSeparator: \.isWhitespace)
    }

    private static func parseTime(_ token: Substring) -> (Int, Int, Int)? {
        let parts = token.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3 else { return nil }
        guard let hour = Int(parts[0]), let minute = Int(parts[1]) else { return nil }
        let second = parts.count == 3 ? Int(parts[2].prefix(while: \.isNumber)) ?? 0 : 0
        return (hour, minute, second)
    }

    private static func parseNumericZone(_ digits: Substring, negative: Bool) -> Int? {
        let clean = digits.filter { $0 != ":" }
        guard clean.count == 4, let value = Int(clean) else { return nil }
        let minutes = (value / 100) * 60 + value % 100
        return negative ? -minutes : minutes
    }

    /// RFC 5322 §4.3: two-digit years below 50 are 20xx, other two- and three-digit years 19xx.
    private static func expandYear(_ value: Int, digits: Int) -> Int {
        if digits <= 2 { return value < 50 ? 2000 + value : 1900 + value }
        if digits == 3 { return 1900 + value }
        return value
    }
}
