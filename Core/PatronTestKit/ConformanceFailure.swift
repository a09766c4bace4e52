import PatronCore

/// A connector broke its contract: which rule, and how.
public struct ConformanceFailure: Error, CustomStringConvertible, Sendable {
    /// The rule, in a few words (`"stable event ids"`).
    public var rule: String
    public var detail: String
    public init(rule: String, detail: String) {
        self.rule = rule
        self.detail = detail
    }
    public var description: String { "\(rule): \(detail)" }
}
