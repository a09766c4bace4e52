import Foundation
import PatronSMS
import Testing

/// One case of Twilio's message-segment-calculator tests.
struct SegmentVector: Decodable, Sendable, CustomTestStringConvertible {
    let testDescription: String
    let body: String
    let encoding: String?
    let segments: Int
    let messageSize: Int?
    let totalSize: Int?
    let characters: Int?
    let unicodeScalars: Int?

    static let file = "segment_test_vectors.twilio-message-segment-calculator.json"

    private struct File: Decodable {
        let basic_cases: [SegmentVector]
        let extra_cases: [SegmentVector]
    }

    static let all: [SegmentVector] = {
        guard let data = Fixtures.data(file), let decoded = try? JSONDecoder().decode(File.self, from: data) else {
            return []
        }
        return decoded.basic_cases + decoded.extra_cases
    }()
}

@Suite struct SMSSegmentsTests {
    @Test(arguments: SegmentVector.all)
    func matchesTwilioCalculator(_ vector: SegmentVector) {
        let segments = SMSSegments(vector.body)
        #expect(segments.count == vector.segments)
        if let encoding = vector.encoding { #expect(segments.encoding.rawValue == encoding) }
        if let size = vector.messageSize { #expect(segments.messageSizeInBits == size) }
        if let size = vector.totalSize { #expect(segments.totalSizeInBits == size) }
        if let characters = vector.characters { #expect(segments.characterCount == characters) }
        if let scalars = vector.unicodeScalars { #expect(segments.unicodeScalarCount == scalars) }
    }

    @Test func escapeCharactersMatchTheCalculatorsList() throws {
        guard let object = Fixtures.object(SegmentVector.file) else { return }
        for text in try #require(object["GSM7EscapeChars"] as? [String]) {
            #expect(SMSEncoding.gsm7Septets(try #require(text.unicodeScalars.first)) == 2, "\(text)")
        }
        #expect(SMSEncoding.gsm7Septets("\u{0C}") == 2)  // form feed, also in the extension table
    }

    @Test func gsmBasicSetAndWhatForcesUCS2() {
        let basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./09:;<=>?¡AZÄÖÑÜ§¿azäöñüà"
        #expect(SMSSegments(basic).encoding == .gsm7)
        #expect(SMSSegments(basic).codeUnitCount == basic.unicodeScalars.count)
        for text in ["ç", "Á", "’", "“", "😀", "\u{1B}", "`"] {
            #expect(SMSSegments("Hi " + text).encoding == .ucs2, "\(text)")
        }
        let mixed = SMSSegments("Café ‘bon’ 😀 ‘x’")
        #expect(mixed.nonGSM7Characters == ["‘", "’", "😀"])
    }

    @Test func partsNeverSplitAnEscapeOrASurrogatePair() {
        // 152 septets then '€' (2): the euro moves whole to part two, leaving part one at 152.
        let gsm = SMSSegments(String(repeating: "a", count: 152) + "€" + String(repeating: "b", count: 10))
        #expect(gsm.encoding == .gsm7)
        #expect(gsm.segmentLengths == [152, 12])
        #expect(gsm.codeUnitCount == 164)
        // 66 code units then an emoji (2): the pair moves whole to part two.
        let ucs = SMSSegments(String(repeating: "é", count: 65) + "ç" + "😀" + "xxxx")
        #expect(ucs.encoding == .ucs2)
        #expect(ucs.segmentLengths == [66, 6])
        // Exactly at the single-message limits: one segment.
        #expect(SMSSegments(String(repeating: "{", count: 80)).count == 1)
        #expect(SMSSegments(String(repeating: "{", count: 80) + "x").count == 2)
        #expect(SMSSegments(String(repeating: "😀", count: 35)).count == 1)
        #expect(SMSSegments("").count == 1)
        #expect(SMSSegments("").encoding == .gsm7)
    }

    @Test func holodeckBodyIsOneUCS2Segment() {
        // twilio-python's holodeck create fixture reports num_segments "1" for this body.
        let segments = SMSSegments("O Slash: \u{00d8}, PoP: \u{1F4A9}")
        #expect(segments.encoding == .ucs2)
        #expect(segments.count == 1)
        #expect(segments.codeUnitCount == 19)
    }
}
