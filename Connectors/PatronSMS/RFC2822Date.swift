import Foundation

/// Parses RFC 2822 dates (`Thu, 24 Aug 2023 05:01:45 +0000`) without a locale-dependent formatter.
enum RFC2822Date {
    static func parse(_ text: String) -> Date? {
        var parts = text.split(whereSeparator: \.isWhitespace).map(String.init)
        if let first = parts.first, first.hasSuffix(",") || first.count == 3 && Int(first) == nil && parts.count == 6 {
            parts.removeFirst()  // the optional day of the week
        }
        guard parts.count == 5, let day = Int(parts[0]), (1...31).contains(day),
            let month = months.firstIndex(of: parts[1].lowercased()).map({ $0 + 1 }),
            var year = Int(parts[2]), let offset = zoneOffset(parts[4])
        else { return nil }
        if parts[2].count == 2 { year += year < 50 ? 2000 : 1900 }
        let time = parts[3].split(separator: ":").map { Int($0) }
        guard time.count == 2 || time.count == 3, let hour = time[0], let minute = time[1],
            (0...23).contains(hour), (0...59).contains(minute)
        else { return nil }
        let second = time.count == 3 ? time[2] : 0
        guard let second, (0...60).contains(second) else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// Seconds east of UTC for `+hhmm`, `-hhmm`, `GMT`, `UT`, `UTC` or `Z`.
    private static func zoneOffset(_ zone: String) -> Int? {
        if ["GMT", "UT", "UTC", "Z"].contains(zone.uppercased()) { return 0 }
        guard zone.count == 5, let sign = zone.first, sign == "+" || sign == "-",
            let value = Int(zone.dropFirst()), zone.dropFirst().allSatisfy({ $0.isASCII && $0.isNumber })
        else { return nil }
        let seconds = (value / 100) * 3_600 + (value % 100) * 60
        return sign == "-" ? -seconds : seconds
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's algorithm).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
