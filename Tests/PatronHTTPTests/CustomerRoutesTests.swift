import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PatronAuth
import PatronCore
import PatronHTTP
import PatronSQLite
import Testing

/// The customer API behind scoped keys: read needs `read`, erasure and exports need `admin`; an erased
/// person's personal data is gone while the order figures stay.
@Suite struct CustomerRoutesTests {
    init() { TestChannels.register() }

    static func store() throws -> (SQLiteStore, reader: String, eraser: String) {
        let store = try SQLiteStore()
        let at = Day(iso: "2024-05-01")!.epochSeconds
        try Ingestor(store: store).ingest([
            IngestEvent(
                id: "o1", source: "shopify", occurredAt: at,
                kind: .orderPlaced(
                    OrderData(
                        ref: "1001",
                        customer: CustomerIdentity(refs: [ExternalRef(source: "", id: "42")], email: "ann@example.com"),
                        placedAt: at, currency: .eur, totalMinor: 2500)))
        ])
        let reader = APIKeys.generate()
        let eraser = APIKeys.generate()
        try store.createAPIKey(name: "dashboard", hash: APIKeys.hash(reader), scopes: ["read"], at: at)
        try store.createAPIKey(name: "privacy", hash: APIKeys.hash(eraser), scopes: ["admin"], at: at)
        return (store, reader, eraser)
    }

    static func app(_ store: SQLiteStore) -> some ApplicationProtocol {
        let router = Router()
        PatronAPIServer.addRoutes(
            to: router, store: store, secrets: WebhookSecrets(), now: { Day(iso: "2024-06-01")!.epochSeconds })
        return Application(router: router)
    }

    static func bearer(_ key: String) -> HTTPFields { [.authorization: "Bearer \(key)"] }

    @Test func keysAndScopesGuardTheCustomers() async throws {
        let (store, reader, eraser) = try Self.store()
        try await Self.app(store).test(.router) { client in
            try await client.execute(uri: "/v1/customers/shopify:42", method: .get) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/v1/customers/shopify:42", method: .get, headers: Self.bearer("pk_forged")) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/v1/customers/shopify:42", method: .get, headers: Self.bearer(reader)) {
                #expect($0.status == .ok)
                let json = try JSONSerialization.jsonObject(with: Data(buffer: $0.body)) as? [String: Any]
                #expect(json?["customer_id"] as? String == "42")
                #expect(json?["email"] as? String == "ann@example.com")
                #expect(json?["orders.total"] as? String == "25.00")
            }
            // The data request: everything held about the person, in one document.
            try await client.execute(uri: "/v1/customers/shopify:42/export", method: .get, headers: Self.bearer(eraser))
            {
                #expect($0.status == .ok)
                let json = try JSONSerialization.jsonObject(with: Data(buffer: $0.body)) as? [String: Any]
                let profile = json?["customer"] as? [String: Any]
                #expect(profile?["email"] as? String == "ann@example.com")
                let orders = json?["orders"] as? [[String: Any]]
                #expect(orders?.first?["id"] as? String == "1001" && orders?.first?["total"] as? String == "25.00")
                #expect((json?["carts"] as? [Any])?.isEmpty == true && (json?["tickets"] as? [Any])?.isEmpty == true)
            }
            try await client.execute(uri: "/v1/customers/shopify:43", method: .get, headers: Self.bearer(reader)) {
                #expect($0.status == .notFound)
            }
            // Reading is not erasing.
            try await client.execute(uri: "/v1/customers/shopify:42", method: .delete, headers: Self.bearer(reader)) {
                #expect($0.status == .forbidden)
                #expect(String(buffer: $0.body).contains("lacks the 'admin' scope"))
            }
        }
        #expect(try store.revokeAPIKey(name: "dashboard", at: 0))
        try await Self.app(store).test(.router) { client in
            try await client.execute(uri: "/v1/customers/shopify:42", method: .get, headers: Self.bearer(reader)) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/v1/customers/shopify:42", method: .delete, headers: Self.bearer(eraser)) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/v1/customers/shopify:42", method: .get, headers: Self.bearer(eraser)) {
                // The erased person can no longer be found by their ref (the refs are personal data).
                #expect($0.status == .notFound)
            }
        }
        // The order figures stay, anonymous: the KPIs do not change.
        let figures = try store.rfmFacts(asOf: Day(iso: "2024-06-01")!, windowDays: nil)
        #expect(figures.map(\.monetaryMinor) == [2500])
        #expect(try store.read { try $0.customer(CustomerID(1)) }?.email == nil)
    }
}
