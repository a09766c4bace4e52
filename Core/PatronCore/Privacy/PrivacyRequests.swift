import Foundation

/// What a privacy request did.
public enum PrivacyOutcome: Hashable, Sendable {
    /// The work was done: `affected` customers (erased, or 1 for a document), with the document
    /// a data request produced.
    case done(affected: Int, document: String?)
    /// The delivery was handled before: nothing was done again.
    case duplicate
    /// Nobody the request names is in the store (recorded in the audit log all the same).
    case nobody
}

/// Privacy requests — erasure, a person's data, a shop's redaction — each with its audit entry.
///
/// Every request runs in one write transaction with its audit entry and, for a webhook, the mark
/// of its delivery id: if any part fails nothing remains, the delivery is not marked, and the
/// redelivery does the work (a delivery marked before the work was lost when the work failed).
public struct PrivacyRequests<S: Store>: Sendable {
    public let store: S

    public init(store: S) { self.store = store }

    /// Erases the customer (profile, addresses, message text; orders stay as anonymous
    /// figures). An erased customer is recorded as "already erased" and counts 0.
    public func erase(
        _ id: CustomerID, actor: String, at: Int64, deliveryID: String? = nil
    ) throws -> PrivacyOutcome {
        try store.write { t in
            guard try firstTime(deliveryID, t) else { return .duplicate }
            let erased = try erase(id, actor: actor, at: at, in: t)
            return .done(affected: erased, document: nil)
        }
    }

    /// Everything held about the customer as one JSON document, recorded (with the document when
    /// `action` is `data_request`) in the audit log.
    public func export(_ id: CustomerID, actor: String, action: String, at: Int64) throws -> String {
        try store.write { t in
            guard let document = try document(id, actor: actor, action: action, at: at, in: t) else {
                throw PatronError(.notFound, "no customer \(id.reportKey)")
            }
            return document
        }
    }

    /// A data request for the person `who` names (Shopify `customers/data_request`): the
    /// document, kept in the audit log; `.nobody` (recorded too) when no customer matches.
    public func dataRequest(
        _ who: CustomerIdentity, actor: String, at: Int64, deliveryID: String? = nil
    ) throws -> PrivacyOutcome {
        try store.write { t in
            guard try firstTime(deliveryID, t) else { return .duplicate }
            guard let id = try who.existingCustomer(in: t) else {
                _ = try t.recordAudit(
                    AuditEntry(
                        at: at, action: "data_request", subject: who.refs.first?.description ?? "unknown",
                        actor: actor, detail: "no data held about this person"))
                return .nobody
            }
            let document = try document(id, actor: actor, action: "data_request", at: at, in: t)
            return .done(affected: 1, document: document)
        }
    }

    /// A shop's redaction (Shopify `shop/redact`): every customer holding a ref of `source` is
    /// erased, and the whole recorded as one entry for the shop.
    public func redactShop(
        _ shop: String, source: String, actor: String, at: Int64, deliveryID: String? = nil
    ) throws -> PrivacyOutcome {
        try store.write { t in
            guard try firstTime(deliveryID, t) else { return .duplicate }
            var erased = 0
            for id in try t.customerIDs(withRefsFrom: source) {
                erased += try erase(id, actor: "\(source) shop/redact \(shop)", at: at, in: t)
            }
            _ = try t.recordAudit(
                AuditEntry(
                    at: at, action: "shop_redact", subject: shop, actor: actor, detail: "\(erased) customer(s) erased"))
            return .done(affected: erased, document: nil)
        }
    }

    /// Whether the delivery is new, marking it in the transaction of the work.
    func firstTime(_ deliveryID: String?, _ t: S.Transaction) throws -> Bool {
        guard let deliveryID else { return true }
        return try t.markApplied([deliveryID]).first ?? true
    }

    func erase(_ id: CustomerID, actor: String, at: Int64, in t: S.Transaction) throws -> Int {
        let refs = try t.refs(of: id)
        let subject = refs.first?.description ?? id.reportKey
        guard let customer = try t.customer(id), customer.erasedAt == nil else {
            _ = try t.recordAudit(
                AuditEntry(at: at, action: "erase", subject: subject, actor: actor, detail: "already erased"))
            return 0
        }
        let identity = CustomerIdentity(refs: refs, email: customer.email, phone: customer.phone)
        let report = try Ingestor(store: store).ingest(
            [
                IngestEvent(
                    id: "erase:\(id.rawValue):\(at)", source: refs.first?.source ?? "api", occurredAt: at,
                    kind: .customerErased(identity))
            ], in: t)
        _ = try t.recordAudit(
            AuditEntry(
                at: at, action: "erase", subject: subject, actor: actor,
                detail: "\(report.appliedCount) erasure applied"))
        return report.appliedCount
    }

    func document(_ id: CustomerID, actor: String, action: String, at: Int64, in t: S.Transaction) throws -> String? {
        guard let customer = try t.customer(id) else { return nil }
        let document = CustomerDataExport.json(
            customer: customer, orders: try t.orders(of: id), carts: try t.carts(of: id),
            tickets: try t.tickets(of: id), messages: try t.messages(of: id), consent: try t.consentHistory(of: id),
            loyalty: try t.loyaltyEntries(of: id), feedback: try t.feedbackResponses(of: id), now: at)
        let subject = try t.refs(of: id).first?.description ?? id.reportKey
        _ = try t.recordAudit(
            AuditEntry(
                at: at, action: action, subject: subject, actor: actor, detail: "\(document.utf8.count) bytes",
                document: action == "data_request" ? document : nil))
        return document
    }
}

extension CustomerIdentity {
    /// The stored customer these keys name, without creating one: by ref, else normalised
    /// email, else E.164 phone.
    public func existingCustomer(in transaction: some StoreTransaction) throws -> CustomerID? {
        for ref in refs { if let id = try transaction.customerID(ref: ref) { return id } }
        if let email = normalizedEmail, let id = try transaction.customerID(email: email) { return id }
        if let phone = normalizedPhone, let id = try transaction.customerID(phone: phone) { return id }
        return nil
    }
}
