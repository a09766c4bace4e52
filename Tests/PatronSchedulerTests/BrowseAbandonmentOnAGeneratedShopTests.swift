import Foundation
import HTTPTypes
import NIOCore
import PatronAuth
import PatronCore
import PatronSQLite
import PatronScheduler
import Testing

/// The shipped browse-abandonment flow on a generated shop with views tracked over real HTTP
/// (`POST /v1/track` with the storefront's key, as the snippet of docs/tracking.md sends them):
/// visitors look at products anonymously, then log in (identify), and the scheduler ticks every
/// hour. Checked: exactly the customers who looked at one product twice within a day, consented
/// and neither ordered nor opened a cart get one message about that product (or are in the
/// holdout), two hours or more after the second look, with the catalogue's name, the page
/// carrying a signed token that identifies the next visit, and recommendations from the model;
/// the others get nothing, and each skip says why.
@Suite(.serialized) struct BrowseAbandonmentOnAGeneratedShopTests {
    init() { TestChannels.register() }

    let t0 = CampaignFixture.t0
    let hour: Int64 = 3_600

    @Test func theBrowseAbandonmentFlowRunsOnTrackedViews() async throws {
        let shop = try CampaignFixture()
        let generator = try ShopGenerator(
            options: .init(customers: 120, orders: 400, seed: 21, until: Day(epochSeconds: t0 - 86_400), days: 60))
        try Ingestor(store: shop.store).ingest(Array(generator))
        try RecommendationDesk.rebuild(shop.store, at: t0 - hour)
        let products = try shop.store.read { try $0.products(after: nil, limit: 1_000) }.filter(\.inStock)
        let key = APIKeys.generate()
        try shop.store.createAPIKey(
            name: "storefront", hash: APIKeys.hash(key), scopes: ["track", "origin:https://demo-shop.example"], at: 0)
        // The shop's server says who logged in, with a write key.
        let server = APIKeys.generate()
        try shop.store.createAPIKey(name: "shop-server", hash: APIKeys.hash(server), scopes: ["write"], at: 0)
        // Everyone may be mailed: the flow's audience is about consent, which the test is not.
        let refs = (1...40).map { ShopGenerator.customerRef($0) }
        try Ingestor(store: shop.store).ingest(
            refs.map { ref in
                IngestEvent(
                    id: "mail-ok-\(ref)", source: "demo-shop", occurredAt: t0 - hour,
                    kind: .consentChanged(
                        ConsentChange(
                            customer: CustomerIdentity(refs: [ExternalRef(source: "", id: ref)]), channel: .email,
                            status: .granted)))
            })
        let url = CampaignFixture.root.appendingPathComponent("flows/browse-abandonment.yaml")
        try shop.activate(try String(contentsOf: url, encoding: .utf8), at: t0 - 2 * hour)

        // Who does what: looks twice then logs in (browsers), once only, twice without consent,
        // twice then orders, twice then fills a cart.
        let browsers = Array(refs[0..<16])
        let once = Array(refs[16..<20])
        let unconsenting = Array(refs[20..<24])
        let buyers = Array(refs[24..<28])
        let carters = Array(refs[28..<32])
        @Sendable func sku(_ index: Int) -> ProductRecord { products[(index * 7) % products.count] }
        let clock = SurveyEndToEndTests.Clock(t0)
        let secret = SurveyEndToEndTests.secret
        let checker = try SurveyLinkSigner(secret: secret, baseURL: "http://placeholder.invalid")
        try await CampaignFixture.live(store: shop.store, surveyLinks: checker, now: { clock.now }) { _, port in
            var runtime = CampaignRuntime(store: shop.store, channels: [.email: SimulatedChannel()], shopName: "Demo")
            runtime.surveyLinks = try SurveyLinkSigner(secret: secret, baseURL: "http://127.0.0.1:\(port)")
            let client = LoopbackClient(port: port)
            func track(_ calls: [[String: Any]], consent: Bool = true) async throws -> [String: Any] {
                let body = try JSONSerialization.data(
                    withJSONObject: ["source": "demo-shop", "consent": consent, "batch": calls])
                // Logins come from the shop's server; views and link clicks from the page.
                let login = calls.contains { $0["userId"] != nil }
                return try await client.execute(
                    uri: login ? "/v1/track" : "/v1/track?key=\(key)", method: .post,
                    headers: login ? [.authorization: "Bearer \(server)"] : [.origin: "https://demo-shop.example"],
                    body: ByteBuffer(bytes: body)
                ) { status, answer in
                    #expect(status == .ok, "\(String(buffer: answer))")
                    return try JSONSerialization.jsonObject(with: Data(buffer: answer)) as? [String: Any] ?? [:]
                }
            }
            func view(_ visitor: String, _ product: ProductRecord, at: Int64) -> [String: Any] {
                [
                    "type": "track", "event": "Product Viewed", "anonymousId": visitor,
                    "messageId": "\(visitor)-\(at)", "timestamp": Timestamp.format(at),
                    "properties": ["sku": product.sku, "name": product.name],
                ]
            }
            var viewedAt: [String: Int64] = [:]
            var now = t0
            while now <= t0 + 40 * hour {
                clock.now = now
                let hourIndex = Int((now - t0) / hour)
                // Each group's people act in the first six hours, one person an hour per group.
                if hourIndex < 16 {
                    let ref = browsers[hourIndex]
                    let visitor = "anon-\(ref)"
                    let first = try await track([view(visitor, sku(hourIndex), at: now - 50 * 60)])
                    #expect(first["kept"] as? Int == 1)
                    let second = try await track([
                        view(visitor, sku(hourIndex), at: now - 10 * 60),
                        ["type": "identify", "anonymousId": visitor, "userId": ref],
                    ])
                    #expect(second["stitched"] as? Int == 2 && second["identified"] as? Int == 1, "\(second)")
                    viewedAt[ref] = now - 10 * 60
                }
                if hourIndex < 4 {
                    let (a, b, c, d) = (once[hourIndex], unconsenting[hourIndex], buyers[hourIndex], carters[hourIndex])
                    _ = try await track([
                        view("v-\(a)", sku(1), at: now - 5 * 60),
                        ["type": "identify", "anonymousId": "v-\(a)", "userId": a],
                    ])
                    let refused = try await track(
                        [view("v-\(b)", sku(2), at: now - 20 * 60), view("v-\(b)", sku(2), at: now - 5 * 60)],
                        consent: false)
                    #expect(refused["without_consent"] as? Int == 2 && refused["kept"] as? Int == 0)
                    for who in [c, d] {
                        _ = try await track([
                            view("v-\(who)", sku(3), at: now - 20 * 60), view("v-\(who)", sku(3), at: now - 5 * 60),
                            ["type": "identify", "anonymousId": "v-\(who)", "userId": who],
                        ])
                    }
                    try CampaignFixture.ingest(
                        [
                            .orderPlaced(
                                OrderData(
                                    ref: "browse-\(c)",
                                    customer: CustomerIdentity(refs: [ExternalRef(source: "demo-shop", id: c)]),
                                    placedAt: now, currency: .usd, totalMinor: 1_000))
                        ], at: now, into: shop.store)
                    try CampaignFixture.ingest(
                        [
                            .cartUpdated(
                                CartData(
                                    ref: "cart-\(d)",
                                    customer: CustomerIdentity(refs: [ExternalRef(source: "demo-shop", id: d)]),
                                    currency: .usd, valueMinor: 500,
                                    lines: [OrderLine(sku: sku(3).sku, quantity: 1, unitPriceMinor: 500)]))
                        ], at: now + 30 * 60, into: shop.store)
                }
                _ = try await runtime.tick(now: now)
                let at = now
                _ = try await runtime.drain(now: { at })
                now += hour
            }

            let messages = try shop.outbox().filter { $0.flowID == "browse-abandonment" }
            let decisions = try await shop.store.campaignDecisions(
                flowID: "browse-abandonment", customerID: nil, from: 0, to: .max)
            func id(_ ref: String) throws -> CustomerID {
                try #require(try shop.store.read { try $0.customerID(ref: ExternalRef(source: "demo-shop", id: ref)) })
            }
            var treated = 0
            for (index, ref) in browsers.enumerated() {
                let customer = try id(ref)
                let mine = messages.filter { $0.customerID == customer }
                if ContactPolicy.inHoldout(customer: customer, flow: "browse-abandonment", percent: 10) {
                    #expect(mine.isEmpty && decisions.contains { $0.customerID == customer && $0.reason == "holdout" })
                    continue
                }
                #expect(
                    mine.count == 1,
                    "\(ref): \(mine.count) messages; \(decisions.filter { $0.customerID == customer }.map { "\($0.reason) \($0.detail)" })"
                )
                guard let message = mine.first else { continue }
                treated += 1
                let product = sku(index)
                #expect(message.subject == "Still thinking about \(product.name)?", "\(message.subject ?? "")")
                #expect(message.plannedAt >= viewedAt[ref]! + 2 * hour)
                #expect(message.body.contains("You may also like:"), "\(message.body)")
                // The page carries a signed token: the next visit from the message identifies itself.
                let page = try #require(product.url)
                #expect(message.body.contains(page + "?patron="), "\(message.body)")
                let token = try #require(
                    message.body.components(separatedBy: page + "?patron=").dropFirst().first?
                        .prefix { !$0.isWhitespace })
                let click = try await track([
                    view("clicked-\(ref)", product, at: clock.now - 60),
                    ["type": "identify", "anonymousId": "clicked-\(ref)", "context": ["patron": String(token)]],
                ])
                #expect(click["identified"] as? Int == 1 && click["stitched"] as? Int == 1, "\(click)")
                #expect(
                    try shop.store.read { try $0.views(of: customer) }.filter { $0.visitorID == "clicked-\(ref)" }.count
                        == 1)
            }
            #expect(treated >= 10)
            for ref in once + unconsenting + buyers + carters {
                let customer = try id(ref)
                #expect(!messages.contains { $0.customerID == customer }, "\(ref) got a browse message")
            }
            for ref in buyers {
                let customer = try id(ref)
                #expect(
                    decisions.contains { $0.customerID == customer && $0.reason == "goal_reached" },
                    "\(ref): \(decisions.filter { $0.customerID == customer }.map(\.reason))")
            }
        }
    }
}
