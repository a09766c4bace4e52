import Foundation

/// The bounds every segment expression is held to, by the parser itself, so that every caller
/// (the CLI, the API, flow files, saved segments) gets the same positioned error, and so that no
/// expression the parser accepts can exhaust a stack in the parser, the evaluator or a store's
/// compiler, or overflow a store's SQL parser.
///
/// A store's segment compiler must accept every expression within these limits (the store
/// conformance tests build the deepest and widest ones).
public enum SegmentLimits {
    /// The longest expression, in UTF-8 bytes.
    public static let maxLength = 100_000
    /// The deepest nesting of parentheses; each `in_segment("…")` counts as one more level for
    /// the saved expression it brings in. A chain (`a or b or c …`, `not not …`) adds no depth.
    public static let maxDepth = 16
    /// The most predicates and list values one expression may hold, saved segments expanded.
    public static let maxTerms = 10_000
}
