import Foundation

/// The normal forms used to match one person across sources.
///
/// - Email: trimmed and lower-cased as a whole. Provider-specific rewriting (Gmail dots, `+tags`)
///   is deliberately not done: two such addresses can belong to different people.
/// - Phone: E.164 (`+` and 8 to 15 digits). Spaces, dashes, dots, slashes and parentheses are
///   dropped and a leading international `00` becomes `+`. A number without a country code cannot
///   be put in E.164 without guessing, so it is kept on the profile but not used for matching.
///
/// Both run on every ingested event, so they work on UTF-8 bytes and return the input itself
/// when it is already normal.
public enum ContactNormalizer {
    /// The normalised address, or `nil` when `raw` is not an address (`a@b` with no dot is accepted:
    /// shops do have such test accounts, and rejecting them would lose orders).
    public static func email(_ raw: String) -> String? {
        var trimmed = Substring(raw)
        while let first = trimmed.first, first.isWhitespace { trimmed = trimmed.dropFirst() }
        while let last = trimmed.last, last.isWhitespace { trimmed = trimmed.dropLast() }
        var ats = 0
        var atIndex = -1
        var hasUpper = false
        var count = 0
        for byte in trimmed.utf8 {
            switch byte {
            case UInt8(ascii: "@"):
                ats += 1
                atIndex = count
            case UInt8(ascii: " "), UInt8(ascii: ","), UInt8(ascii: ";"), 0x00..<0x20, 0x7F: return nil
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): hasUpper = true
            case 0x80...: hasUpper = true  // non-ASCII: let lowercased() decide
            default: break
            }
            count += 1
        }
        guard ats == 1, atIndex > 0, atIndex < count - 1 else { return nil }
        if !hasUpper && trimmed.utf8.count == raw.utf8.count { return raw }
        return hasUpper ? trimmed.lowercased() : String(trimmed)
    }

    /// The E.164 form of `raw`, or `nil` when it has no country code or is not a phone number.
    public static func phone(_ raw: String) -> String? {
        var digits: [UInt8] = []
        digits.reserveCapacity(16)
        var plus = false
        var seenContent = false
        var alreadyNormal = true
        for byte in raw.utf8 {
            switch byte {
            case UInt8(ascii: "+") where !seenContent:
                plus = true
                seenContent = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits.append(byte)
                seenContent = true
            case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "("), UInt8(ascii: ")"),
                UInt8(ascii: "/"), UInt8(ascii: "\t"):
                alreadyNormal = false
            default:
                return nil
            }
        }
        if !plus {
            guard digits.count > 2, digits[0] == UInt8(ascii: "0"), digits[1] == UInt8(ascii: "0") else { return nil }
            digits.removeFirst(2)
            alreadyNormal = false
        }
        guard (8...15).contains(digits.count), digits[0] != UInt8(ascii: "0") else { return nil }
        if alreadyNormal { return raw }
        return "+" + String(decoding: digits, as: UTF8.self)
    }
}
