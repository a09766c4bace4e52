import Foundation
import PatronCore
import PatronSQL
import Testing

/// A loyalty entry's allocations read back exactly as written, whatever the award keys hold; keys
/// without escapes take the fast reader, which agrees with `JSONDecoder` on every one.
struct AllocationCodingTests {
    @Test func allocationsRoundTripAndTheFastReaderAgreesWithTheDecoder() throws {
        var random = SystemRandomNumberGenerator()
        let alphabet = Array("abcXYZ019:-_ #@.éß☕︎") + ["\"", "\\", "/", "\n", "\u{1}"]
        for round in 0..<500 {
            let plainOnly = round % 2 == 0
            let allocations = (0..<Int.random(in: 1...6, using: &random)).map { _ in
                let key = String(
                    (0..<Int.random(in: 0...24, using: &random)).map { _ in
                        let pool = plainOnly ? alphabet.filter { !"\"\\/\n\u{1}".contains($0) } : alphabet
                        return pool.randomElement(using: &random)!
                    })
                return LoyaltyEntry.Allocation(
                    award: "order:\(key)", points: Int64.random(in: 1...9_000_000_000_000, using: &random))
            }
            let text = StoredColumns.encode(allocations)
            #expect(try StoredColumns.decodeAllocations(text) == allocations, "\(text)")
            let decoded = try JSONDecoder().decode([LoyaltyEntry.Allocation].self, from: Data(text.utf8))
            if let fast = StoredColumns.plainAllocations(text) {
                #expect(fast == decoded, "\(text)")
            } else {
                #expect(text.contains("\\"), "the fast reader gave up on \(text)")
            }
        }
        for broken in [
            "[", "[{", #"[{"award":"a","points":}]"#, #"[{"award":"a","points":1}"#, #"[{"award":"a","points":1},]"#,
        ] {
            #expect(StoredColumns.plainAllocations(broken) == nil, "\(broken)")
        }
    }
}
