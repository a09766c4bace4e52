import Foundation

/// Builds CSV (RFC 4180) as UTF-8 bytes without an intermediate `String` per row — exports of a
/// million rows spend their time here.
public struct CSVBuffer: Sendable {
    public private(set) var bytes: [UInt8] = []
    private var atRowStart = true

    public init(capacity: Int = 1 << 20) { bytes.reserveCapacity(capacity) }

    private mutating func separate() {
        if atRowStart { atRowStart = false } else { bytes.append(UInt8(ascii: ",")) }
    }

    /// A text field, quoted (with doubled quotes) only when it holds a comma, quote or newline.
    public mutating func field(_ value: String) {
        var value = value
        value.withUTF8 { field(utf8: $0) }
    }

    /// Whether text starting with this byte would be run as a formula by a spreadsheet
    /// (`=`, `+`, `-`, `@`, tab, CR: OWASP's "CSV injection").
    @inline(__always)
    public static func startsFormula(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "=") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "@")
            || byte == 9 || byte == 13
    }

    /// A text field that a spreadsheet must show as text: one starting like a formula gets a
    /// leading `'` (OWASP's advice against CSV injection); other text is written as is.
    public mutating func text(
        utf8 value: UnsafeBufferPointer<UInt8>, guardFormulas: Bool, replacing separator: UInt8? = nil,
        with replacement: UInt8 = 0
    ) {
        guard guardFormulas, let first = value.first, Self.startsFormula(first) else {
            field(utf8: value, replacing: separator, with: replacement)
            return
        }
        var guarded = [UInt8(ascii: "'")]
        guarded.append(contentsOf: value)
        guarded.withUnsafeBufferPointer { field(utf8: $0, replacing: separator, with: replacement) }
    }

    /// Text that a spreadsheet must show as text (see ``text(utf8:guardFormulas:replacing:with:)``).
    public mutating func text(_ value: String, guardFormulas: Bool = true) {
        var value = value
        value.withUTF8 { text(utf8: $0, guardFormulas: guardFormulas) }
    }

    /// An address, given as a string (see ``address(utf8:guardFormulas:)``).
    public mutating func address(_ value: String, guardFormulas: Bool = true) {
        var value = value
        value.withUTF8 { address(utf8: $0, guardFormulas: guardFormulas) }
    }

    /// A header line: the column names, then the end of the row.
    public mutating func header(_ names: [String]) {
        for name in names { field(name) }
        endRow()
    }

    /// An address (an E.164 phone, an email): written as it is when it is well formed, since a
    /// tool reading the file needs `+14155550100` itself; anything else is guarded like
    /// ``text(utf8:guardFormulas:replacing:with:)``. A well-formed address cannot call a
    /// function: no parentheses, quotes, `!` or `|`.
    public mutating func address(utf8 value: UnsafeBufferPointer<UInt8>, guardFormulas: Bool) {
        text(utf8: value, guardFormulas: guardFormulas && !Self.isWellFormedAddress(value))
    }

    /// `+` then 1 to 15 digits, or an email of letters, digits and `. _ % + -` around one `@`.
    static func isWellFormedAddress(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = value.first else { return true }
        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        if first == UInt8(ascii: "+"), (2...16).contains(value.count), value.dropFirst().allSatisfy(isDigit) {
            return true
        }
        var ats = 0
        for byte in value {
            switch byte {
            case UInt8(ascii: "@"): ats += 1
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "%"), UInt8(ascii: "+"), UInt8(ascii: "-"):
                continue
            default: return false
            }
        }
        return ats == 1 && first != UInt8(ascii: "@") && value.last != UInt8(ascii: "@")
    }

    /// A text field given as UTF-8 bytes, quoted like ``field(_:)-(String)``; each `separator`
    /// byte is written as `replacement` (list items joined for CSV).
    public mutating func field(
        utf8 value: UnsafeBufferPointer<UInt8>, replacing separator: UInt8? = nil, with replacement: UInt8 = 0
    ) {
        separate()
        var needsQuotes = false
        for byte in value where byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\"") || byte == 10 || byte == 13 {
            needsQuotes = true
            break
        }
        if needsQuotes { bytes.append(UInt8(ascii: "\"")) }
        if !needsQuotes && separator == nil {
            bytes.append(contentsOf: value)
            return
        }
        for byte in value {
            if byte == separator {
                bytes.append(replacement)
                continue
            }
            if byte == UInt8(ascii: "\"") { bytes.append(byte) }
            bytes.append(byte)
        }
        if needsQuotes { bytes.append(UInt8(ascii: "\"")) }
    }

    /// An instant as RFC 3339 UTC (`2026-06-30T09:05:00Z`), as ``Timestamp/format(_:)`` writes it.
    public mutating func timestamp(_ epochSeconds: Int64) {
        let day = Day(epochSeconds: epochSeconds)
        let (year, month, dayOfMonth) = day.components
        guard (0...9999).contains(year) else {
            field(Timestamp.format(epochSeconds))
            return
        }
        separate()
        let seconds = Int(epochSeconds - day.epochSeconds)
        appendPadded(year / 100)
        appendPadded(year % 100)
        bytes.append(UInt8(ascii: "-"))
        appendPadded(month)
        bytes.append(UInt8(ascii: "-"))
        appendPadded(dayOfMonth)
        bytes.append(UInt8(ascii: "T"))
        appendPadded(seconds / 3600)
        bytes.append(UInt8(ascii: ":"))
        appendPadded(seconds / 60 % 60)
        bytes.append(UInt8(ascii: ":"))
        appendPadded(seconds % 60)
        bytes.append(UInt8(ascii: "Z"))
    }

    /// Two digits, zero-padded (0…99).
    private mutating func appendPadded(_ value: Int) {
        bytes.append(UInt8(ascii: "0") + UInt8(value / 10))
        bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
    }

    /// An integer field.
    public mutating func field(_ value: Int64) {
        separate()
        appendDigits(value)
    }

    public mutating func field(_ value: Int) { field(Int64(value)) }

    /// A decimal amount with `digits` fraction digits (`1250`, 2 → `12.50`).
    public mutating func money(_ minorUnits: Int64, digits: Int) {
        separate()
        appendDecimal(minorUnits, digits: digits)
    }

    /// A number with at most `digits` decimals, trailing zeros dropped (`38.857143`, `2`).
    public mutating func decimal(_ value: Double, digits: Int = 6) {
        let scaled = (value * pow(10, Double(digits))).rounded()
        guard value.isFinite, abs(scaled) < 9e15 else {
            field(String(value))
            return
        }
        separate()
        var units = Int64(scaled)
        var places = digits
        while places > 0 && units % 10 == 0 {
            units /= 10
            places -= 1
        }
        appendDecimal(units, digits: places)
    }

    private mutating func appendDecimal(_ minorUnits: Int64, digits: Int) {
        guard digits > 0 else {
            appendDigits(minorUnits)
            return
        }
        if minorUnits < 0 { bytes.append(UInt8(ascii: "-")) }
        var scale: UInt64 = 1
        for _ in 0..<digits { scale *= 10 }
        let magnitude = minorUnits.magnitude
        appendDigits(Int64(magnitude / scale))
        bytes.append(UInt8(ascii: "."))
        var fraction = magnitude % scale
        var divisor = scale / 10
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(fraction / divisor))
            fraction %= divisor
            divisor /= 10
        }
    }

    /// Ends the row.
    public mutating func endRow() {
        bytes.append(10)
        atRowStart = true
    }

    /// Empties the buffer, keeping its storage.
    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        atRowStart = true
    }

    private mutating func appendDigits(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        if magnitude == 0 {
            bytes.append(UInt8(ascii: "0"))
            return
        }
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            while magnitude > 0 {
                buffer[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            }
            for index in stride(from: count - 1, through: 0, by: -1) { bytes.append(buffer[index]) }
        }
    }
}
