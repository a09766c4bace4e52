import Foundation
import PatronCore
import PatronTestKit
import Testing

@Suite struct ConformanceKitTests {
    init() { TestChannels.register() }

    @Test func theGeneratorKeepsTheSourceContract() async throws {
        let report = try await SourceConnectorConformance.check(
            try ShopGenerator(options: .init(customers: 100, seed: 9, until: Day(iso: "2025-01-01")!)))
        #expect(report.events > 1000)
        #expect(report.ingest.customersCreated == 100)
    }

    @Test func cdnowKeepsTheSourceContract() async throws {
        guard let path = Shared.path("data/cdnow/CDNOW_sample.txt") else { return }
        let report = try await SourceConnectorConformance.check(CDNOWSource(path: path))
        #expect(report.events == 6919)
        #expect(report.ingest.customersCreated == 2357)
    }

    @Test func ndjsonKeepsTheSourceContract() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kit-\(UUID()).ndjson").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let generator = try ShopGenerator(options: .init(customers: 50, seed: 2, until: Day(iso: "2025-01-01")!))
        try generator.map(NDJSONCodec.encode).joined(separator: "\n").write(
            toFile: path, atomically: true, encoding: .utf8)
        try await SourceConnectorConformance.check(NDJSONSource(path: path))
    }

    @Test func aBadFileIsRejectedWithAPlace() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kit-\(UUID()).txt").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "customer_id date\n1 19970101\n".write(toFile: path, atomically: true, encoding: .utf8)
        let error = try await SourceConnectorConformance.checkRejects(CDNOWSource(path: path))
        #expect(error.location?.line == 1)
    }

    /// A source that breaks the rules, to prove the kit catches it.
    struct UnstableSource: SourceConnector {
        let source = "unstable"
        func events() -> AsyncThrowingStream<IngestEvent, any Error> {
            AsyncThrowingStream { continuation in
                continuation.yield(Make.order(UUID().uuidString, customer: "c1", day: "2024-01-01", total: 1))
                continuation.finish()
            }
        }
    }

    @Test func theKitCatchesUnstableIDs() async throws {
        await #expect(throws: ConformanceFailure.self) { try await SourceConnectorConformance.check(UnstableSource()) }
    }

    /// A channel that follows the contract in memory, and one that does not type its errors.
    struct MemoryChannel: ChannelConnector {
        static let descriptor = ChannelDescriptor(
            channel: "memory", summary: "memory", address: .phoneNumber, consent: .optIn, hasSubject: false)
        let counter = Counter()
        final class Counter: @unchecked Sendable {
            // @unchecked: only touched under `lock`.
            let lock = NSLock()
            var value = 0
            func next() -> Int {
                lock.lock()
                defer { lock.unlock() }
                value += 1
                return value
            }
        }
        func send(_ message: OutboundMessage) async throws(ChannelError) -> DeliveryReceipt {
            guard message.recipient.hasPrefix("+") else { throw ChannelError(.invalidRecipient, "not E.164") }
            return DeliveryReceipt(providerMessageID: "m\(counter.next())", status: .queued, acceptedAt: 0)
        }
    }

    struct SloppyChannel: ChannelConnector {
        static let descriptor = ChannelDescriptor(
            channel: "sloppy", summary: "sloppy", address: .phoneNumber, consent: .optIn, hasSubject: false)
        func send(_ message: OutboundMessage) async throws(ChannelError) -> DeliveryReceipt {
            DeliveryReceipt(providerMessageID: "same", status: .queued, acceptedAt: 0)
        }
    }

    @Test func theChannelKitAcceptsAConformingChannelAndCatchesASloppyOne() async throws {
        try await ChannelConnectorConformance.check(MemoryChannel(), reachable: "+15555550100", unreachable: "nobody")
        await #expect(throws: ConformanceFailure.self) {
            try await ChannelConnectorConformance.check(
                SloppyChannel(), reachable: "+15555550100", unreachable: "nobody")
        }
    }
}
