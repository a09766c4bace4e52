import Foundation
import PatronCore

/// What differs between the SQL engines Patron stores in, for the SQL both stores generate
/// (``SQLSegmentCompiler``). Each store declares its own; the rest of the SQL is common.
///
/// An implementer keeps: every expression reads the customer alias `c` and the column text it
/// is given, and writes no user value into the SQL.
package struct SQLDialect: Sendable {
    /// The status of a channel's consent (`granted`, `unknown`, …) on customer `c`: the
    /// expression the store's audience index for that channel is on.
    package var consentStatus: @Sendable (ConsentChannel) -> String
    /// The 1-based position of `needle` in `haystack` (0 when absent), both SQL expressions.
    package var position: @Sendable (_ haystack: String, _ needle: String) -> String
    /// The last five characters of a text expression (a birthday's `MM-DD`).
    package var monthDay: @Sendable (String) -> String
    /// U+001F (the separator of stored word lists) as an SQL expression.
    package var unitSeparator: String

    package init(
        consentStatus: @escaping @Sendable (ConsentChannel) -> String,
        position: @escaping @Sendable (String, String) -> String, monthDay: @escaping @Sendable (String) -> String,
        unitSeparator: String
    ) {
        self.consentStatus = consentStatus
        self.position = position
        self.monthDay = monthDay
        self.unitSeparator = unitSeparator
    }
}

/// A value bound to a `?` of generated SQL.
package enum SQLArgument: Hashable, Sendable, CustomStringConvertible {
    case text(String)
    case integer(Int64)

    /// As `explain` shows it: text quoted, integers bare.
    package var description: String {
        switch self {
        case .text(let text): "\"\(text)\""
        case .integer(let value): String(value)
        }
    }
}
