import Foundation
import Hummingbird
import PatronCore
import PatronPush

/// `POST /v1/customers/{id}/push-subscriptions`: a browser's push subscription for the
/// customer (the Push API's `PushSubscription.toJSON()`), checked (https endpoint, a P-256 key,
/// a 16-byte secret) and kept as the customer's push contact point. Subscribing is the opt-in:
/// push consent becomes `granted`, with the subscription in the consent ledger.
struct PushSubscriptionRoutes<S: PatronStore> {
    let api: APIContext<S>

    var routes: [APIRoute] {
        [
            APIRoute(
                method: .post, path: "/v1/customers/{id}/push-subscriptions", operationID: "addPushSubscription",
                summary: "Keep a browser's push subscription for the customer (an opt-in to push).", scope: .write,
                parameters: [APIParameter.customerID], requestBody: APISchemas.body("PushSubscription"),
                responses: [201: APIRoute.json("The customer as stored.", "Customer")], handler: add)
        ]
    }

    func add(_ request: Request, _ call: APICall) async throws -> Response {
        var request = request
        let id = try api.customerID(call.path("id"))
        let buffer = try await request.body(upTo: 16_384)
        let subscription: PushSubscription
        do {
            subscription = try JSONDecoder().decode(PushSubscription.self, from: Data(buffer: buffer))
        } catch {
            throw Problem(.badRequest, "body: expected {\"endpoint\": …, \"keys\": {\"p256dh\": …, \"auth\": …}}")
        }
        do {
            _ = try subscription.validated()
        } catch {
            throw Problem(.badRequest, "body: \(error.location?.field ?? "subscription"): \(error.message)")
        }
        guard let customer = try api.store.read({ try $0.customer(id) }), customer.erasedAt == nil else {
            throw Problem(.notFound, "no customer \(call.path("id")) (or the person was erased)")
        }
        let refs = try api.store.read { try $0.refs(of: id) }
        guard let ref = customer.primaryRef ?? refs.first else {
            throw Problem(.conflict, "the customer has no source id to attach the subscription to")
        }
        let key = APIResponse.header(request, "Idempotency-Key") ?? subscription.endpoint
        let event = IngestEvent(
            id: "api:push:\(key)", source: ref.source, occurredAt: api.now(),
            kind: .contactPointChanged(
                ContactPointChange(
                    customer: CustomerIdentity(refs: [ExternalRef(source: "", id: ref.id)]), channel: .push,
                    address: subscription.recipient, added: true)))
        try Ingestor(store: api.store).ingest([event])
        let json = try api.store.read { t in try CustomerRoutes(api: api).customerJSON(id, in: t) }
        return APIResponse.json(.created, json)
    }
}
