/// A Twilio parameter that is missing or wrong, named as Twilio names it (`To`, `MessageSid`…).
public struct TwilioParameterError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Whether the parameter was absent or present but unusable.
    public struct Reason: Hashable, Sendable, CustomStringConvertible {
        let name: String

        /// The parameter is required and was absent or empty.
        public static let missing = Reason(name: "missing")
        /// The parameter is present but its value cannot be used.
        public static let invalid = Reason(name: "invalid")

        public var description: String { name }
    }

    /// The parameter's Twilio name, e.g. `To`.
    public var field: String
    public var reason: Reason
    /// The offending value, when there was one.
    public var value: String?
    /// What is wrong and what would be right.
    public var problem: String

    public init(field: String, reason: Reason, value: String? = nil, problem: String) {
        self.field = field
        self.reason = reason
        self.value = value
        self.problem = problem
    }

    public var description: String {
        "\(field): " + (value.map { "\"\($0)\": " } ?? "") + problem
    }

    static func missing(_ field: String) -> TwilioParameterError {
        TwilioParameterError(field: field, reason: .missing, problem: "required, but absent or empty")
    }
}
