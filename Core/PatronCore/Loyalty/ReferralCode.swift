import Foundation

/// A customer's referral code: derived from the store's id, so it needs no storage and is the
/// same on every store; scrambled (an odd multiplier modulo 2^40), so consecutive customers'
/// codes do not look consecutive; with a check character, so a mistyped code names nobody
/// rather than someone else. `R` and 8 or 9 characters of base 36: `R4K2Z9QX1`.
public enum ReferralCode {
    private static let modulus: UInt64 = 1 << 40
    private static let multiplier: UInt64 = 0x9E37_79B9_7F
    /// The multiplier's inverse modulo 2^40 (Newton's iteration doubles the correct bits).
    private static let inverse: UInt64 = {
        var x = multiplier
        for _ in 0..<6 { x = x &* (2 &- multiplier &* x) }
        return x & (modulus - 1)
    }()
    private static let digits = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")

    /// The code of the customer with id `id` (ids up to 2^40).
    public static func code(for id: CustomerID) -> String {
        let scrambled = (UInt64(id.rawValue) &* multiplier) & (modulus - 1)
        let body = String(scrambled, radix: 36).uppercased()
        return "R" + body + String(check(body))
    }

    /// The customer a code names, `nil` for anything that is not a well-formed code (case and
    /// surrounding spaces do not matter).
    public static func customer(fromCode text: String) -> CustomerID? {
        let code = text.trimmingCharacters(in: .whitespaces).uppercased()
        guard code.count >= 3, code.count <= 12, code.first == "R" else { return nil }
        let body = String(code.dropFirst().dropLast())
        guard code.last == check(body), let scrambled = UInt64(body, radix: 36), scrambled < modulus else {
            return nil
        }
        let id = (scrambled &* inverse) & (modulus - 1)
        guard id > 0, id <= UInt64(Int64.max) else { return nil }
        return CustomerID(Int64(id))
    }

    private static func check(_ body: String) -> Character {
        var sum = 0
        for (index, character) in body.enumerated() {
            guard let value = digits.firstIndex(of: character) else { return "!" }
            sum += value * (index % 2 == 0 ? 3 : 7)
        }
        return digits[sum % 36]
    }
}
