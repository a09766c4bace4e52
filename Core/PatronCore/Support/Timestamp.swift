import Foundation

/// Reading and writing instants as RFC 3339 text, always UTC on output.
public enum Timestamp {
    /// Parses RFC 3339 (`2024-03-01T10:00:00Z`, with offset or fractional seconds) or a plain
    /// `YYYY-MM-DD` (midnight UTC). Returns seconds since the epoch.
    public static func parse(_ text: String) -> Int64? {
        // (Ten bytes, not ten characters: a day Day(iso:) reads is ASCII, and counting
        // characters costs more than the rest.)
        if text.utf8.count == 10, let day = Day(iso: text) { return day.epochSeconds }
        let original = text
        var text = text
        return text.withUTF8 { bytes in parse(bytes, day: { Day(iso: original.prefix(10)) }) }
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>, day: () -> Day?) -> Int64? {
        guard bytes.count >= 19, let day = day() else { return nil }
        let sep = bytes[10]
        guard sep == UInt8(ascii: "T") || sep == UInt8(ascii: " ") || sep == UInt8(ascii: "t"),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":")
        else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let b = bytes[index]
                guard b >= 48, b <= 57 else { return nil }
                value = value * 10 + Int(b - 48)
            }
            return value
        }
        guard let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 { index += 1 }
        }
        var offset = 0
        if index == bytes.count {
            offset = 0  // no zone: taken as UTC
        } else if bytes[index] == UInt8(ascii: "Z") || bytes[index] == UInt8(ascii: "z") {
            guard index + 1 == bytes.count else { return nil }
        } else if bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            let sign = bytes[index] == UInt8(ascii: "+") ? 1 : -1
            let rest = bytes.count - index - 1
            if rest == 5, bytes[index + 3] == UInt8(ascii: ":"), let h = number(index + 1..<index + 3),
                let m = number(index + 4..<index + 6)
            {
                offset = sign * (h * 3600 + m * 60)
            } else if rest == 4, let h = number(index + 1..<index + 3), let m = number(index + 3..<index + 5) {
                offset = sign * (h * 3600 + m * 60)
            } else {
                return nil
            }
        } else {
            return nil
        }
        return day.epochSeconds + Int64(hour * 3600 + minute * 60 + second - offset)
    }

    /// `2024-03-01T10:00:00Z`.
    public static func format(_ epochSeconds: Int64) -> String {
        let day = Day(epochSeconds: epochSeconds)
        let secs = Int(epochSeconds - day.epochSeconds)
        return "\(day)T\(pad2(secs / 3600)):\(pad2(secs / 60 % 60)):\(pad2(secs % 60))Z"
    }

    static func pad2(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
}
