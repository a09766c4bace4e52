import Foundation
import PatronCore
import PatronTestKit
import Testing

@testable import PatronMail

/// The email channel against the real SMTP sink: it keeps the ChannelConnector contract (the
/// test kit's check), and what arrives is marked automatic with List-Unsubscribe.
@Suite(.enabled(if: TransportServices.smtpAvailable, TransportServices.smtpSkipReason))
struct TransportEmailChannelTests {
    init() { TestChannels.register() }

    static func channel() throws -> EmailChannel {
        EmailChannel(
            server: try TransportServices.smtpServer(),
            from: MailAddress(name: "Tea Shop", address: "news@tea.example"),
            unsubscribe: { ListUnsubscribe(url: "https://tea.example/unsubscribe?c=\($0.rawValue)") })
    }

    @Test func keepsTheChannelContract() async throws {
        try await ChannelConnectorConformance.check(
            try Self.channel(), reachable: "ann@example.com", unreachable: "reject-perm@example.com")
    }

    @Test func campaignMailIsAutomaticWithListUnsubscribe() async throws {
        let sink = try TransportServices.variable("PATRON_SMTP_SINK_DIR") + "/messages"
        let receipt = try await Self.channel().send(
            OutboundMessage(
                idempotencyKey: "k", customerID: CustomerID(42), recipient: "bo@example.com", subject: "Back in stock",
                body: "Your tea is back."))
        // Other tests write to the same sink: find this message by its id.
        let files = (try? FileManager.default.contentsOfDirectory(atPath: sink)) ?? []
        let messages = files.filter { $0.hasSuffix(".eml") }.map {
            MIMEMessage(parsing: [UInt8]((try? Data(contentsOf: URL(fileURLWithPath: sink + "/" + $0))) ?? Data()))
        }
        let mime = try #require(messages.first { $0.messageID == receipt.providerMessageID })
        #expect(mime.messageID == receipt.providerMessageID)
        #expect(mime.headers["Auto-Submitted"] == "auto-generated")
        #expect(mime.headers["List-Unsubscribe"]?.contains("https://tea.example/unsubscribe?c=42") == true)
        #expect(mime.subject == "Back in stock" && mime.bodyText.contains("Your tea is back."))
        // A temporary refusal may pass later.
        var code: ChannelError.Code?
        let channel = try Self.channel()
        do {
            _ = try await channel.send(
                OutboundMessage(
                    idempotencyKey: "t", customerID: CustomerID(1), recipient: "reject-temp@example.com", body: "x"))
        } catch {
            code = error.code
        }
        #expect(code == .unavailable)
    }
}
