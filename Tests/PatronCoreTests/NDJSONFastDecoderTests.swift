import Foundation
import PatronCore
import Testing

/// The NDJSON fast path (`NDJSONFastDecoder`) against `JSONDecoder`: on any line, the same event
/// or the same error.
@Suite struct NDJSONFastDecoderTests {
    init() { TestChannels.register() }

    let here = InputLocation(file: "events.ndjson", line: 4)

    /// The answer of one path, as something to compare: the event, or the error's words.
    func outcome(_ line: String, fastPath: Bool) -> String {
        do {
            let event = try NDJSONCodec.decode(line: line, at: here, fastPath: fastPath)
            return "event \(event)"
        } catch {
            return "error \(error)"
        }
    }

    /// One line of every event type the fast path reads, with every field it knows.
    static let samples: [String] = [
        #"{"id":"e1","type":"order.placed","source":"shop","at":"2024-03-01T10:00:00Z","order":{"id":"1001","customer":{"id":"c7","refs":[{"source":"crm","id":"77"}],"email":"ann@example.com","phone":"+4915112345678"},"placed_at":"2024-03-01T09:59:00Z","currency":"EUR","total":"25.00","lines":[{"sku":"MUG-1","name":"Mug","quantity":2,"unit_price":"12.50"}],"cart_id":"k1","referral_code":"FRIEND"}}"#,
        #"{"id":"e2","type":"order.updated","source":"shop","at":"2024-03-02T10:00:00Z","order":{"id":"1001","customer":{"id":"c7"},"currency":"EUR","lines":[{"sku":"MUG-1","quantity":3,"unit_price":12}]}}"#,
        #"{"id":"e3","type":"order.cancelled","source":"shop","at":"2024-03-03T10:00:00Z","order":{"id":"1001"}}"#,
        #"{"id":"e4","type":"order.refunded","source":"shop","at":"2024-03-04T10:00:00Z","refund":{"order_id":"1001","amount":"5.00","currency":"EUR"}}"#,
        #"{"id":"e5","type":"customer.upserted","source":"shop","at":"2024-03-05T10:00:00Z","customer":{"id":"c8","email":"bo@example.com","first_name":"Bo","last_name":"Lind","country":"SE","timezone":"Europe/Stockholm","birthday":"1990-05-17","tags":["vip","b2b"],"created_at":"2023-01-01T00:00:00Z"}}"#,
        #"{"id":"e6","type":"customer.erased","source":"shop","at":"2024-03-06T10:00:00Z","customer":{"email":"bo@example.com"}}"#,
        #"{"id":"e7","type":"cart.updated","source":"shop","at":"2024-03-07T10:00:00Z","cart":{"id":"k1","customer":{"id":"c7"},"currency":"EUR","total":"9.99","lines":[{"sku":"TEA","quantity":1,"unit_price":"9.99"}],"status":"open"}}"#,
        #"{"id":"e8","type":"consent.changed","source":"shop","at":"2024-03-08T10:00:00Z","consent":{"customer":{"id":"c7"},"channel":"email","status":"granted","evidence":"form"}}"#,
        #"{"id":"e9","type":"contact_point.changed","source":"shop","at":"2024-03-09T10:00:00Z","contact_point":{"customer":{"id":"c7"},"channel":"push","address":"https://push.example/1","status":"added"}}"#,
        #"{"id":"e10","type":"ticket.updated","source":"desk","at":"2024-03-10T10:00:00Z","ticket":{"id":"t1","customer":{"email":"ann@example.com"},"subject":"Where is my \"mug\"?\nThanks","status":"pending"}}"#,
    ]

    @Test func everyLineAShopGeneratesIsReadByTheFastPathAsJSONDecoderReadsIt() throws {
        let generator = try ShopGenerator(options: .init(customers: 200, seed: 3, until: Day(iso: "2025-06-30")!))
        var count = 0
        for event in generator {
            let line = NDJSONCodec.encode(event)
            if case .productUpdated = event.kind { continue }
            #expect(NDJSONCodec.fastPathReads(line), "\(line)")
            #expect(outcome(line, fastPath: true) == outcome(line, fastPath: false), "\(line)")
            count += 1
        }
        #expect(count > 2000)
    }

    @Test func theSamplesAreReadByTheFastPathAndAgree() {
        for line in Self.samples {
            #expect(NDJSONCodec.fastPathReads(line), "\(line)")
            #expect(outcome(line, fastPath: true) == outcome(line, fastPath: false), "\(line)")
            #expect(outcome(line, fastPath: true).hasPrefix("event"), "\(line)")
        }
    }

    /// What the fast path leaves to `JSONDecoder`: each of these is read there (or refused
    /// there with its words), never guessed.
    @Test(arguments: [
        #"{"id":"e\ud800","type":"order.cancelled","source":"shop","at":"2024-03-03","order":{"id":"1"}}"#,
        #"{"id":"e\udc00\ud800","type":"order.cancelled","source":"shop","at":"2024-03-03","order":{"id":"1"}}"#,
        #"{"id":"e\ud83d\u0041","type":"order.cancelled","source":"shop","at":"2024-03-03","order":{"id":"1"}}"#,
        #"{"id":"e\u12g4","type":"order.cancelled","source":"shop","at":"2024-03-03","order":{"id":"1"}}"#,
        #"{"id":"e\u12","type":"order.cancelled","source":"shop","at":"2024-03-03","order":{"id":"1"}}"#,
        #"{"id":"e1","id":"e2","type":"order.cancelled","source":"shop","at":"2024-03-03","order":{"id":"1"}}"#,
        #"{"id":"e1","type":"order.refunded","source":"s","at":"2024-03-03","refund":{"order_id":"1","amount":5.5,"currency":"EUR"}}"#,
        #"{"id":"e1","type":"order.refunded","source":"s","at":"2024-03-03","refund":{"order_id":"1","amount":1e2,"currency":"EUR"}}"#,
        #"{"id":"e1","type":"order.refunded","source":"s","at":"2024-03-03","refund":{"order_id":"1","amount":99999999999999999999,"currency":"EUR"}}"#,
        #"{"id":"e1","type":"order.cancelled","source":"shop","at":"2024-03-03","order":{"id":1}}"#,
        #"{"id":"e1","type":"order.cancelled","source":"shop","at":"2024-03-03","order":{}}"#,
        #"{"id":"e1","type":"order.cancelled","source":"shop","at":"2024-03-03","order":{"id":"1"}} x"#,
        #"{"id":"e1","type":"order.cancelled","source":"shop","at":"2024-03-03","order":{"id":"1"}"#,
        #"[{"id":"e1"}]"#,
        #"{"id":"e1","type":"order.placed","source":"s","at":"2024-03-03","order":{"id":"1","currency":"EUR","lines":[{"sku":"A","quantity":1.0,"unit_price":"1"}]}}"#,
        #"{"id":"e1","type":"order.placed","source":"s","at":"2024-03-03","order":{"id":"1","currency":"EUR","lines":[{"sku":"A","quantity":01,"unit_price":"1"}]}}"#,
        #"{"id":"e1","type":"order.placed","source":"s","at":"2024-03-03","extra":1e5,"order":{"id":"1","currency":"EUR","total":"1"}}"#,
        #"{"id":"e1","type":"contact_point.changed","source":"s","at":"2024-03-03","contact_point":{"customer":{"id":"c"},"channel":"push","address":null,"status":"added"}}"#,
        #"{"id":"e1","type":"order.cancelled","source":"shop","at":"2024-03-03","order":{"id":"1"},"mail":null}"#,
        "{\"id\":\"e\u{1}\",\"type\":\"order.cancelled\",\"source\":\"shop\",\"at\":\"2024-03-03\",\"order\":{\"id\":\"1\"}}",
    ])
    func linesOutsideTheFastPathAgreeAllTheSame(line: String) {
        #expect(!NDJSONCodec.fastPathReads(line), "\(line)")
        #expect(outcome(line, fastPath: true) == outcome(line, fastPath: false), "\(line)")
    }

    /// What Python's `json.dumps` writes by default: every non-ASCII character as a `\u` escape
    /// (`é` as `\u00e9`, an emoji as a surrogate pair).
    @Test func unicodeEscapesAreReadAsTheCharactersTheyName() throws {
        let line =
            #"{"id":"e1","type":"customer.upserted","source":"s","at":"2024-03-03","customer":{"id":"c1","first_name":"Jos\u00e9 \ud83d\ude00"}}"#
        #expect(NDJSONCodec.fastPathReads(line))
        let event = try NDJSONCodec.decode(line: line, at: here)
        guard case .customerUpserted(let upsert) = event.kind else {
            Issue.record("expected a customer")
            return
        }
        #expect(upsert.firstName == "José 😀")
    }

    @Test func unknownFieldsNullsEscapesAndWhitespaceAreReadByTheFastPath() {
        let lines = [
            " {\"id\" : \"e1\" ,\t\"type\":\"order.cancelled\",\"source\":\"s\",\"at\":\"2024-03-03\",\"order\":{\"id\":\"1\"},\"customer\":null}\r\n",
            #"{"id":"e1","type":"order.placed","source":"s","at":"2024-03-03","meta":{"a":[1,-2.5,{"b":null}],"c":"\/"},"order":{"id":"1","currency":"EUR","total":-0,"customer":null}}"#,
            #"{"id":"a\\b\/c\"d\b\f\n\r\t","type":"order.cancelled","source":"s","at":"2024-03-03","order":{"id":"1"}}"#,
            #"{"id":"e\u0031","type":"customer.upserted","source":"s","at":"2024-03-03","customer":{"\u0069d":"c1","first_name":"Jos\u00e9 \u00C5s \ud83d\ude00 \u4e2d","last_name":"\u0000"}}"#,
            #"{"id":"e1","type":"order.placed","source":"s","at":"2024-03-03","extra":{"deep":[1,2.5,true,false,null,"x"]},"order":{"id":"1","currency":"EUR","total":"1"}}"#,
        ]
        for line in lines {
            #expect(NDJSONCodec.fastPathReads(line), "\(line)")
            #expect(outcome(line, fastPath: true) == outcome(line, fastPath: false), "\(line)")
        }
    }

    /// Random edits of the samples (whitespace, nulls, duplicated and unknown fields, escapes,
    /// numbers for strings and amounts, cut and changed bytes): the two paths always agree,
    /// and the fast path still reads a good share of them.
    @Test(arguments: 1...4)
    func randomlyEditedLinesAgree(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        let inserts = [
            " ", "\t", "\n", "null", "\"x\"", "\"\\u00e9\"", "\"\\ud83d\\ude00\"", "\\u00", "\\ud83d", "\\u0041",
            "\"\\n\"", "\\", "\"", ",", ":", "{", "}", "[", "]", "0",
            "-",
            "1.5", "1e3", "12", "-0", "true", ",\"extra\":{\"k\":[1,\"v\"]}", ",\"id\":\"dup\"", ",\"total\":\"3.10\"",
            ",\"quantity\":4", "\"amount\":7", "é", "\u{1}",
        ]
        var fast = 0
        let rounds = 1_500
        for _ in 0..<rounds {
            var bytes = Array(Self.samples[random.int(0...(Self.samples.count - 1))].utf8)
            for _ in 0..<random.int(1...3) {
                let at = random.int(0...bytes.count)
                switch random.int(0...3) {
                case 0, 1: bytes.insert(contentsOf: Array(inserts[random.int(0...(inserts.count - 1))].utf8), at: at)
                case 2: if at < bytes.count { bytes.remove(at: at) }
                default: bytes = Array(bytes[..<at])
                }
            }
            let line = String(decoding: bytes, as: UTF8.self)
            if NDJSONCodec.fastPathReads(line) { fast += 1 }
            #expect(outcome(line, fastPath: true) == outcome(line, fastPath: false), "\(line)")
        }
        #expect(fast > rounds / 10, "the fast path read only \(fast) of \(rounds)")
    }
}
