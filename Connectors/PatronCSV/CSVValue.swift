import Foundation
import PatronCore

/// Reading the values of shop exports: amounts, identifiers and dates as spreadsheets and
/// shop platforms write them. Every failure is a reason a person can act on.
public enum CSVValue {
    /// Why a value was refused.
    public struct Refusal: Error, Hashable, Sendable {
        public var reason: String
        /// A row left out on purpose (counted as skipped), not a bad one.
        public var skip = false

        public init(reason: String, skip: Bool = false) {
            self.reason = reason
            self.skip = skip
        }
    }

    /// Text without surrounding spaces and without the `'` spreadsheets use to keep text as text.
    public static func clean(_ text: String) -> String {
        // Most cells need nothing: look at the ends before building anything.
        let bytes = text.utf8
        guard let first = bytes.first, let last = bytes.last else { return text }
        if first != UInt8(ascii: " ") && first != 9 && first != UInt8(ascii: "'") && last != UInt8(ascii: " ")
            && last != 9
        {
            return text
        }
        var value = Substring(text)
        while let c = value.first, c == " " || c == "\t" { value.removeFirst() }
        while let c = value.last, c == " " || c == "\t" { value.removeLast() }
        if value.hasPrefix("'") { value.removeFirst() }
        return String(value)
    }

    /// An identifier. `13607.0` (a spreadsheet's float) is `13607`; scientific notation
    /// (`7.02255E+12`) has lost digits and is refused with "precision lost".
    public static func identifier(_ text: String) throws(Refusal) -> String {
        let value = clean(text)
        if isScientific(value) {
            throw Refusal(reason: "precision lost: '\(value)' is an id a spreadsheet turned into scientific notation")
        }
        if let point = value.firstIndex(of: "."), value[value.startIndex..<point].allSatisfy(\.isNumber),
            !value[value.startIndex..<point].isEmpty, value[value.index(after: point)...].allSatisfy({ $0 == "0" })
        {
            return String(value[value.startIndex..<point])
        }
        return value
    }

    /// `7.02255E+12`, `7,02255E+12`, `1e3`: a mantissa with one decimal mark, then E and an exponent.
    static func isScientific(_ value: String) -> Bool {
        // Most values hold no E at all: decide that without building anything.
        guard value.utf8.contains(where: { $0 == UInt8(ascii: "E") || $0 == UInt8(ascii: "e") }) else { return false }
        let parts = value.uppercased().split(separator: "E", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        var mantissa = Substring(parts[0])
        if mantissa.hasPrefix("-") { mantissa = mantissa.dropFirst() }
        let pieces = mantissa.split(whereSeparator: { $0 == "." || $0 == "," })
        var exponent = Substring(parts[1])
        if exponent.hasPrefix("+") || exponent.hasPrefix("-") { exponent = exponent.dropFirst() }
        return (1...2).contains(pieces.count) && mantissa.first?.isNumber == true
            && pieces.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } } && !exponent.isEmpty
            && exponent.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// An amount in minor units with `digits` decimals: `1,234.56`, `1.234,56` (`decimalComma`),
    /// `$12.50`, `12,50 €`, `EUR 12.50`, `-3.20`, `(3.20)`. More decimals than the currency has are
    /// refused rather than rounded.
    public static func amount(_ text: String, digits: Int, decimalComma: Bool = false) throws(Refusal) -> Int64 {
        if let minor = plainAmount(text, digits: digits, decimalComma: decimalComma) { return minor }
        return try anyAmount(text, digits: digits, decimalComma: decimalComma)
    }

    /// The common cell (`-1234.5`: an optional minus, ASCII digits, the decimal point and no more
    /// decimals than the currency has) straight from its bytes; `nil` for anything else, which
    /// ``anyAmount(_:digits:decimalComma:)`` reads (or refuses). Both give the same answer where
    /// this one answers (a property test checks it).
    package static func plainAmount(_ text: String, digits: Int, decimalComma: Bool) -> Int64? {
        let point = decimalComma ? UInt8(ascii: ",") : UInt8(ascii: ".")
        var integer: Int64 = 0
        var integerDigits = 0
        var fraction: Int64 = 0
        var fractionDigits = 0
        var negative = false
        var afterPoint = false
        for (index, byte) in text.utf8.enumerated() {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let digit = Int64(byte &- UInt8(ascii: "0"))
                if afterPoint {
                    fractionDigits += 1
                    guard fractionDigits <= digits else { return nil }
                    fraction = fraction * 10 + digit
                } else {
                    integerDigits += 1
                    guard integerDigits + digits <= 18 else { return nil }
                    integer = integer * 10 + digit
                }
            case UInt8(ascii: "-") where index == 0: negative = true
            case point where !afterPoint && integerDigits > 0: afterPoint = true
            default: return nil
            }
        }
        guard integerDigits > 0, !afterPoint || fractionDigits > 0 else { return nil }
        var scale: Int64 = 1
        for _ in 0..<digits { scale *= 10 }
        var fractionScale: Int64 = 1
        for _ in 0..<(digits - fractionDigits) { fractionScale *= 10 }
        let minor = integer * scale + fraction * fractionScale
        guard minor <= Money.largestMinorUnits else { return nil }
        return negative ? -minor : minor
    }

    /// Every accepted shape of amount (symbols, codes, groups, brackets, a decimal comma).
    package static func anyAmount(_ text: String, digits: Int, decimalComma: Bool) throws(Refusal) -> Int64 {
        var value = clean(text)
        var negative = false
        if value.hasPrefix("(") && value.hasSuffix(")") {
            negative = true
            value = String(value.dropFirst().dropLast())
        }
        // Currency symbols and codes around the number.
        value = String(
            value.unicodeScalars.filter { !CharacterSet.letters.contains($0) && !"$€£¥ ".unicodeScalars.contains($0) })
        if value.hasPrefix("-") {
            negative.toggle()
            value.removeFirst()
        } else if value.hasPrefix("+") {
            value.removeFirst()
        }
        let (point, group): (Character, Character) = decimalComma ? (",", ".") : (".", ",")
        var integer = ""
        var fraction: String?
        // Thousands separators must separate groups of three digits.
        var grouped = false
        var sinceGroup = 0
        for character in value {
            if character == point {
                guard fraction == nil, !grouped || sinceGroup == 3 else {
                    throw Refusal(reason: "'\(text)' is not an amount")
                }
                fraction = ""
            } else if character == group || character == "'" || character == "\u{A0}" || character == "\u{202F}" {
                guard fraction == nil, !integer.isEmpty, !grouped || sinceGroup == 3 else {
                    throw Refusal(reason: "'\(text)' is not an amount")
                }
                grouped = true
                sinceGroup = 0
            } else if character.isASCII, character.isNumber {
                if fraction == nil { sinceGroup += 1 }
                if fraction != nil { fraction!.append(character) } else { integer.append(character) }
            } else {
                throw Refusal(reason: "'\(text)' is not an amount")
            }
        }
        guard !integer.isEmpty || !(fraction ?? "").isEmpty, !grouped || fraction != nil || sinceGroup == 3 else {
            throw Refusal(reason: "'\(text)' is not an amount")
        }
        let decimals = fraction ?? ""
        let trimmed = decimals.count > digits ? String(decimals.dropLast(decimals.count - digits)) : decimals
        guard decimals.count <= digits || decimals.dropFirst(digits).allSatisfy({ $0 == "0" }) else {
            throw Refusal(reason: "'\(text)' has more than \(digits) decimals")
        }
        let padded = trimmed + String(repeating: "0", count: digits - trimmed.count)
        guard let minor = Int64((integer.isEmpty ? "0" : integer) + padded), minor <= Money.largestMinorUnits else {
            throw Refusal(reason: "'\(text)' is out of range")
        }
        return negative ? -minor : minor
    }

    /// An integer count (`6`, `-2`, `6.0`).
    public static func integer(_ text: String) throws(Refusal) -> Int {
        let value = clean(text)
        if let number = Int(value) { return number }
        if let double = Double(value), double == double.rounded(), abs(double) < 1e15 { return Int(double) }
        throw Refusal(reason: "'\(text)' is not a whole number")
    }

    /// An instant in epoch seconds from the date formats of common exports: RFC 3339 / ISO 8601
    /// (`2024-01-31T10:00:00+01:00`, `2024-01-31 10:00:00 -0500`, `…Z`), a date alone
    /// (`2024-01-31`), US `12/1/2010 8:26` and European `31.01.2024 08:26`. Without an offset the
    /// time is UTC.
    public static func instant(_ text: String) throws(Refusal) -> Int64 {
        let value = clean(text)
        let refusal = Refusal(
            reason: "'\(text)' is not a date (expected e.g. 2024-01-31, 2024-01-31 10:00:00 +01:00 or 1/31/2024 10:00)")
        var scanner = DateScanner(Array(value.utf8))
        // The date part.
        guard let first = scanner.number() else { throw refusal }
        let year: Int
        let month: Int
        let day: Int
        if scanner.take(UInt8(ascii: "-")) {
            guard first.digits == 4, let m = scanner.number(), scanner.take(UInt8(ascii: "-")), let d = scanner.number()
            else { throw refusal }
            (year, month, day) = (first.value, m.value, d.value)
        } else if scanner.take(UInt8(ascii: "/")) {
            guard let d = scanner.number(), scanner.take(UInt8(ascii: "/")), let y = scanner.number(), y.digits == 4
            else { throw refusal }
            (year, month, day) = (y.value, first.value, d.value)
        } else if scanner.take(UInt8(ascii: ".")) {
            guard let m = scanner.number(), scanner.take(UInt8(ascii: ".")), let y = scanner.number(), y.digits == 4
            else { throw refusal }
            (year, month, day) = (y.value, m.value, first.value)
        } else {
            throw refusal
        }
        guard let date = Day(year: year, month: month, day: day) else { throw refusal }
        var seconds = 0
        // The time part.
        if scanner.take(UInt8(ascii: "T")) || scanner.take(UInt8(ascii: " ")) {
            scanner.skipSpaces()
            if let hour = scanner.number() {
                guard scanner.take(UInt8(ascii: ":")), let minute = scanner.number(), hour.value < 24, minute.value < 60
                else { throw refusal }
                seconds = hour.value * 3600 + minute.value * 60
                if scanner.take(UInt8(ascii: ":")) {
                    guard let second = scanner.number(), second.value < 61 else { throw refusal }
                    seconds += min(second.value, 59)
                    if scanner.take(UInt8(ascii: ".")) { _ = scanner.number() }
                }
            }
        }
        // The offset.
        scanner.skipSpaces()
        var offset = 0
        if scanner.take(UInt8(ascii: "Z")) || scanner.atEnd {
            offset = 0
        } else if let sign = scanner.sign() {
            guard let hours = scanner.number() else { throw refusal }
            var h = hours.value
            var m = 0
            if hours.digits == 4 {
                (h, m) = (hours.value / 100, hours.value % 100)
            } else if scanner.take(UInt8(ascii: ":")) {
                guard let minutes = scanner.number() else { throw refusal }
                m = minutes.value
            }
            guard h <= 18, m < 60 else { throw refusal }
            offset = sign * (h * 3600 + m * 60)
        } else if scanner.rest.uppercased() == "UTC" || scanner.rest.uppercased() == "GMT" {
            offset = 0
            scanner.position = scanner.bytes.count
        } else {
            throw refusal
        }
        scanner.skipSpaces()
        guard scanner.atEnd else { throw refusal }
        return date.epochSeconds + Int64(seconds - offset)
    }
}

/// A cursor over a date's ASCII bytes.
struct DateScanner {
    let bytes: [UInt8]
    var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { position >= bytes.count }
    var rest: String { String(decoding: bytes[min(position, bytes.count)...], as: UTF8.self) }

    mutating func number() -> (value: Int, digits: Int)? {
        var value = 0
        var digits = 0
        while position < bytes.count, bytes[position] >= 48, bytes[position] <= 57, digits < 9 {
            value = value * 10 + Int(bytes[position] - 48)
            digits += 1
            position += 1
        }
        return digits > 0 ? (value, digits) : nil
    }

    mutating func take(_ byte: UInt8) -> Bool {
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    mutating func sign() -> Int? {
        if take(UInt8(ascii: "+")) { return 1 }
        if take(UInt8(ascii: "-")) { return -1 }
        return nil
    }

    mutating func skipSpaces() {
        while position < bytes.count, bytes[position] == UInt8(ascii: " ") { position += 1 }
    }
}
