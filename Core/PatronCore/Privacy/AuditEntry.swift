import Foundation

/// One entry of the audit log: a privacy request or an erasure, what was done and for whom.
public struct AuditEntry: Hashable, Sendable {
    /// Assigned by the store (the one passed to ``StoreTransaction/recordAudit(_:)`` is ignored).
    public var id: Int64
    public var at: Int64
    /// `erase`, `export`, `data_request`, `redact`, `shop_redact`.
    public var action: String
    /// Whom it was about (`source:id`, or the shop).
    public var subject: String
    /// Who asked: an API key's name, or a webhook source.
    public var actor: String
    public var detail: String
    /// The document a data request produced.
    public var document: String?

    public init(
        id: Int64 = 0, at: Int64, action: String, subject: String, actor: String, detail: String,
        document: String? = nil
    ) {
        self.id = id
        self.at = at
        self.action = action
        self.subject = subject
        self.actor = actor
        self.detail = detail
        self.document = document
    }
}
