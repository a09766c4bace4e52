import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PatronCore
import PatronHTTP
import PatronSQLite
import Testing

/// Requests a read key or a client can send that used to kill the server (a 40 kB segment of
/// nested parentheses: SIGSEGV) or answer 500 (wide segments, bodies over the limit): each gets
/// a problem or a result, short, and the server goes on answering.
@Suite struct HostileRequestTests {
    init() { TestChannels.register() }

    typealias Shop = APIRoutesTests

    static func query(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed)!
    }

    @Test func deepAndWideSegmentsAreAnsweredNeverCrashed() async throws {
        let (store, keys) = try Shop.shop()
        let nested = String(repeating: "(", count: 20_000) + "orders.count > 1" + String(repeating: ")", count: 20_000)
        let notChain = String(repeating: "not ", count: 20_001) + "orders.count >= 2"
        let notNested = String(repeating: "not (", count: 200) + "orders.count > 1" + String(repeating: ")", count: 200)
        let wideOr = (0..<500).map { "orders.count = \($0)" }.joined(separator: " or ")
        let wideAnd = (0..<300).map { "orders.count != \($0 + 7)" }.joined(separator: " and ")
        let cases: [(String, HTTPResponse.Status, String)] = [
            (nested, .badRequest, "nested deeper than \(SegmentLimits.maxDepth) levels"),
            (notNested, .badRequest, "nested deeper than"),
            (notChain, .ok, "3"),  // an odd chain of not: the three customers with one order
            (wideOr, .ok, "5"),
            (wideAnd, .ok, "5"),
        ]
        try await Shop.app(store).test(.router) { client in
            for (source, status, answer) in cases {
                try await client.execute(
                    uri: "/v1/segment-count?segment=\(Self.query(source))", method: .get,
                    headers: Shop.bearer(keys.read)
                ) {
                    let body = String(buffer: $0.body)
                    #expect($0.status == status, "\(source.prefix(40)): \(body.prefix(300))")
                    #expect(body.contains(answer), "\(body.prefix(300))")
                    if status != .ok { #expect(body.utf8.count < 2_000, "a problem stays short") }
                }
            }
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func everyBodyOverTheLimitIs413ProblemJSON() async throws {
        let (store, keys) = try Shop.shop()
        let big = ByteBuffer(repeating: UInt8(ascii: "x"), count: RequestBodyLimit.maxBytes + 1)
        let huge = ByteBuffer(repeating: UInt8(ascii: "x"), count: (16 << 20) + 1)
        let routes: [(HTTPRequest.Method, String, String, ByteBuffer)] = [
            (.post, "/v1/customers", keys.write, big),
            (.patch, "/v1/customers/patron:1", keys.write, big),
            (.put, "/v1/flows/welcome", keys.admin, big),
            (.post, "/v1/events", keys.write, huge),
            (.post, "/webhooks/shopify", "", big),
            (.post, "/webhooks/woocommerce", "", big),
            (.post, "/webhooks/generic/crm", "", big),
            (.post, "/webhooks/twilio/status", "", big),
            (.post, "/webhooks/twilio/inbound", "", big),
        ]
        try await Shop.app(store).test(.router) { client in
            for (method, uri, key, body) in routes {
                try await client.execute(
                    uri: uri, method: method, headers: key.isEmpty ? [:] : Shop.bearer(key), body: body
                ) {
                    #expect($0.status == .contentTooLarge, "\(method) \(uri): \(String(buffer: $0.body).prefix(200))")
                    #expect($0.headers[.contentType] == "application/problem+json", "\(method) \(uri)")
                }
            }
            // Nothing was stored, and the server goes on.
            try await client.execute(uri: "/v1/customers", method: .get, headers: Shop.bearer(keys.read)) {
                let items = try Shop.json($0.body)["items"] as? [Any]
                #expect(items?.count == 5)
            }
        }
    }

    /// Found by Scripts/abuse.sh: NDJSON with invalid UTF-8 was applied with U+FFFD in place of
    /// the bytes. It is a 400 naming the line and byte, and nothing is applied.
    @Test func invalidUTF8InEventsIsRefusedAtItsLine() async throws {
        let (store, keys) = try Shop.shop()
        let good = #"{"id":"u1","type":"customer.upserted","source":"crm","at":"2024-01-01","customer":{"id":"ok"}}"#
        let bad = Data(
            #"{"id":"u2","type":"customer.upserted","source":"crm","at":"2024-01-01","customer":{"id":""#.utf8)
        var buffer = ByteBuffer(string: good + "\n")
        buffer.writeBytes(bad + Data([0xFF]) + Data("\"}}\n".utf8))
        var fields = Shop.bearer(keys.write)
        fields[.contentType] = "application/x-ndjson"
        let (body, headers) = (buffer, fields)
        try await Shop.app(store).test(.router) { client in
            try await client.execute(uri: "/v1/events", method: .post, headers: headers, body: body) {
                #expect($0.status == .badRequest)
                #expect(String(buffer: $0.body).contains("body:2: not UTF-8 at byte \(bad.count + 1)"))
            }
            try await client.execute(uri: "/v1/customers", method: .get, headers: Shop.bearer(keys.read)) {
                let items = try Shop.json($0.body)["items"] as? [Any]
                #expect(items?.count == 5, "nothing was applied")
            }
        }
    }
}
