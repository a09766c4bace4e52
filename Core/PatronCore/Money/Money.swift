import Foundation

/// An amount of money: an integer count of minor units in one ISO 4217 currency.
///
/// Never a `Double`: `12.50 EUR` is `Money(minorUnits: 1250, currency: .eur)`, and arithmetic is
/// exact. Parsing from text is exact as well (`Money.parse("12.5", currency: .eur)` is 1250).
public struct Money: Hashable, Sendable, CustomStringConvertible {
    /// The amount in the currency's minor unit (cents for USD, yen for JPY).
    public var minorUnits: Int64
    /// The currency of the amount.
    public var currency: CurrencyCode

    public init(minorUnits: Int64, currency: CurrencyCode) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    /// The largest amount an event may carry, in minor units (10^15: ten trillion dollars in
    /// cents). Bounding single amounts keeps every per-customer and per-report sum far from
    /// `Int64`'s limit.
    public static let largestMinorUnits: Int64 = 1_000_000_000_000_000

    /// The largest quantity a line may carry.
    public static let largestQuantity = 1_000_000_000

    /// Zero in `currency`.
    public static func zero(_ currency: CurrencyCode) -> Money { Money(minorUnits: 0, currency: currency) }

    /// Parses a plain decimal amount (`"12"`, `"12.5"`, `"-3.05"`) exactly into minor units.
    ///
    /// Thousands separators, currency symbols and exponents are rejected: locale-specific formats
    /// belong to the connector that knows the file.
    public static func parse(_ text: some StringProtocol, currency: CurrencyCode) throws(MoneyParseError) -> Money {
        Money(minorUnits: try parseMinorUnits(text, digits: currency.minorUnitDigits), currency: currency)
    }

    /// Parses a decimal string into an integer scaled by 10^digits, exactly.
    public static func parseMinorUnits(_ text: some StringProtocol, digits: Int) throws(MoneyParseError) -> Int64 {
        var bytes = Substring(text).utf8[...]
        while let first = bytes.first, first == UInt8(ascii: " ") { bytes = bytes.dropFirst() }
        while let last = bytes.last, last == UInt8(ascii: " ") { bytes = bytes.dropLast() }
        guard !bytes.isEmpty else { throw MoneyParseError(text: String(text), reason: "empty amount") }
        var negative = false
        if bytes.first == UInt8(ascii: "-") {
            negative = true
            bytes = bytes.dropFirst()
        } else if bytes.first == UInt8(ascii: "+") {
            bytes = bytes.dropFirst()
        }
        var whole: Int64 = 0
        var fraction: Int64 = 0
        var fractionDigits = 0
        var seenPoint = false
        var seenDigit = false
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                seenDigit = true
                let digit = Int64(byte - UInt8(ascii: "0"))
                if seenPoint {
                    fractionDigits += 1
                    guard fractionDigits <= digits else {
                        // Trailing zeros beyond the currency's precision are harmless.
                        if digit == 0 { fractionDigits -= 1; continue }
                        throw MoneyParseError(
                            text: String(text), reason: "more than \(digits) decimal places")
                    }
                    fraction = fraction * 10 + digit
                } else {
                    let (times, o1) = whole.multipliedReportingOverflow(by: 10)
                    let (plus, o2) = times.addingReportingOverflow(digit)
                    guard !o1, !o2 else { throw MoneyParseError(text: String(text), reason: "amount too large") }
                    whole = plus
                }
            case UInt8(ascii: "."):
                guard !seenPoint else { throw MoneyParseError(text: String(text), reason: "is not a number") }
                seenPoint = true
            default:
                throw MoneyParseError(text: String(text), reason: "is not a number")
            }
        }
        guard seenDigit else { throw MoneyParseError(text: String(text), reason: "is not a number") }
        while fractionDigits < digits {
            fraction *= 10
            fractionDigits += 1
        }
        var scale: Int64 = 1
        for _ in 0..<digits { scale *= 10 }
        let (scaled, o1) = whole.multipliedReportingOverflow(by: scale)
        let (total, o2) = scaled.addingReportingOverflow(fraction)
        guard !o1, !o2 else { throw MoneyParseError(text: String(text), reason: "amount too large") }
        return negative ? -total : total
    }

    /// The amount as a plain decimal string with the currency's digits (`"12.50"`).
    public var decimalString: String { Self.decimalString(minorUnits, digits: currency.minorUnitDigits) }

    /// Formats an integer count of minor units as a decimal string with `digits` fraction digits.
    public static func decimalString(_ minorUnits: Int64, digits: Int) -> String {
        guard digits > 0 else { return String(minorUnits) }
        var scale: Int64 = 1
        for _ in 0..<digits { scale *= 10 }
        let magnitude = minorUnits.magnitude
        let whole = magnitude / UInt64(scale)
        var fraction = String(magnitude % UInt64(scale))
        while fraction.count < digits { fraction = "0" + fraction }
        return (minorUnits < 0 ? "-" : "") + "\(whole).\(fraction)"
    }

    public var description: String { "\(decimalString) \(currency.code)" }
}

/// A decimal amount could not be read.
public struct MoneyParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The text that was read.
    public var text: String
    /// Why it is not an amount.
    public var reason: String
    public var description: String { "\"\(text)\" \(reason.hasPrefix("is ") ? reason : "is not an amount: " + reason)" }
}
