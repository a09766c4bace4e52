import Foundation

/// Birthdays and other anniversaries, seen from the customer's own calendar.
public enum Anniversary {
    /// The `MM-DD` days from the customer's local "today" (at `now`, in `timeZone`; UTC when the
    /// zone is missing or unknown) through the next `days` days. A 29 February birthday is
    /// celebrated on 28 February in years without one.
    public static func monthDays(now: Int64, days: Int, timeZone: String?) -> Set<String> {
        let today = localDay(now: now, timeZone: timeZone)
        var result: Set<String> = []
        for offset in 0...max(0, days) {
            let c = (today + offset).components
            result.insert("\(Timestamp.pad2(c.month))-\(Timestamp.pad2(c.day))")
            let leap = (c.year % 4 == 0 && c.year % 100 != 0) || c.year % 400 == 0
            if c.month == 2, c.day == 28, !leap { result.insert("02-29") }
        }
        return result
    }

    /// The customer's local calendar day at `now`.
    public static func localDay(now: Int64, timeZone: String?) -> Day {
        let zone = timeZone.flatMap(TimeZone.init(identifier:)) ?? TimeZone(identifier: "UTC")!
        let offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(now))))
        return Day(epochSeconds: now + offset)
    }

    /// The `MM-DD` part of a stored birthday (`YYYY-MM-DD` or `--MM-DD`).
    public static func monthDay(of birthday: String) -> String { String(birthday.suffix(5)) }
}
