import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PatronAuth
import PatronCore
import PatronHTTP
import PatronSQLite
import Testing

/// `POST /v1/track` over a real socket: a storefront's views kept only with consent, a call
/// sent twice kept once, anonymous views stitched when the visitor identifies (by email or by
/// the signed token of a Patron message's link); the key's scope, origins and rate enforced;
/// a malformed batch refused whole, naming the field.
@Suite struct TrackRoutesTests {
    init() { TestChannels.register() }

    static let now = Day(iso: "2024-06-01")!.epochSeconds
    static let links = try! SurveyLinkSigner(secret: "0123456789abcdef0123", baseURL: "https://shop.example")

    static func app(_ store: SQLiteStore, settings: APIServerSettings = .init()) -> some ApplicationProtocol {
        let router = Router()
        var secrets = WebhookSecrets()
        secrets.surveyLinks = links
        PatronAPIServer.addRoutes(to: router, store: store, secrets: secrets, settings: settings, now: { now })
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    static func body(_ object: Any) -> ByteBuffer {
        ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object))
    }

    static func view(_ visitor: String, _ sku: String, id: String? = nil, consent: Any? = nil) -> [String: Any] {
        var call: [String: Any] = [
            "type": "track", "event": "Product Viewed", "anonymousId": visitor, "properties": ["sku": sku],
            "timestamp": "2024-05-31T10:00:00.250Z",
        ]
        if let id { call["messageId"] = id }
        if let consent { call["context"] = ["consent": consent] }
        return call
    }

    @Test func viewsWithConsentAreKeptAndStitched() async throws {
        let (store, reader, _) = try CustomerRoutesTests.store()
        let key = APIKeys.generate()
        try store.createAPIKey(
            name: "storefront", hash: APIKeys.hash(key), scopes: ["track", "origin:https://shop.example"], at: 0)
        let ann = try store.read { try $0.customerID(email: "ann@example.com")! }
        let server = APIKeys.generate()
        try store.createAPIKey(name: "shop-server", hash: APIKeys.hash(server), scopes: ["write"], at: 0)
        try await Self.app(store).test(.live) { client in
            let yes: [String: Any] = ["categoryPreferences": ["Analytics": true, "Advertising": false]]
            let headers: HTTPFields = [.authorization: "Bearer \(key)", .origin: "https://shop.example"]
            let first = try await client.execute(
                uri: "/v1/track", method: .post, headers: headers,
                body: Self.body([
                    "batch": [
                        Self.view("v1", "MUG", id: "m1", consent: yes), Self.view("v1", "MUG", id: "m1", consent: yes),
                        Self.view("v2", "TEA", id: "m2", consent: ["tracking": false]),
                        Self.view("v1", "CUP", consent: ["tracking": true]), ["type": "page", "anonymousId": "v1"],
                    ]
                ]))
            #expect(first.status == .ok, "\(String(buffer: first.body))")
            #expect(first.headers[.accessControlAllowOrigin] == "https://shop.example")
            let report = try APIRoutesTests.json(first.body)
            #expect(report["kept"] as? Int == 2 && report["duplicates"] as? Int == 1)
            #expect(report["without_consent"] as? Int == 1 && report["ignored"] as? Int == 1)
            // A publishable key may not say who a visitor is (anyone can read it from the page)...
            let claimed = try await client.execute(
                uri: "/v1/track", method: .post, headers: headers,
                body: Self.body(["type": "identify", "anonymousId": "v1", "traits": ["email": "ann@example.com"]]))
            #expect(claimed.status == .forbidden && String(buffer: claimed.body).contains("patron token"))
            #expect(try store.read { try $0.views(of: ann) }.isEmpty)
            // ... the shop's server does, at login, with a write key: the visitor's views become Ann's.
            let login = try await client.execute(
                uri: "/v1/track", method: .post, headers: CustomerRoutesTests.bearer(server),
                body: Self.body(["type": "identify", "anonymousId": "v1", "traits": ["email": "Ann@Example.com"]]))
            let identified = try APIRoutesTests.json(login.body)
            #expect(login.status == .ok && identified["identified"] as? Int == 1 && identified["stitched"] as? Int == 2)
            let views = try store.read { try $0.views(of: ann) }
            // Both stamped the same second: by SKU.
            #expect(views.map(\.sku) == ["CUP", "MUG"] && views.allSatisfy { $0.visitorID == "v1" })
            // The browser's fraction of a second is dropped; a time ahead of the server's is not taken.
            #expect(views.first?.at == Timestamp.parse("2024-05-31T10:00:00Z"))

            // The batch's consent counts when a call says nothing; `?key=` serves sendBeacon.
            let beacon = try await client.execute(
                uri: "/v1/track?key=\(key)", method: .post, headers: [.origin: "https://shop.example"],
                body: Self.body(["consent": true, "batch": [Self.view("v1", "POT")]]))
            let beaconReport = try APIRoutesTests.json(beacon.body)
            #expect(beacon.status == .ok && beaconReport["kept"] as? Int == 1)

            // A click from a Patron message identifies by its signed token.
            let token = try #require(Self.links.visitorToken(ann, expiresAt: Self.now + 86_400))
            try await client.execute(
                uri: "/v1/track", method: .post, headers: headers,
                body: Self.body([
                    "consent": true,
                    "batch": [
                        Self.view("v9", "SAUCER"),
                        ["type": "identify", "anonymousId": "v9", "context": ["patron": token]],
                    ],
                ])
            ) {
                let report = try APIRoutesTests.json($0.body)
                #expect($0.status == .ok && report["stitched"] as? Int == 1)
            }
            let forged = String(token.dropLast(2)) + "xx"
            try await client.execute(
                uri: "/v1/track", method: .post, headers: headers,
                body: Self.body(["type": "identify", "anonymousId": "v8", "context": ["patron": forged]])
            ) { #expect($0.status == .badRequest) }
            #expect(try store.read { try $0.views(of: ann) }.map(\.sku) == ["CUP", "MUG", "POT", "SAUCER"])

            // Refusals: another origin, a read key, a track key elsewhere, a malformed call.
            let before = try store.read { try $0.views(of: ann) }.count
            let evil = try await client.execute(
                uri: "/v1/track", method: .post,
                headers: [.authorization: "Bearer \(key)", .origin: "https://evil.example"],
                body: Self.body(["consent": true, "batch": [Self.view("v1", "MUG")]]))
            #expect(evil.status == .forbidden && String(buffer: evil.body).contains("evil.example"))
            try await client.execute(
                uri: "/v1/track", method: .post, headers: CustomerRoutesTests.bearer(reader),
                body: Self.body([Self.view("v1", "MUG")])
            ) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/v1/customers/shopify:42", method: .get, headers: headers) {
                #expect($0.status == .forbidden)
            }
            let bad = try await client.execute(
                uri: "/v1/track", method: .post, headers: headers,
                body: Self.body([
                    "consent": true,
                    "batch": [
                        Self.view("v1", "MUG"),
                        ["type": "track", "event": "Product Viewed", "anonymousId": "v1", "properties": [:]],
                    ],
                ]))
            #expect(bad.status == .badRequest)
            #expect(String(buffer: bad.body).contains("batch[1].properties.sku"), "\(String(buffer: bad.body))")
            #expect(try store.read { try $0.views(of: ann) }.count == before)

            // A browser's preflight.
            try await client.execute(
                uri: "/v1/track", method: .options,
                headers: [.origin: "https://shop.example", .accessControlRequestMethod: "POST"]
            ) {
                #expect($0.status == .noContent)
                #expect($0.headers[.accessControlAllowOrigin] == "https://shop.example")
                #expect($0.headers[.accessControlAllowHeaders]?.contains("Authorization") == true)
            }
        }
    }

    @Test func aBurstAboveTheTrackKeysRateIsRefused() async throws {
        let (store, _, _) = try CustomerRoutesTests.store()
        let key = APIKeys.generate()
        try store.createAPIKey(name: "storefront", hash: APIKeys.hash(key), scopes: ["track"], at: 0)
        let settings = APIServerSettings(trackRequestsPerSecond: 0.01, trackBurst: 2)
        try await Self.app(store, settings: settings).test(.live) { client in
            var statuses: [HTTPResponse.Status] = []
            for n in 0..<3 {
                let response = try await client.execute(
                    uri: "/v1/track?key=\(key)", method: .post,
                    body: Self.body(["consent": true, "batch": [Self.view("v\(n)", "MUG")]]))
                statuses.append(response.status)
            }
            #expect(statuses == [.ok, .ok, .tooManyRequests])
        }
    }
}
