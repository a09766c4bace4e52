import Foundation

/// The normal forms used to match one person across sources.
///
/// - Email: trimmed and lower-cased as a whole. Provider-specific rewriting (Gmail dots, `+tags`)
///   is deliberately not done: two such addresses can belong to different people.
/// - Phone: E.164 (`+` and 8 to 15 digits). Spaces, dashes, dots and parentheses are dropped and
///   a leading international `00` becomes `+`. A number without a country code cannot be put in
///   E.164 without guessing, so it is kept on the profile but not used for matching.
public enum ContactNormalizer {
    /// The normalised address, or `nil` when `raw` is not an address (`a@b` with no dot is accepted:
    /// shops do have such test accounts, and rejecting them would lose orders).
    public static func email(_ raw: String) -> String? {
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard !trimmed.isEmpty else { return nil }
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
            !trimmed.contains(where: { $0 == " " || $0 == "," || $0 == ";" })
        else { return nil }
        return trimmed
    }

    /// The E.164 form of `raw`, or `nil` when it has no country code or is not a phone number.
    public static func phone(_ raw: String) -> String? {
        var digits = ""
        var plus = false
        for (index, char) in raw.trimmingCharacters(in: .whitespacesAndNewlines).enumerated() {
            switch char {
            case "+" where index == 0: plus = true
            case "0"..."9": digits.append(char)
            case " ", "-", ".", "(", ")", "/": continue
            default: return nil
            }
        }
        if !plus {
            guard digits.hasPrefix("00") else { return nil }
            digits.removeFirst(2)
        }
        guard (8...15).contains(digits.count), digits.first != "0" else { return nil }
        return "+" + digits
    }
}
