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

    /// Found by Scripts/abuse.sh: invalid UTF-8 was read as U+FFFD and stored. It is refused at
    /// its line and byte; the lines before it were read, and nothing after it is.
    @Test func invalidUTF8IsRefusedAtItsLineAndByte() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("utf8-\(UUID()).ndjson").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let good = #"{"id":"e1","type":"order.cancelled","source":"shop","at":"2024-01-01","order":{"id":"1"}}"#
        let bad = Data(#"{"id":"e2","type":"order.cancelled","source":"shop","at":"2024-01-01","order":{"id":""#.utf8)
        try (Data((good + "\n").utf8) + bad + Data([0xC3, 0x28]) + Data("\"}}\n".utf8))
            .write(to: URL(fileURLWithPath: path))
        let reader = try NDJSONEventReader(path: path)
        #expect(try reader.next()?.id == "e1")
        let error = try #require(throws: PatronError.self) { try reader.next() }
        #expect(error.description.contains(":2: not UTF-8 at byte \(bad.count + 1) of the line"), "\(error)")
    }

    @Test func utf8ValidationFindsTheFirstInvalidByte() {
        #expect(UTF8Validation.firstInvalidByte(in: Array("héllo".utf8)) == nil)
        #expect(UTF8Validation.firstInvalidByte(in: [0x61, 0xFF, 0x62]) == 1)
        #expect(UTF8Validation.firstInvalidByte(in: Array("é".utf8) + [0xE2, 0x82]) == 2)  // cut short
        #expect(UTF8Validation.firstInvalidByte(in: [0xC0, 0xAF]) == 0)  // overlong
        let place = UTF8Validation.firstInvalidPlace(in: Array("ab\ncd\ne".utf8) + [0xED, 0xA0, 0x80])  // a surrogate
        #expect(place?.line == 3 && place?.byte == 2)
    }

    @Test func textOverTheLimitIsRefusedWithItsFieldAndMailBodiesAreNot() throws {
        let who = CustomerIdentity(refs: [ExternalRef(source: "", id: "c1")])
        func upsert(_ name: String) -> IngestEvent {
            IngestEvent(
                id: "e1", source: "s", occurredAt: 100,
                kind: .customerUpserted(CustomerUpsert(identity: who, firstName: name)))
        }
        try upsert(String(repeating: "é", count: IngestEvent.maxTextBytes / 2)).validate()
        let error = try #require(throws: PatronError.self) {
            try upsert(String(repeating: "é", count: IngestEvent.maxTextBytes / 2) + "x").validate()
        }
        #expect(error.description.contains("customer.first_name"), "\(error)")
        #expect(error.description.contains("longer than 4096 bytes"), "\(error)")
        let tagged = IngestEvent(
            id: "e2", source: "s", occurredAt: 100,
            kind: .customerUpserted(CustomerUpsert(identity: who, tags: ["ok", String(repeating: "t", count: 5_000)])))
        #expect(throws: PatronError.self) { try tagged.validate() }
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

@Suite struct NDJSONProductTests {
    let here = InputLocation(file: "catalogue.ndjson", line: 3)

    @Test func productsAndTheirVariantsRoundTrip() throws {
        let line = #"""
            {"id":"p1","type":"product.updated","source":"shop","at":"2024-03-01T10:00:00Z","product":{"id":"42","name":"Kettle","url":"https://s.example/kettle","category":"Kitchen","variants":[{"sku":"K-1","name":"Steel","price":"30.00","currency":"EUR","in_stock":false},{"sku":"K-2","price":31}]}}
            """#
        let event = try NDJSONCodec.decode(line: line, at: here)
        guard case .productUpdated(let product) = event.kind else {
            Issue.record("expected a product")
            return
        }
        #expect(product.ref == "42" && product.category == "Kitchen" && product.variants.count == 2)
        #expect(
            product.variants[0]
                == ProductVariant(sku: "K-1", name: "Steel", price: "30.00", currency: .eur, inStock: false))
        #expect(product.variants[1] == ProductVariant(sku: "K-2", price: "31"))
        #expect(try NDJSONCodec.decode(line: NDJSONCodec.encode(event), at: here) == event)
        // One variant may be written on the product; a deletion names the product.
        let short = try NDJSONCodec.decode(
            line:
                #"{"id":"p2","type":"product.updated","source":"shop","at":"2024-03-01","product":{"id":"7","name":"Tea","sku":"TEA","price":"4.50","currency":"USD"}}"#,
            at: here)
        #expect(
            short.kind
                == .productUpdated(
                    ProductData(
                        ref: "7", name: "Tea", variants: [ProductVariant(sku: "TEA", price: "4.50", currency: .usd)])))
        let deleted = try NDJSONCodec.decode(
            line: #"{"id":"p3","type":"product.deleted","source":"shop","at":"2024-03-01","product":{"id":"7"}}"#,
            at: here)
        #expect(deleted.kind == .productDeleted(productRef: "7"))
        #expect(try NDJSONCodec.decode(line: NDJSONCodec.encode(deleted), at: here) == deleted)
    }

    @Test(arguments: [
        (
            #"{"id":"p","type":"product.updated","source":"s","at":"2024-01-01","product":{"id":"1","name":"x"}}"#,
            "catalogue.ndjson:3: field 'product.variants': missing field (give variants or sku)"
        ),
        (
            #"{"id":"p","type":"product.updated","source":"s","at":"2024-01-01","product":{"id":"1","variants":[{"sku":"A","currency":"XX"}]}}"#,
            "catalogue.ndjson:3: field 'product.variants[0].currency': unknown currency 'XX'"
        ),
        (
            #"{"id":"p","type":"product.updated","source":"s","at":"2024-01-01","product":{"id":"1","variants":[{"sku":"A"},{"sku":"A"}]}}"#,
            "catalogue.ndjson:3: field 'product.variants[1].sku': SKU 'A' is listed twice"
        ),
    ])
    func badProductsNameTheirField(line: String, message: String) throws {
        #expect {
            let event = try NDJSONCodec.decode(line: line, at: here)
            try event.validate()
        } throws: { "\($0)" == message }
    }

    @Test func aPriceInNoKnownCurrencyIsLeftUnknownAndABadOneRollsBack() throws {
        let store = InMemoryStore()
        let event = IngestEvent(
            id: "p", source: "shop", occurredAt: 10,
            kind: .productUpdated(
                ProductData(ref: "1", name: "Tea", variants: [ProductVariant(sku: "TEA", price: "4.50")])))
        try Ingestor(store: store).ingest([event])
        #expect(try store.read { try $0.products(skus: ["TEA"])["TEA"]?.priceMinor } == nil)
        let bad = IngestEvent(
            id: "q", source: "shop", occurredAt: 11,
            kind: .productUpdated(
                ProductData(
                    ref: "2", name: "Pot", variants: [ProductVariant(sku: "POT", price: "1.2.3", currency: .usd)])),
            origin: InputLocation(file: "c.ndjson", line: 9))
        #expect {
            try Ingestor(store: store).ingest([bad])
        } throws: { "\($0)".hasPrefix("c.ndjson:9: field 'product.variants[0].price'") }
        #expect(try store.read { try $0.productCount() } == 1)
    }
}
