import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PatronCore
import PatronHTTP
import PatronSQLite
import Testing

/// `/v1/flows`: a flow file is validated before it is stored (every error with its position),
/// then activated, inspected with its stats, and paused — all behind an admin key.
@Suite struct FlowRoutesTests {
    init() { TestChannels.register() }

    static let good = """
        id: api-welcome
        name: Welcome from the API
        trigger:
          order_placed: { first_only: true }
        steps:
          - send: hello
        templates:
          hello: { channel: email, subject: "Welcome to {{shop.name}}", body: "Hi {{customer.first_name}}" }
        """

    static let bad = """
        id: api-welcome
        name: Welcome from the API
        trigger:
          order_placd: {}
        steps:
          - send: hello
        templates:
          hello: { channel: email, subject: "Hi", body: "Hi {{customer.frist_name}}" }
        """

    @Test func aFlowIsValidatedStoredActivatedAndPaused() async throws {
        let (store, reader, admin) = try CustomerRoutesTests.store()
        let bearer = CustomerRoutesTests.bearer
        try await CustomerRoutesTests.app(store).test(.router) { client in
            try await client.execute(
                uri: "/v1/flows/api-welcome", method: .put, headers: bearer(reader), body: ByteBuffer(string: Self.good)
            ) { #expect($0.status == .forbidden) }
            try await client.execute(
                uri: "/v1/flows/api-welcome", method: .put, headers: bearer(admin), body: ByteBuffer(string: Self.bad)
            ) { response in
                #expect(response.status == .unprocessableContent)
                #expect(response.headers[.contentType] == "application/problem+json")
                let json = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                let errors = json?["errors"] as? [[String: Any]] ?? []
                #expect(errors.count == 2)
                #expect(errors.first?["line"] as? Int == 4 && errors.first?["column"] as? Int == 3)
                #expect((errors.first?["message"] as? String)?.contains("did you mean 'order_placed'") == true)
                #expect(errors.last?["line"] as? Int == 8)
                #expect((errors.last?["message"] as? String)?.contains("customer.first_name") == true)
            }
            #expect(try store.flows().isEmpty)
            try await client.execute(
                uri: "/v1/flows/other-id", method: .put, headers: bearer(admin), body: ByteBuffer(string: Self.good)
            ) { #expect($0.status == .unprocessableContent) }
            try await client.execute(
                uri: "/v1/flows/api-welcome", method: .put, headers: bearer(admin), body: ByteBuffer(string: Self.good)
            ) { response in
                #expect(response.status == .ok)
                let json = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect(json?["status"] as? String == "draft")
            }
            try await client.execute(uri: "/v1/flows/api-welcome/activate", method: .post, headers: bearer(admin)) {
                response in
                let json = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect(json?["status"] as? String == "active")
                #expect(json?["activated_at"] as? String == "2024-06-01T00:00:00Z")
            }
            try await client.execute(uri: "/v1/flows/api-welcome", method: .get, headers: bearer(reader)) { response in
                #expect(response.status == .ok)
                let json = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect(json?["source"] as? String == Self.good)
                let stats = json?["stats"] as? [String: Any]
                #expect(stats?["treated"] as? Int == 0 && stats?["attributed_revenue"] as? String == "0.00")
            }
            try await client.execute(uri: "/v1/flows/api-welcome/pause", method: .post, headers: bearer(admin)) {
                let json = try JSONSerialization.jsonObject(with: Data(buffer: $0.body)) as? [String: Any]
                #expect(json?["status"] as? String == "paused")
            }
            try await client.execute(uri: "/v1/flows", method: .get, headers: bearer(reader)) {
                let json = try JSONSerialization.jsonObject(with: Data(buffer: $0.body)) as? [String: Any]
                #expect((json?["items"] as? [[String: Any]])?.map { $0["id"] as? String } == ["api-welcome"])
            }
            try await client.execute(uri: "/v1/flows/nope/activate", method: .post, headers: bearer(admin)) {
                #expect($0.status == .notFound)
            }
        }
    }
}
