import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PatronCore
import PatronHTTP
import PatronSQLite
import Testing

/// A privacy delivery whose work fails is not marked seen: Shopify's redelivery does the work.
/// (The delivery used to be marked in a transaction of its own before the work, so a failed
/// erasure's redelivery was answered as a duplicate and the request was lost.)
@Suite struct PrivacyDeliveryTests {
    init() { TestChannels.register() }

    typealias Routes = WebhookRoutesTests

    static let shopRedact = Data(#"{"shop_id":954889,"shop_domain":"acme.myshopify.com"}"#.utf8)
    static let dataRequest = Data(
        #"{"shop_id":954889,"shop_domain":"acme.myshopify.com","orders_requested":[1],"customer":{"id":191167,"email":"john@example.com"},"data_request":{"id":9999}}"#
            .utf8)

    /// A store file with two Shopify customers.
    func store(_ folder: URL) throws -> SQLiteStore {
        let store = try SQLiteStore(path: folder.appendingPathComponent("s.sqlite").path, access: .create)
        try Routes.ingestJohnAndJane(into: store)
        return store
    }

    /// Makes the audit log refuse inserts (the last step of every privacy request) until undone.
    func breakTheAuditLog(_ path: String, _ broken: Bool) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(
                sql: broken
                    ? "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'disk full'); END"
                    : "DROP TRIGGER refuse_audit")
        }
        try queue.close()
    }

    @Test(arguments: ["shop/redact", "customers/data_request"])
    func aFailedRequestIsDoneByItsRedelivery(topic: String) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("patron-privacy-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try store(folder)
        let body = topic == "shop/redact" ? Self.shopRedact : Self.dataRequest
        let path = folder.appendingPathComponent("s.sqlite").path
        try breakTheAuditLog(path, true)
        try await Routes.app(store).test(.router) { client in
            try await client.execute(
                uri: "/webhooks/shopify", method: .post,
                headers: Routes.shopifyHeaders(body, topic: topic, id: "d-1"), body: ByteBuffer(bytes: body)
            ) { #expect($0.status == .internalServerError) }
        }
        // Nothing of the failed delivery remains: nobody erased, no audit entry.
        #expect(try store.read { try $0.customer(CustomerID(1)) }?.erasedAt == nil)
        #expect(try store.auditLog(limit: 10).isEmpty)
        try breakTheAuditLog(path, false)
        try await Routes.app(store).test(.router) { client in
            try await client.execute(
                uri: "/webhooks/shopify", method: .post,
                headers: Routes.shopifyHeaders(body, topic: topic, id: "d-1"), body: ByteBuffer(bytes: body)
            ) {
                #expect($0.status == .ok)
                #expect(!String(buffer: $0.body).contains(#""duplicates":1"#), "the redelivery does the work")
            }
            // A third delivery of the same id is the duplicate.
            try await client.execute(
                uri: "/webhooks/shopify", method: .post,
                headers: Routes.shopifyHeaders(body, topic: topic, id: "d-1"), body: ByteBuffer(bytes: body)
            ) { #expect(String(buffer: $0.body).contains(#""duplicates":1"#)) }
        }
        let log = try store.auditLog(limit: 10, documents: true)
        if topic == "shop/redact" {
            #expect(log.map(\.action).reversed() == ["erase", "erase", "shop_redact"])
            #expect(try store.read { try $0.customer(CustomerID(2)) }?.erasedAt != nil)
        } else {
            #expect(log.map(\.action) == ["data_request"])
            #expect(log.first?.document?.contains("john@example.com") == true)
        }
    }
}
