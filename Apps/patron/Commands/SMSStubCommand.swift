import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PatronSMSStub

/// `patron sms-stub`: the stub SMS gateway as a real HTTP server, for tests and demos.
struct SMSStubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sms-stub",
        abstract: "Run a Twilio-shaped stub SMS gateway on loopback (Messages.json, Basic auth).",
        discussion: """
            It keeps what it receives (GET /_stub/messages). Recipients make it misbehave: a number \
            ending in 0429 gets 429 with Retry-After, 0500 a 500, 0400 an invalid-number error (as \
            does anything not E.164), 0555 an answer two seconds late, 0600 an `undelivered` status callback. \
            A repeated I-Twilio-Idempotency-Token gets the first answer and is not kept twice; status \
            callbacks are POSTed, signed, to each message's StatusCallback.
            """)
    @Option(help: "The port (0: any free port, printed).") var port = 0
    @Option(help: "The account SID the gateway accepts.") var accountSid = "AC00000000000000000000000000000000"
    @Option(help: "The auth token the gateway accepts (and signs status callbacks with).") var authToken = "stub-token"
    @Option(help: "Milliseconds before a message's status callback.") var callbackDelayMs = 500
    @Flag(help: "Send no status callbacks.") var noCallbacks = false

    func run() async throws {
        Patron.bootstrapLogging()
        let router = Router()
        SMSStubGateway(
            accountSid: accountSid, authToken: authToken,
            callbackDelay: noCallbacks ? nil : .milliseconds(max(0, callbackDelayMs))
        ).add(to: router)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "sms-stub"),
            onServerRunning: { channel in
                FileHandle.standardError.write(
                    Data("patron: sms-stub listening on http://127.0.0.1:\(channel.localAddress?.port ?? 0)\n".utf8))
            })
        try await app.runService()
    }
}
