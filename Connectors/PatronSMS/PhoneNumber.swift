/// A phone number in E.164 form: `+`, then 8 to 15 digits, the first not 0 (e.g. `+442079460958`).
///
/// `init(e164:)` accepts only that form; `init(normalizing:)` also accepts what people type when
/// the number says its country (`+44 20 7946 0958`, `(+1) 415-555-0100`, `0044 20…`) and refuses a
/// national number (`020 7946 0958`), which needs a default country this type does not guess.
public struct PhoneNumber: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The number as E.164: `+` and digits only.
    public let e164: String

    public var description: String { e164 }

    /// Accepts a number already in E.164 form, nothing else (no spaces, no `00` prefix). When the
    /// text is a number in another form, the error suggests its E.164 spelling.
    public init(e164 text: String) throws(PhoneNumberError) {
        let digits = text.dropFirst()
        if text.first == "+", !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit) {
            try Self.checkDigits(String(digits), input: text)
            self.e164 = text
            return
        }
        let normalized = try PhoneNumber(normalizing: text)
        throw PhoneNumberError(input: text, reason: .notE164Form(suggestion: normalized.e164))
    }

    /// Turns a human-written international number into E.164.
    ///
    /// Drops spaces, dashes, dots, slashes and brackets, a `tel:` prefix and a `(0)` trunk digit
    /// after the country code; reads a leading `00` (or Australia's `0011`) as `+`.
    public init(normalizing input: String) throws(PhoneNumberError) {
        var text = Substring(input.trimmingWhitespace())
        if text.lowercased().hasPrefix("tel:") { text = text.dropFirst(4) }
        guard !text.isEmpty else { throw PhoneNumberError(input: input, reason: .empty) }
        var digits = ""
        var plus = false
        var rest = text[...]
        while let character = rest.first {
            if rest.hasPrefix("(0)") && (plus || digits.hasPrefix("00")) && !digits.isEmpty {
                rest = rest.dropFirst(3)  // "+44 (0)20 …": the national trunk 0 is not dialled from abroad
                continue
            }
            rest = rest.dropFirst()
            if character.isASCIIDigit {
                digits.append(character)
            } else if character == "+" {
                guard !plus, digits.isEmpty else { throw PhoneNumberError(input: input, reason: .misplacedPlus) }
                plus = true
            } else if !Self.separators.contains(character) {
                throw PhoneNumberError(input: input, reason: .invalidCharacter(character))
            }
        }
        if !plus {
            if digits.hasPrefix("0011") {
                digits.removeFirst(4)
            } else if digits.hasPrefix("00") {
                digits.removeFirst(2)
            } else {
                throw PhoneNumberError(
                    input: input, reason: digits.hasPrefix("0") ? .nationalFormat : .noInternationalPrefix)
            }
        }
        try Self.checkDigits(digits, input: input)
        self.e164 = "+" + digits
    }

    /// Whether `text` is exactly an E.164 number.
    public static func isValidE164(_ text: String) -> Bool {
        (try? PhoneNumber(e164: text)) != nil
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(e164: text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\(error)"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(e164)
    }

    private static let separators: Set<Character> = [
        " ", "\u{00A0}", "\u{2009}", "\u{202F}", "\t", "-", "\u{2010}", "\u{2011}", "\u{2013}", ".", "/", "(", ")",
    ]

    private static func checkDigits(_ digits: String, input: String) throws(PhoneNumberError) {
        if digits.first == "0" { throw PhoneNumberError(input: input, reason: .countryCodeStartsWithZero) }
        if digits.count < 8 { throw PhoneNumberError(input: input, reason: .tooShort(digits.count)) }
        if digits.count > 15 { throw PhoneNumberError(input: input, reason: .tooLong(digits.count)) }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isWholeNumber }
}
