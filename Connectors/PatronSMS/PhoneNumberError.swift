/// Why a string is not (or cannot be made into) an E.164 phone number.
public struct PhoneNumberError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong with the input; compare with the static members.
    public struct Reason: Hashable, Sendable, CustomStringConvertible {
        enum Code: Hashable, Sendable {
            case empty, noInternationalPrefix, nationalFormat, misplacedPlus, countryCodeStartsWithZero
            case invalidCharacter(Character)
            case tooShort(Int), tooLong(Int)
            case notE164Form(String)
        }
        let code: Code

        /// Nothing but whitespace.
        public static let empty = Reason(code: .empty)
        /// No `+` or `00`: the country cannot be told.
        public static let noInternationalPrefix = Reason(code: .noInternationalPrefix)
        /// A national number (leading trunk `0`): it needs a default country.
        public static let nationalFormat = Reason(code: .nationalFormat)
        /// A `+` after digits, or twice.
        public static let misplacedPlus = Reason(code: .misplacedPlus)
        /// E.164 country codes never start with 0.
        public static let countryCodeStartsWithZero = Reason(code: .countryCodeStartsWithZero)
        /// A letter or symbol that is not a digit or a separator.
        public static func invalidCharacter(_ character: Character) -> Reason {
            Reason(code: .invalidCharacter(character))
        }
        /// Fewer than 8 digits.
        public static func tooShort(_ digits: Int) -> Reason { Reason(code: .tooShort(digits)) }
        /// More than 15 digits.
        public static func tooLong(_ digits: Int) -> Reason { Reason(code: .tooLong(digits)) }
        /// A valid number, but not written as E.164 where only E.164 is accepted; carries the E.164 form.
        public static func notE164Form(suggestion: String) -> Reason { Reason(code: .notE164Form(suggestion)) }

        public var description: String {
            switch code {
            case .empty: "it is empty"
            case .noInternationalPrefix:
                "it has no '+' or '00' prefix, so its country is unknown; write it as +<country code><number>"
            case .nationalFormat:
                "it is in national format (leading 0); write it with its country code, e.g. +44 20… for 020…"
            case .misplacedPlus: "'+' may only come first"
            case .countryCodeStartsWithZero: "a country code cannot start with 0"
            case .invalidCharacter(let character): "'\(character)' is not a digit or a separator"
            case .tooShort(let count): "it has \(count) digits; E.164 needs 8 to 15"
            case .tooLong(let count): "it has \(count) digits; E.164 allows at most 15"
            case .notE164Form(let suggestion): "write it as \(suggestion)"
            }
        }
    }

    /// The text as given.
    public var input: String
    /// What is wrong with it.
    public var reason: Reason

    public init(input: String, reason: Reason) {
        self.input = input
        self.reason = reason
    }

    public var description: String { "\"\(input)\" is not an E.164 phone number: \(reason)" }
}
