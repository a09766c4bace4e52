import Foundation
import Hummingbird
import Logging
import PatronCore
import PatronSQLite

/// `GET /v1/customers/{source}/{id}` (scope `read`): the customer with every catalogue field;
/// `DELETE /v1/customers/{source}/{id}` (scope `erase`): erases the person's personal data
/// everywhere and keeps anonymous order figures. Both need `Authorization: Bearer <key>`.
public struct CustomerRoutes: Sendable {
    let store: SQLiteStore
    let now: @Sendable () -> Int64
    let logger: Logger

    public init(
        store: SQLiteStore, logger: Logger = Logger(label: "patron.api"),
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) {
        self.store = store
        self.logger = logger
        self.now = now
    }

    public func add(to router: Router<some RequestContext>) {
        router.get("/v1/customers/{source}/{id}") { request, context in
            self.answer {
                try self.authorize(request, .read)
                let (id, key) = try self.find(context.parameters.get("source"), context.parameters.get("id"))
                return WebhookRoutes.json(.ok, try self.customerJSON(id, key: key))
            }
        }
        router.get("/v1/customers/{source}/{id}/export") { request, context in
            self.answer {
                try self.authorize(request, .read)
                let (id, _) = try self.find(context.parameters.get("source"), context.parameters.get("id"))
                let now = self.now()
                let document = try self.store.read { transaction -> String? in
                    guard let customer = try transaction.customer(id) else { return nil }
                    return CustomerDataExport.json(
                        customer: customer, orders: try transaction.orders(of: id),
                        carts: try transaction.carts(of: id),
                        tickets: try transaction.tickets(of: id), now: now)
                }
                guard let document else { throw WebhookRoutes.Problem(.notFound, "no such customer") }
                return WebhookRoutes.json(.ok, document)
            }
        }
        router.delete("/v1/customers/{source}/{id}") { request, context in
            self.answer {
                let caller = try self.authorize(request, .erase)
                let source = context.parameters.get("source") ?? ""
                let ref = context.parameters.get("id") ?? ""
                _ = try self.find(source, ref)
                let at = self.now()
                let report = try Ingestor(store: self.store).ingest([
                    IngestEvent(
                        id: "api:erase:\(source):\(ref):\(at)", source: source, occurredAt: at,
                        kind: .customerErased(CustomerIdentity(refs: [ExternalRef(source: source, id: ref)])))
                ])
                self.logger.notice(
                    "customer erased", metadata: ["source": "\(source)", "ref": "\(ref)", "key": "\(caller)"])
                return WebhookRoutes.json(.ok, #"{"erased":\#(report.appliedCount)}"#)
            }
        }
    }

    /// Runs a handler, turning problems into problem+json answers.
    func answer(_ body: () throws -> Response) -> Response {
        do {
            return try body()
        } catch let problem as WebhookRoutes.Problem {
            return WebhookRoutes.problem(problem)
        } catch {
            logger.error("request failed", metadata: ["error": "\(error)"])
            return WebhookRoutes.problem(.init(.internalServerError, "the store could not answer"))
        }
    }

    /// The name of the key the request carries, if it is live and has `scope` (401 or 403 otherwise).
    @discardableResult
    func authorize(_ request: Request, _ scope: APIScope) throws -> String {
        guard let header = WebhookRoutes.header(request, "Authorization"), header.hasPrefix("Bearer ") else {
            throw WebhookRoutes.Problem(.unauthorized, "missing Authorization: Bearer <API key>")
        }
        guard let key = try store.apiKey(hash: APIKeys.hash(String(header.dropFirst(7)))) else {
            throw WebhookRoutes.Problem(.unauthorized, "unknown or revoked API key")
        }
        guard key.scopes.contains(scope.rawValue) else {
            throw WebhookRoutes.Problem(.forbidden, "the key '\(key.name)' lacks the '\(scope.rawValue)' scope")
        }
        return key.name
    }

    func find(_ source: String?, _ ref: String?) throws -> (CustomerID, String) {
        guard let source, let ref, !ref.isEmpty,
            let id = try store.read({ try $0.customerID(ref: ExternalRef(source: source, id: ref)) })
        else { throw WebhookRoutes.Problem(.notFound, "no customer \(source ?? "")/\(ref ?? "")") }
        return (id, ref)
    }

    func customerJSON(_ id: CustomerID, key: String) throws -> String {
        guard let customer = try store.read({ try $0.customer(id) }) else {
            throw WebhookRoutes.Problem(.notFound, "no customer \(key)")
        }
        let digits = try store.reportingCurrency()?.minorUnitDigits ?? 2
        let fields = SegmentCatalogue.fields.filter {
            !SegmentCatalogue.readsSnapshot($0) && !SegmentCatalogue.readsPredictions($0)
        }
        let values = fields.map { SegmentEvaluator.value(of: $0, for: customer, now: now()) }
        return SegmentExport.json(
            key: customer.primaryRef?.id ?? id.reportKey, values: values, fields: fields, digits: digits)
    }
}
