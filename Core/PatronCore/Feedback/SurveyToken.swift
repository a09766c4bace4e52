import Foundation

/// What a survey link stands for: one survey message, one customer, one kind (and, for a review,
/// one SKU), until an expiry. The app signs it (HMAC, so an answer needs no login) and checks
/// the signature before the kernel sees it; ``FeedbackDesk/answer(_:_:score:text:channel:at:)``
/// checks the rest against the store.
public struct SurveyToken: Hashable, Sendable {
    /// The outbox key of the survey message.
    public var messageKey: String
    public var customerID: CustomerID
    public var kind: SurveyKind
    /// The SKU a review link is about.
    public var sku: String?
    /// Seconds since the epoch after which the link answers nothing.
    public var expiresAt: Int64

    public init(messageKey: String, customerID: CustomerID, kind: SurveyKind, sku: String? = nil, expiresAt: Int64) {
        self.messageKey = messageKey
        self.customerID = customerID
        self.kind = kind
        self.sku = sku
        self.expiresAt = expiresAt
    }
}

/// Turns survey tokens into the links messages carry. The kernel names the contract; an app
/// signs (`PatronAuth`'s `SurveyLinkSigner`).
///
/// An implementer keeps: a link opens only for the token it was made from (anything changed in
/// it fails the check), and `score` is the customer's one-click choice, outside the signature.
public protocol SurveyLinking: Sendable {
    /// The answer page of the token; with `score`, the link records that score in one click.
    func link(_ token: SurveyToken, score: Int?) -> String
    /// A signed token naming the customer, added to the product links of Patron's messages
    /// (`?patron=TOKEN`) so that a click identifies the visitor to the tracker; `nil`: none.
    func visitorToken(_ customer: CustomerID, expiresAt: Int64) -> String?
}

extension SurveyLinking {
    public func visitorToken(_ customer: CustomerID, expiresAt: Int64) -> String? { nil }
}
