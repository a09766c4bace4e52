import ArgumentParser
import Foundation
import PatronCore
import PatronPush

/// `patron push-bench`: builds Web Push requests (RFC 8291 encryption with a fresh key and salt,
/// and an ES256 VAPID token, per message) as fast as one core allows, with no network, and
/// prints the rate. `Scripts/bench_push.sh` runs it beside Python's http_ece and py_vapid.
struct PushBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push-bench", abstract: "Time Web Push encryption and VAPID signing (a benchmark).",
        shouldDisplay: false)

    @Option(help: "Messages to build.") var messages = 20_000

    func run() async throws {
        try await reportingErrors {
            guard messages > 0 else { throw PatronError(.invalidArgument, "--messages must be positive") }
            let subscription = PushSubscription.generated(endpoint: "https://push.example.net/send/bench").subscription
            let vapid = try VAPID(
                privateKey: Base64URL.encode(PushSubscription.generated(endpoint: "https://x").privateKey),
                subject: "mailto:bench@patron.invalid")
            let channel = WebPushChannel(vapid: vapid)
            let body = String(repeating: "Your cart is waiting. ", count: 8)
            var bytes = 0
            let start = DispatchTime.now().uptimeNanoseconds
            for index in 0..<messages {
                let request = try channel.request(
                    for: OutboundMessage(
                        idempotencyKey: "bench/\(index)", customerID: CustomerID(1),
                        recipient: subscription.recipient, subject: "Shop", body: body))
                bytes += request.httpBody?.count ?? 0
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            print(
                String(
                    format: "push-bench: %d messages (%d bytes) in %.3f s: %.0f messages/s", messages, bytes, seconds,
                    Double(messages) / seconds))
        }
    }
}
