import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PatronAuth
import PatronCore
import PatronHTTP
import PatronSQLite
import Testing

/// `/v1/customers/{id}/loyalty`: the points and the ledger with a read key; a redemption with a
/// write key, once per `Idempotency-Key` (the same key with other points, or a short balance: 409,
/// nothing written); an adjustment with an admin key, recorded with the key's name.
@Suite struct LoyaltyRoutesTests {
    init() { TestChannels.register() }

    static func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }

    static func with(_ key: String, idempotency: String?) -> HTTPFields {
        var headers = CustomerRoutesTests.bearer(key)
        if let idempotency { headers[HTTPField.Name("Idempotency-Key")!] = idempotency }
        return headers
    }

    @Test func pointsAreReadRedeemedOnceAndAdjustedByAnAdmin() async throws {
        let (store, reader, admin) = try CustomerRoutesTests.store()
        let writer = APIKeys.generate()
        let may = Day(iso: "2024-05-10")!.epochSeconds
        try store.createAPIKey(name: "till", hash: APIKeys.hash(writer), scopes: ["write"], at: may)
        try LoyaltyDesk.activate(
            store, rules: "(test)",
            program: LoyaltyProgram(tiers: TierPolicy(tiers: [.init(name: "Silver", threshold: 30)])), at: may)
        // Ingested after the activation: 40.00 earns 40 points (the order of May 1st earned nothing).
        try Ingestor(store: store).ingest([
            IngestEvent(
                id: "o2", source: "shopify", occurredAt: may,
                kind: .orderPlaced(
                    OrderData(
                        ref: "1002", customer: CustomerIdentity(refs: [ExternalRef(source: "", id: "42")]),
                        placedAt: may, currency: .eur, totalMinor: 4_000)))
        ])
        let bearer = CustomerRoutesTests.bearer
        let json = Self.json

        let base = "/v1/customers/shopify:42/loyalty"
        try await CustomerRoutesTests.app(store).test(.router) { client in
            try await client.execute(uri: base, method: .get, headers: bearer(reader)) { response in
                #expect(response.status == .ok)
                let figures = try json(response)
                #expect(figures["balance"] as? Int == 40 && figures["lifetime_earned"] as? Int == 40)
                #expect(figures["tier"] as? String == "Silver" && figures["next_tier"] is NSNull)
            }
            try await client.execute(uri: "/v1/customers/shopify:nobody/loyalty", method: .get, headers: bearer(reader))
            {
                #expect($0.status == .notFound)
            }

            func redeem(_ body: String, key: String? = "k1", as apiKey: String? = nil) async throws -> TestResponse {
                try await client.execute(
                    uri: base + "/redemptions", method: .post, headers: Self.with(apiKey ?? writer, idempotency: key),
                    body: ByteBuffer(string: body)
                ) { $0 }
            }
            #expect(try await redeem(#"{"points": 30}"#, as: reader).status == .forbidden)
            let noKey = try await redeem(#"{"points": 30}"#, key: nil)
            #expect(noKey.status == .badRequest)
            #expect(String(buffer: noKey.body).contains("Idempotency-Key"))
            let first = try await redeem(#"{"points": 30, "reason": "voucher"}"#)
            #expect(first.status == .created)
            let entry = try json(first)["entry"] as? [String: Any]
            #expect(entry?["points"] as? Int == -30 && entry?["key"] as? String == "redeem:1:k1")
            #expect(try json(first)["balance"] as? Int == 10)
            let again = try await redeem(#"{"points": 30, "reason": "voucher"}"#)
            #expect(again.status == .created && String(buffer: again.body) == String(buffer: first.body))
            let reused = try await redeem(#"{"points": 20}"#)
            #expect(reused.status == .conflict)
            #expect(String(buffer: reused.body).contains("was used for a redemption of 30 points, not 20"))
            let short = try await redeem(#"{"points": 11}"#, key: "k2")
            #expect(short.status == .conflict)
            #expect(String(buffer: short.body).contains("has 10 points to spend, not 11"))
            for body in [
                #"{"points": 1.5}"#, #"{"points": "5"}"#, #"{"points": 0}"#, #"{"points": -4}"#, #"{"pts": 4}"#,
                #"{"points": 4000000000}"#, "[]", "{",
            ] {
                let refused = try await redeem(body, key: "k3")
                #expect(refused.status == .badRequest, "\(body): \(String(buffer: refused.body))")
            }

            func adjust(_ body: String, as apiKey: String) async throws -> TestResponse {
                try await client.execute(
                    uri: base + "/adjustments", method: .post, headers: Self.with(apiKey, idempotency: "a1"),
                    body: ByteBuffer(string: body)
                ) { $0 }
            }
            #expect(try await adjust(#"{"points": 100, "reason": "gift"}"#, as: writer).status == .forbidden)
            #expect(try await adjust(#"{"points": 100}"#, as: admin).status == .badRequest)
            let gift = try await adjust(#"{"points": 100, "reason": "gift"}"#, as: admin)
            #expect(gift.status == .created)
            #expect((try json(gift)["entry"] as? [String: Any])?["actor"] as? String == "api key privacy")
            #expect(try json(gift)["balance"] as? Int == 110)
            #expect(try await adjust(#"{"points": -100, "reason": "gift"}"#, as: admin).status == .conflict)

            try await client.execute(uri: base + "/ledger", method: .get, headers: bearer(reader)) { response in
                let entries = try json(response)["entries"] as? [[String: Any]] ?? []
                #expect(entries.map { $0["kind"] as? String } == ["earn", "spend", "adjust"])
            }
            _ = try LoyaltyDesk.updateTiers(store, at: may + 86_400)
            try await client.execute(uri: "/v1/customers/shopify:42/timeline", method: .get, headers: bearer(reader)) {
                let entries = try json($0)["entries"] as? [[String: Any]] ?? []
                let loyalty = entries.filter { ($0["kind"] as? String)?.hasPrefix("loyalty.") == true }
                #expect(
                    loyalty.map { $0["summary"] as? String } == [
                        "+40 points earned (order)", "loyalty tier none → Silver", "-30 points redeemed (voucher)",
                        "+100 points adjusted (gift)",
                    ])
            }
        }
    }

    /// A tier override through the API: read with a read key (404 before one is set), set and
    /// ended with an admin key only, refused without a reason or with a tier the rules lack; the
    /// tier job applies it.
    @Test func aTierOverrideIsSetReadAndEndedByAnAdmin() async throws {
        let (store, reader, admin) = try CustomerRoutesTests.store()
        let now = Int64(Date().timeIntervalSince1970)
        try LoyaltyDesk.activate(
            store, rules: "(test)",
            program: LoyaltyProgram(
                tiers: TierPolicy(tiers: [.init(name: "Silver", threshold: 30), .init(name: "Gold", threshold: 100)])),
            at: now - 86_400)
        try Ingestor(store: store).ingest([
            IngestEvent(
                id: "o7", source: "shopify", occurredAt: now - 3_600,
                kind: .orderPlaced(
                    OrderData(
                        ref: "1001", customer: CustomerIdentity(refs: [ExternalRef(source: "", id: "7")]),
                        placedAt: now - 3_600, currency: .eur, totalMinor: 4_000)))
        ])
        let id = try #require(try store.read { try $0.customerID(ref: ExternalRef(source: "shopify", id: "7")) })
        let uri = "/v1/customers/shopify:7/loyalty/tier-override"
        let bearer = CustomerRoutesTests.bearer
        let json = Self.json
        try await CustomerRoutesTests.app(store).test(.router) { client in
            func put(_ body: String, as key: String) async throws -> TestResponse {
                try await client.execute(uri: uri, method: .put, headers: bearer(key), body: ByteBuffer(string: body)) {
                    $0
                }
            }
            try await client.execute(uri: uri, method: .get, headers: bearer(reader)) {
                #expect($0.status == .notFound)
            }
            let gold = #"{"tier": "Gold", "until": "2099-01-01T00:00:00Z", "reason": "press"}"#
            #expect(try await put(gold, as: reader).status == .forbidden)
            for (body, says) in [
                (#"{"tier": "Gold"}"#, "'reason' is required"),
                (#"{"tier": "Gold", "reason": "  "}"#, "'reason' is required"),
                (#"{"tier": "Bronze", "reason": "x"}"#, "no tier 'Bronze' in the active rules (Silver, Gold)"),
                (#"{"tier": 3, "reason": "x"}"#, "'tier' must be"), (#"{"reason": "x"}"#, "'tier' is required"),
                (#"{"tier": "Gold", "until": "soon", "reason": "x"}"#, "'until' must be a date-time"),
                (#"{"tier": "Gold", "reason": "x", "untill": "2099-01-01T00:00:00Z"}"#, "unknown field 'untill'"),
                (#"{"tier": "Gold", "until": "2001-01-01T00:00:00Z", "reason": "x"}"#, "must end after it starts"),
            ] {
                let refused = try await put(body, as: admin)
                #expect(refused.status == .badRequest, "\(body)")
                #expect(String(buffer: refused.body).contains(says), "\(body): \(String(buffer: refused.body))")
            }
            #expect(try store.read { try $0.tierOverrides() }.isEmpty, "a refused request wrote nothing")
            let set = try await put(gold, as: admin)
            #expect(set.status == .ok)
            let object = try json(set)
            #expect(object["tier"] as? String == "Gold" && object["in_force"] as? Bool == true)
            #expect(
                object["until"] as? String == "2099-01-01T00:00:00Z" && object["actor"] as? String == "api key privacy")
            let shown = try await client.execute(uri: uri, method: .get, headers: bearer(reader)) { $0 }
            #expect(shown.status == .ok)
            #expect(try json(shown)["reason"] as? String == "press")
            _ = try LoyaltyDesk.updateTiers(store, at: now + 60)
            #expect(try store.read { try $0.loyaltyTiers()[id] } == .some("Gold"), "the tier job applied it")
            let ended = try await put(#"{"tier": null, "reason": "over"}"#, as: admin)
            #expect(ended.status == .ok)
            #expect(try json(ended)["in_force"] as? Bool == false)
            #expect(try await put(#"{"tier": null, "reason": "over"}"#, as: admin).status == .notFound)
            _ = try LoyaltyDesk.updateTiers(store, at: now + 120)
            #expect(try store.read { try $0.loyaltyTiers()[id] } == .some("Silver"), "the computed tier is back")
        }
    }
}
