import Foundation
import PatronCore
import Testing

@Suite struct NDJSONCodecTests {
    init() { TestChannels.register() }

    let here = InputLocation(file: "events.ndjson", line: 12)

    @Test func decodesAnOrder() throws {
        let line = #"""
            {"id":"e1","type":"order.placed","source":"shop","at":"2024-03-01T10:00:00Z","order":{"id":"1001","customer":{"id":"c7","email":"ann@example.com"},"currency":"EUR","total":"25.00","lines":[{"sku":"MUG-1","quantity":2,"unit_price":12.5}]}}
            """#
        let event = try NDJSONCodec.decode(line: line, at: here)
        guard case .orderPlaced(let order) = event.kind else {
            Issue.record("expected an order")
            return
        }
        #expect(event.id == "e1" && event.source == "shop")
        #expect(order.totalMinor == 2500 && order.currency == .eur)
        #expect(order.lines == [OrderLine(sku: "MUG-1", quantity: 2, unitPriceMinor: 1250)])
        #expect(order.customer.refs == [ExternalRef(source: "", id: "c7")])
        #expect(order.placedAt == Timestamp.parse("2024-03-01T10:00:00Z"))
    }

    @Test(arguments: [
        (#"{"id":"e1","type":"order.placed""#, "events.ndjson:12: malformed JSON"),
        (
            #"{"id":"e1","type":"order.shipped","source":"s","at":"2024-01-01"}"#,
            "events.ndjson:12: field 'type': unknown event type 'order.shipped'"
        ),
        (
            #"{"id":"e1","type":"order.placed","source":"s","at":"2024-01-01","order":{"id":"1","customer":{"id":"c"},"currency":"EUX","total":"1"}}"#,
            "events.ndjson:12: field 'order.currency': unknown currency 'EUX'"
        ),
        (
            #"{"id":"e1","type":"order.placed","source":"s","at":"01/02/2024","order":{"id":"1","customer":{"id":"c"},"currency":"EUR","total":"1"}}"#,
            "events.ndjson:12: field 'at': unparseable date '01/02/2024'"
        ),
        (
            #"{"id":"e1","type":"order.placed","source":"s","at":"2024-01-01","order":{"id":"1","customer":{"id":"c"},"currency":"EUR","total":"12,5O"}}"#,
            "events.ndjson:12: field 'order.total': \"12,5O\" is not a number"
        ),
        (
            #"{"id":"e1","type":"order.placed","source":"s","at":"2024-01-01","order":{"id":"1","customer":{"id":"c"},"currency":"EUR","lines":[{"sku":"A","quantity":"two","unit_price":"1"}]}}"#,
            "events.ndjson:12: field 'order.lines[0].quantity': expected an integer"
        ),
        (#"{"type":"order.placed","source":"s","at":"2024-01-01"}"#, "events.ndjson:12: field 'id': missing field"),
    ])
    func namesTheLineAndField(line: String, expectedPrefix: String) {
        do {
            _ = try NDJSONCodec.decode(line: line, at: here)
            Issue.record("expected an error for \(line)")
        } catch {
            #expect(error.description.hasPrefix(expectedPrefix), "got: \(error)")
        }
    }

    @Test func aByteOrderMarkIsNotPartOfTheFirstLine() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bom-\(UUID()).ndjson").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let line = #"{"id":"e1","type":"order.cancelled","source":"shop","at":"2024-01-01","order":{"id":"1"}}"#
        try (Data([0xEF, 0xBB, 0xBF]) + Data((line + "\r\n").utf8)).write(to: URL(fileURLWithPath: path))
        let reader = try NDJSONEventReader(path: path)
        #expect(try reader.next()?.id == "e1")
        #expect(try reader.next() == nil)
    }

    @Test func generatedEventsRoundTrip() throws {
        let generator = try ShopGenerator(options: .init(customers: 300, seed: 7, until: Day(iso: "2025-06-30")!))
        var count = 0
        for event in generator {
            let decoded = try NDJSONCodec.decode(line: NDJSONCodec.encode(event), at: here)
            #expect(decoded.id == event.id)
            #expect(decoded.kind == event.kind, "event \(event.id)")
            #expect(decoded.occurredAt == event.occurredAt)
            count += 1
        }
        #expect(count > 3000)
    }
}
