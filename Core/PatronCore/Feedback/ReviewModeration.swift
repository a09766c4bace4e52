import Foundation

/// Where a product review stands with the shop: the storefront export publishes approved reviews.
/// A new review, and one its customer changes, waits for a moderator (`pending`); NPS and CSAT
/// answers are not moderated and are stored `approved`.
public enum ReviewModeration: String, Hashable, Sendable, CaseIterable {
    /// Not looked at yet: new, or changed by its customer since it was approved or hidden.
    case pending
    /// Published: the storefront export shows it.
    case approved
    /// Kept (it still counts in the reviews report) but never published.
    case hidden
}
