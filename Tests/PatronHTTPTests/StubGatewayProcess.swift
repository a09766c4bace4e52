import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `patron sms-stub` as a process of its own on loopback, as in the demo and in production's
/// place of Twilio. A gateway served from inside the test process shares its two cooperative
/// threads with every test the suite runs at once, and a request then waited behind them past
/// the channel's 10 s timeout (the suite-only failure of `misbehavioursMapToTheChannelsCodes`).
final class StubGatewayProcess: Sendable {
    let port: Int
    private let process: Process

    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["PATRON_BIN"] { return path }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/patron").path
    }

    /// Starts the gateway and waits for the port it announces.
    init(accountSid: String, authToken: String) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = [
            "sms-stub", "--port", "0", "--account-sid", accountSid, "--auth-token", authToken, "--no-callbacks",
        ]
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        self.process = process
        let reader = stderr.fileHandleForReading
        let announced: Int? = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                var seen = ""
                while true {
                    let chunk = reader.availableData
                    if chunk.isEmpty { break }
                    seen += String(decoding: chunk, as: UTF8.self)
                    if let range = seen.range(of: #"listening on http://127\.0\.0\.1:\d+"#, options: .regularExpression)
                    {
                        continuation.resume(returning: Int(seen[range].split(separator: ":").last ?? ""))
                        return
                    }
                }
                continuation.resume(returning: nil)
            }
        }
        guard let announced else {
            process.terminate()
            throw StubGatewayError(message: "patron sms-stub announced no port")
        }
        port = announced
    }

    struct StubGatewayError: Error { var message: String }

    /// What the gateway kept, and how many repeated tokens it answered without keeping.
    func kept() async throws -> (messages: [[String: String]], duplicates: Int) {
        let url = URL(string: "http://127.0.0.1:\(port)/_stub/messages")!
        let (data, _) = try await URLSession.shared.data(from: url)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return (object["messages"] as? [[String: String]] ?? [], object["duplicates"] as? Int ?? 0)
    }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}
