import Foundation
import PatronCore
import Yams

/// The loyalty rules file (`loyalty.yaml`, see `docs/loyalty.md`), read into a ``LoyaltyProgram``
/// with every problem reported at its line and column, like flow files.
///
/// ```yaml
/// earn:
///   points: 1
///   per: "1.00"            # of net spend, in the store's currency
///   max_per_order: 5000
///   multipliers:
///     skus: { COFFEE-1KG: 2 }
///     tags: { vip: 1.5 }
/// actions:
///   signup: 50
///   review: { points: 20, max_per_year: 5 }
/// referral: { referrer: 200, referee: 100 }
/// expiry: { after_days: 365 }  # or { end_of_month: 12 }, { end_of_year: 1 }, never
/// return_window: 30d
/// tiers:
///   basis: points_earned       # or net_spend (thresholds are then amounts)
///   window: 365d               # or calendar_year
///   grace: 30d
///   levels:
///     - { name: Silver, from: 500 }
///     - { name: Gold, from: 2000 }
/// ```
public enum LoyaltyFile {
    /// Parses and validates a rules file's text.
    ///
    /// - Parameters:
    ///   - file: How errors name the file (`loyalty.yaml`).
    ///   - currencyDigits: Fraction digits of the store's currency, for amounts.
    /// - Throws: Every problem of the file, sorted by position.
    public static func parse(_ text: String, file: String, currencyDigits: Int = 2) throws(FlowFileErrors)
        -> LoyaltyProgram
    {
        let (root, source) = try YAMLDocument.compose(text, file: file)
        var reader = LoyaltyReader(file: file, source: source, currencyDigits: currencyDigits)
        let program = reader.read(root)
        guard let program, reader.errors.isEmpty else { throw FlowFileErrors(reader.errors) }
        return program
    }

    /// Reads the file at `path` and parses it; errors name the file by `path` as given.
    public static func load(path: String, currencyDigits: Int = 2) throws(FlowFileErrors) -> LoyaltyProgram {
        try read(path: path, currencyDigits: currencyDigits).program
    }

    /// ``load(path:currencyDigits:)`` with the file's text, as activation stores it.
    public static func read(path: String, currencyDigits: Int = 2) throws(FlowFileErrors)
        -> (program: LoyaltyProgram, text: String)
    {
        let text = try YAMLDocument.read(path: path)
        return (try parse(text, file: path, currencyDigits: currencyDigits), text)
    }
}
