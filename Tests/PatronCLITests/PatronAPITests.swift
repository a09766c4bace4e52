import Foundation
import PatronWebhooks
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `patron-api` as ops run it: a real process on a real socket, stopped with SIGTERM.
@Suite(.serialized) struct PatronAPITests {
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["PATRON_API_BIN"] { return path }
        return CLI.root.appendingPathComponent(".build/debug/patron-api").path
    }

    @Test func aSignedWebhookOverARealSocketThenAGracefulStop() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            Issue.record("no patron-api binary at \(Self.binary): run `swift build` first")
            return
        }
        let work = Workspace()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["--db", work.path("api.sqlite"), "--port", "0"]
        var environment = ProcessInfo.processInfo.environment
        environment["PATRON_SHOPIFY_SECRETS"] = "rotated-out,shh"
        process.environment = environment
        let stderr = Pipe()
        process.standardError = stderr
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        // The port is announced on stderr.
        var port: Int?
        var seen = ""
        let deadline = Date().addingTimeInterval(20)
        while port == nil, Date() < deadline {
            let chunk = stderr.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
            if let range = seen.range(of: #"listening on http://127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                port = Int(seen[range].split(separator: ":").last ?? "")
            }
        }
        let listening = try #require(port, "no 'listening on' line: \(seen)")

        let body = Data(
            #"{"id":9007199254740993,"email":"ann@example.com","created_at":"2024-05-01T10:00:00Z","currency":"EUR","total_price":"12.50","line_items":[]}"#
                .utf8)
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(listening)/webhooks/shopify")!)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue(
            WebhookSignature.base64Header(body: body, secret: "shh"), forHTTPHeaderField: "X-Shopify-Hmac-Sha256")
        request.setValue("orders/create", forHTTPHeaderField: "X-Shopify-Topic")
        request.setValue("live-1", forHTTPHeaderField: "X-Shopify-Webhook-Id")
        let (answer, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 200, "\(String(decoding: answer, as: UTF8.self))")
        #expect(String(decoding: answer, as: UTF8.self) == #"{"applied":1,"duplicates":0,"ignored":false}"#)
        request.setValue("forged", forHTTPHeaderField: "X-Shopify-Hmac-Sha256")
        let (_, refused) = try await URLSession.shared.data(for: request)
        #expect((refused as? HTTPURLResponse)?.statusCode == 401)

        kill(process.processIdentifier, SIGTERM)
        await CLI.waitForExit(process)
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
        // The order is in the store, under Shopify's id beyond 2^53, exactly.
        let dump = try CLI.dump(work.path("api.sqlite"))
        #expect(
            dump.contains { $0.hasPrefix("orders ") && $0.contains("9007199254740993") },
            "\(dump.filter { $0.hasPrefix("orders") })")
    }
}
