import Foundation
import Hummingbird
import HummingbirdTesting
import PatronCore
import PatronHTTP
import PatronSMS
import PatronTestKit
import Testing

/// The SMS channel against the stub gateway over a real socket: the channel contract (the test
/// kit's check), what the gateway keeps, and the misbehaviours in the channel's terms.
@Suite struct SMSStubGatewayTests {
    init() { TestChannels.register() }

    static let sid = "AC11111111111111111111111111111111"

    /// The gateway as its own process (see ``StubGatewayProcess`` for why not in this one).
    static func live(_ body: @escaping @Sendable (StubGatewayProcess, Int) async throws -> Void) async throws {
        let gateway = try await StubGatewayProcess(accountSid: sid, authToken: "secret")
        defer { gateway.stop() }
        try await body(gateway, gateway.port)
    }

    static func channel(_ port: Int, token: String = "secret") -> TwilioSMSChannel {
        TwilioSMSChannel(
            baseURL: "http://127.0.0.1:\(port)", accountSid: sid, authToken: token,
            sender: .phoneNumber("+15005550006"))
    }

    @Test func theChannelKeepsTheContractAgainstTheStub() async throws {
        try await Self.live { gateway, port in
            try await ChannelConnectorConformance.check(
                Self.channel(port), reachable: "+14155550100", unreachable: "+14155550400")
            let kept = try await gateway.kept().messages
            #expect(kept.count == 2 && kept.allSatisfy { $0["To"] == "+14155550100" && $0["From"] == "+15005550006" })
            #expect(kept.first?["Body"] == "First")
        }
    }

    @Test func misbehavioursMapToTheChannelsCodes() async throws {
        try await Self.live { gateway, port in
            func code(_ recipient: String, token: String = "secret") async -> ChannelError.Code? {
                do {
                    _ = try await Self.channel(port, token: token).send(
                        OutboundMessage(
                            idempotencyKey: "k", customerID: CustomerID(1), recipient: recipient, body: "Hi"))
                    return nil
                } catch {
                    return error.code
                }
            }
            #expect(await code("+14155550429") == .unavailable)  // 429
            #expect(await code("+14155550500") == .unavailable)  // 500
            #expect(await code("+14155550100", token: "wrong") == .misconfigured)  // 401
            #expect(await code("0415 555 0100") == .invalidRecipient)  // not E.164: never sent
            #expect(await code("+14155550100") == nil)
            let kept = try await gateway.kept().messages
            #expect(kept.count == 1)
        }
    }
}
