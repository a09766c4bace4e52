import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PatronAuth
import PatronCore
import PatronHTTP
import PatronSQLite
import Testing

/// `/v1/customers/{id}/feedback` and `/v1/feedback/…`: an answer recorded with a write key (201,
/// then 200 when it replaces the one under its key), bad bodies refused naming the field with
/// nothing written, a read key refused; the answers and the reports read back.
@Suite struct FeedbackRoutesTests {
    init() { TestChannels.register() }

    @Test func answersAreRecordedAndReported() async throws {
        let (store, reader, _) = try CustomerRoutesTests.store()
        let writer = APIKeys.generate()
        try store.createAPIKey(name: "survey", hash: APIKeys.hash(writer), scopes: ["write"], at: 0)
        let bearer = CustomerRoutesTests.bearer
        let uri = "/v1/customers/shopify:42/feedback"
        try await CustomerRoutesTests.app(store).test(.router) { client in
            func post(_ body: String, as key: String) async throws -> TestResponse {
                try await client.execute(uri: uri, method: .post, headers: bearer(key), body: ByteBuffer(string: body))
                { $0 }
            }
            func json(_ response: TestResponse) throws -> Any {
                try JSONSerialization.jsonObject(with: Data(buffer: response.body))
            }
            #expect(try await post(#"{"kind": "nps", "score": 9}"#, as: reader).status == .forbidden)
            for (body, says) in [
                (#"{"kind": "nps", "score": 11}"#, "score: 11 is out of range for nps (0 to 10)"),
                (#"{"kind": "csat", "score": 0}"#, "out of range for csat (1 to 5)"),
                (#"{"kind": "nps", "score": 9.5}"#, "'score' must be a whole number"),
                (#"{"kind": "nps", "score": "9"}"#, "'score' must be a whole number"),
                (#"{"kind": "stars", "score": 3}"#, "'kind' must be nps, csat or review"),
                (#"{"kind": "review", "score": 3}"#, "sku: a review names the SKU"),
                (#"{"kind": "nps", "score": 3, "txt": "x"}"#, "unknown field 'txt'"),
                (#"{"kind": "nps", "score": 3, "key": ""}"#, "'key' must not be empty"),
                ("[1]", "expected a JSON object"),
            ] {
                let refused = try await post(body, as: writer)
                #expect(refused.status == .badRequest, "\(body)")
                #expect(String(buffer: refused.body).contains(says), "\(body): \(String(buffer: refused.body))")
            }
            let first = try await post(#"{"kind": "nps", "score": 3, "key": "message:7", "text": "slow"}"#, as: writer)
            #expect(first.status == .created)
            let again = try await post(#"{"kind": "nps", "score": 9, "key": "message:7"}"#, as: writer)
            #expect(again.status == .ok)
            let replaced = try #require(try json(again) as? [String: Any])
            #expect(replaced["score"] as? Int == 9 && replaced["text"] as? String == "slow")
            let review = try await post(#"{"kind": "review", "score": 4, "sku": "MUG"}"#, as: writer)
            #expect(review.status == .created)
            #expect((try json(review) as? [String: Any])?["key"] as? String == "review:1:MUG")

            let listed = try await client.execute(uri: uri, method: .get, headers: bearer(reader)) { $0 }
            let answers = try #require(try json(listed) as? [[String: Any]])
            #expect(answers.map { $0["score"] as? Int } == [9, 4] && answers.first?["order"] is NSNull)

            let nps = try await client.execute(uri: "/v1/feedback/nps?by=month", method: .get, headers: bearer(reader))
            {
                $0
            }
            #expect(nps.status == .ok)
            let report = try #require(try json(nps) as? [String: Any])
            let total = report["total"] as? [String: Any]
            #expect(
                total?["nps"] as? Int == 100 && total?["responses"] as? Int == 1 && report["by"] as? String == "month")
            let csat = try await client.execute(uri: "/v1/feedback/csat", method: .get, headers: bearer(reader)) { $0 }
            #expect(((try json(csat) as? [String: Any])?["total"] as? [String: Any])?["csat"] is NSNull)
            for query in ["?from=2026-13-01", "?by=week", "?from=2026-02-01&to=2026-01-01"] {
                let bad = try await client.execute(
                    uri: "/v1/feedback/reviews" + query, method: .get, headers: bearer(reader)
                ) { $0 }
                #expect(bad.status == .badRequest, "\(query)")
            }
            // Moderation: the review waits; a read key may list, not act; bad bodies are 400,
            // an unknown key 404, and nothing changes; then it is approved and published.
            func moderation(_ body: String, as key: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/v1/feedback/reviews/moderation", method: .post, headers: bearer(key),
                    body: ByteBuffer(string: body)
                ) { $0 }
            }
            func queue(_ query: String) async throws -> [String] {
                let listed = try await client.execute(
                    uri: "/v1/feedback/reviews/moderation" + query, method: .get, headers: bearer(reader)
                ) { $0 }
                return (try json(listed) as? [[String: Any]])?.compactMap { $0["key"] as? String } ?? []
            }
            let (waiting, published) = (try await queue(""), try await queue("?status=approved"))
            #expect(waiting == ["review:1:MUG"] && published.isEmpty)
            let unpublished = try await client.execute(
                uri: "/v1/feedback/reviews/export", method: .get, headers: bearer(reader)
            ) { $0 }
            #expect(String(buffer: unpublished.body) == "[]")
            let withPending = try await client.execute(
                uri: "/v1/feedback/reviews/export?pending=true", method: .get, headers: bearer(reader)
            ) { $0 }
            #expect((try json(withPending) as? [[String: Any]])?.count == 1)
            let approve = #"{"status": "approved", "keys": ["review:1:MUG"]}"#
            #expect(try await moderation(approve, as: reader).status == .forbidden)
            for (body, status, says) in [
                (#"{"status": "published", "keys": ["review:1:MUG"]}"#, 400, "'status' must be"),
                (#"{"status": "approved"}"#, 400, "give either 'keys' or 'pending'"),
                (#"{"status": "approved", "keys": []}"#, 400, "'keys' must be"),
                (#"{"status": "approved", "pending": {"min_stars": 4.5}}"#, 400, "whole numbers"),
                (#"{"status": "approved", "pending": {"min_stars": 6}}"#, 400, "from 1 to 5"),
                (#"{"status": "approved", "pending": {"stars": 4}}"#, 400, "unknown field 'pending.stars'"),
                (#"{"status": "approved", "keys": ["review:1:MUG", "message:7"]}"#, 400, "not a review"),
                (#"{"status": "approved", "keys": ["review:1:MUG", "review:9:TEA"]}"#, 404, "no review"),
            ] {
                let refused = try await moderation(body, as: writer)
                #expect(refused.status.code == status, "\(body)")
                #expect(String(buffer: refused.body).contains(says), "\(body): \(String(buffer: refused.body))")
            }
            #expect(try await queue("") == ["review:1:MUG"])
            let approved = try await moderation(#"{"status": "approved", "pending": {"min_stars": 4}}"#, as: writer)
            #expect(String(buffer: approved.body) == #"{"changed":["review:1:MUG"]}"#)
            let (nowApproved, nowWaiting) = (try await queue("?status=approved"), try await queue(""))
            #expect(nowApproved == ["review:1:MUG"] && nowWaiting.isEmpty)

            // The storefront export: the MUG review, as JSON and CSV; bad options are 400.
            let exported = try await client.execute(
                uri: "/v1/feedback/reviews/export", method: .get, headers: bearer(reader)
            ) { $0 }
            let products = try #require(try json(exported) as? [[String: Any]])
            #expect(products.map { $0["sku"] as? String } == ["MUG"] && products.first?["count"] as? Int == 1)
            #expect(!String(buffer: exported.body).contains("@example.com"))
            let csv = try await client.execute(
                uri: "/v1/feedback/reviews/export?format=csv&min_stars=4", method: .get, headers: bearer(reader)
            ) { $0 }
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(String(buffer: csv.body).split(separator: "\n").count == 2)
            for query in ["?format=xml", "?verified=yes", "?min_stars=6", "?pending=1"] {
                let bad = try await client.execute(
                    uri: "/v1/feedback/reviews/export" + query, method: .get, headers: bearer(reader)
                ) { $0 }
                #expect(bad.status == .badRequest, "\(query)")
            }
        }
    }
}
