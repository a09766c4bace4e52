import Foundation

/// How an incoming event names its customer: any of the source's refs, an email, a phone.
///
/// Identity resolution (see ``Ingestor``) matches, in this order:
/// 1. an external ref already known to the store;
/// 2. the normalised email (``ContactNormalizer/email(_:)``);
/// 3. the E.164 phone (``ContactNormalizer/phone(_:)``).
/// The first key that matches picks the customer. When different keys of one event match
/// *different* customers, they are one person: the others are merged into the one found first
/// (their refs, orders, carts and tickets move to it, its aggregates are recomputed, and the merge
/// is recorded). No key matching creates a new customer.
public struct CustomerIdentity: Hashable, Sendable, Codable {
    /// The source's ids for the customer.
    public var refs: [ExternalRef]
    /// The address as given (normalised when matched).
    public var email: String?
    /// The phone as given (normalised when matched).
    public var phone: String?

    public init(refs: [ExternalRef] = [], email: String? = nil, phone: String? = nil) {
        self.refs = refs
        self.email = email
        self.phone = phone
    }

    /// The normalised email, if the given one is an address.
    public var normalizedEmail: String? { email.flatMap(ContactNormalizer.email) }
    /// The E.164 phone, if the given one has a country code.
    public var normalizedPhone: String? { phone.flatMap(ContactNormalizer.phone) }

    /// Whether nothing identifies the customer.
    public var isEmpty: Bool { refs.isEmpty && normalizedEmail == nil && normalizedPhone == nil }
}

/// Secondary identity keys, stored as refs of reserved sources: the emails and phones of
/// customers merged into another, which still name the same person.
public enum IdentityKey {
    /// Sources starting with this are Patron's own; connectors may not use them.
    public static let reservedPrefix = "patron."
    public static let emailSource = "patron.email"
    public static let phoneSource = "patron.phone"
}
