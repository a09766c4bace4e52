import Foundation
import Logging
import PatronCore
import PatronSQLite

/// Erasures and data requests, from the API or from Shopify's privacy webhooks, each recorded in
/// the audit log.
struct PrivacyService {
    let store: SQLiteStore
    let logger: Logger

    /// Erases the person (profile, addresses, ticket text; orders stay as anonymous figures).
    /// Returns how many customers were erased (0 when already erased).
    @discardableResult
    func erase(_ id: CustomerID, refs: [ExternalRef], actor: String, at: Int64) throws -> Int {
        let subject = refs.first?.description ?? id.reportKey
        guard let customer = try store.read({ try $0.customer(id) }), customer.erasedAt == nil else {
            try store.recordAudit(
                action: "erase", subject: subject, actor: actor, detail: "already erased", at: at)
            return 0
        }
        let identity = CustomerIdentity(
            refs: refs, email: customer.email, phone: customer.phone)
        let report = try Ingestor(store: store).ingest([
            IngestEvent(
                id: "erase:\(id.rawValue):\(at)", source: refs.first?.source ?? "api", occurredAt: at,
                kind: .customerErased(identity))
        ])
        try store.recordAudit(
            action: "erase", subject: subject, actor: actor, detail: "\(report.appliedCount) erasure applied", at: at)
        logger.notice("customer erased", metadata: ["subject": "\(subject)", "actor": "\(actor)"])
        return report.appliedCount
    }

    /// Everything held about the person as one JSON document, recorded (with the document) in
    /// the audit log.
    func export(_ id: CustomerID, actor: String, action: String, at: Int64) throws -> String {
        let document = try store.read { t -> String? in
            guard let customer = try t.customer(id) else { return nil }
            return CustomerDataExport.json(
                customer: customer, orders: try t.orders(of: id), carts: try t.carts(of: id),
                tickets: try t.tickets(of: id), messages: try t.messages(of: id), now: at)
        }
        guard let document else { throw PatronError(.notFound, "no customer \(id.reportKey)") }
        let subject = try store.read { try $0.refs(of: id) }.first?.description ?? id.reportKey
        try store.recordAudit(
            action: action, subject: subject, actor: actor, detail: "\(document.utf8.count) bytes",
            document: action == "data_request" ? document : nil, at: at)
        logger.notice("customer data exported", metadata: ["subject": "\(subject)", "actor": "\(actor)"])
        return document
    }
}
