import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PatronAuth
import PatronCore
import PatronHTTP
import PatronSMS
import PatronSMSStub
import PatronSQLite
import PatronScheduler
import Testing

/// A store file with a few hand-made customers, and the stub gateway plus the API's webhook
/// receivers on one live loopback port.
struct CampaignFixture {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let sid = "AC22222222222222222222222222222222"
    static let token = "stub-secret"
    /// 2026-03-02 10:00 UTC, a Monday.
    static let t0 = Day(iso: "2026-03-02")!.epochSeconds + 10 * 3600

    let directory: URL
    let store: SQLiteStore

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "patron-campaigns-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try SQLiteStore(path: directory.appendingPathComponent("shop.sqlite").path, create: true)
    }

    var path: String { directory.appendingPathComponent("shop.sqlite").path }

    /// A fixed-offset zone where it is early afternoon now, for tests that send at the wall
    /// clock (the sender re-checks quiet hours, 21:00–08:00 local).
    static func daytimeZone(now: Date = Date()) -> String {
        let hour = Calendar(identifier: .gregorian).dateComponents(in: .gmt, from: now).hour ?? 0
        var offset = 14 - hour
        if offset > 12 { offset -= 24 }
        if offset < -12 { offset += 24 }
        // `Etc/GMT-2` is UTC+2 (POSIX signs).
        return offset == 0 ? "Etc/GMT" : "Etc/GMT\(offset > 0 ? "-" : "+")\(abs(offset))"
    }

    /// A customer `ref` with email, phone, both consents granted (unless told), a zone.
    func customer(
        _ ref: String, phone: String, sms: ConsentStatus = .granted, zone: String = "UTC", firstName: String = "Ann",
        birthday: String? = nil, at: Int64 = t0 - 30 * 86_400
    ) throws {
        try ingest(
            Self.customerEvents(
                ref, phone: phone, sms: sms, zone: zone, firstName: firstName, birthday: birthday, at: at),
            at: at)
    }

    /// The events that make a customer (for any store: ``customer(_:phone:sms:zone:firstName:birthday:at:)``).
    static func customerEvents(
        _ ref: String, phone: String, sms: ConsentStatus = .granted, zone: String = "UTC", firstName: String = "Ann",
        birthday: String? = nil, at: Int64 = t0 - 30 * 86_400
    ) -> [IngestEvent.Kind] {
        let identity = CustomerIdentity(
            refs: [ExternalRef(source: "shop", id: ref)], email: "\(ref)@example.com", phone: phone)
        return [
            .customerUpserted(
                CustomerUpsert(
                    identity: identity, firstName: firstName, timeZone: zone, birthday: birthday, createdAt: at)),
            .consentChanged(ConsentChange(customer: identity, channel: .sms, status: sms)),
            .consentChanged(ConsentChange(customer: identity, channel: .email, status: .granted)),
        ]
    }

    func cart(_ ref: String, customer: String, valueMinor: Int64, at: Int64) throws {
        try ingest(Self.cartEvents(ref, customer: customer, valueMinor: valueMinor), at: at)
    }

    static func cartEvents(_ ref: String, customer: String, valueMinor: Int64) -> [IngestEvent.Kind] {
        [
            .cartUpdated(
                CartData(
                    ref: ref, customer: CustomerIdentity(refs: [ExternalRef(source: "shop", id: customer)]),
                    currency: .eur, valueMinor: valueMinor,
                    lines: [OrderLine(sku: "MUG", name: "Blue mug", quantity: 2, unitPriceMinor: valueMinor / 2)]))
        ]
    }

    func order(_ ref: String, customer: String, totalMinor: Int64 = 5_000, sku: String = "MUG", at: Int64) throws {
        try ingest(
            [
                .orderPlaced(
                    OrderData(
                        ref: ref, customer: CustomerIdentity(refs: [ExternalRef(source: "shop", id: customer)]),
                        placedAt: at, currency: .eur, totalMinor: totalMinor,
                        lines: [OrderLine(sku: sku, name: "Blue mug", quantity: 1, unitPriceMinor: totalMinor)]))
            ], at: at)
    }

    func consent(_ customer: String, sms: ConsentStatus, at: Int64) throws {
        try ingest(
            [
                .consentChanged(
                    ConsentChange(
                        customer: CustomerIdentity(refs: [ExternalRef(source: "shop", id: customer)]), channel: .sms,
                        status: sms))
            ], at: at)
    }

    func ingest(_ kinds: [IngestEvent.Kind], at: Int64) throws {
        try Self.ingest(kinds, at: at, into: store)
    }

    static func ingest<S: Store>(_ kinds: [IngestEvent.Kind], at: Int64, into store: S) throws {
        let events = kinds.map { IngestEvent(id: UUID().uuidString, source: "shop", occurredAt: at, kind: $0) }
        _ = try Ingestor(store: store).ingest(events)
    }

    func id(_ ref: String) throws -> CustomerID {
        try #require(try store.read { try $0.customerID(ref: ExternalRef(source: "shop", id: ref)) })
    }

    /// Stores the shipped flow files (`flows/*.yaml`) and activates them at `at`.
    func activateShippedFlows(at: Int64) throws {
        let folder = Self.root.appendingPathComponent("flows")
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        where name.hasSuffix(".yaml") {
            try activate(try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8), at: at)
        }
    }

    /// Stores the flow file and activates it at `at`.
    func activate(_ yaml: String, at: Int64) throws {
        let flow = try FlowFixture.parse(yaml)
        try store.saveFlow(id: flow.id, name: flow.name, source: yaml, path: nil, at: at)
        _ = try store.setFlowStatus(flow.id, .active, at: at)
    }

    func outbox() throws -> [OutboxRow] { try store.outboxRows() }

    /// Runs `body` with the stub gateway and the API's routes (for status callbacks) live on one port.
    /// `now` is the API's clock (the real one unless given); `surveyLinks` checks survey links.
    static func live(
        callbackDelay: Duration? = .milliseconds(100), store: SQLiteStore, surveyLinks: SurveyLinkSigner? = nil,
        now: (@Sendable () -> Int64)? = nil, _ body: @escaping @Sendable (SMSStubGateway, Int) async throws -> Void
    ) async throws {
        let gateway = SMSStubGateway(accountSid: sid, authToken: token, callbackDelay: callbackDelay)
        let router = Router()
        gateway.add(to: router)
        var secrets = WebhookSecrets(twilio: [token])
        secrets.surveyLinks = surveyLinks
        PatronAPIServer.addRoutes(
            to: router, store: store, secrets: secrets, settings: APIServerSettings(requestsPerSecond: 0),
            now: now ?? { Int64(Date().timeIntervalSince1970) })
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
        try await app.test(.live) { client in try await body(gateway, try #require(client.port)) }
    }

    static func smsChannel(port: Int) -> TwilioSMSChannel {
        TwilioSMSChannel(
            baseURL: "http://127.0.0.1:\(port)", accountSid: sid, authToken: token,
            sender: .phoneNumber("+15005550006"),
            statusCallback: "http://127.0.0.1:\(port)/webhooks/twilio/status", timeout: 60)
    }
}
