import Foundation
import PatronCSV
import PatronCore
import Testing

@Suite struct CSVValueTests {
    init() { TestChannels.register() }

    @Test(
        arguments: [
            ("12.50", false, 1250), ("1,234.56", false, 123_456), ("1.234,56", true, 123_456), ("$12.50", false, 1250),
            ("12,50 €", true, 1250), ("EUR 12.50", false, 1250), ("-3.20", false, -320), ("(3.20)", false, -320),
            ("'7", false, 700), ("0.1", false, 10), ("2.950", false, 295), ("1 234,5", true, 123_450),
        ] as [(String, Bool, Int64)])
    func amountsInTheirCommonShapes(text: String, decimalComma: Bool, minor: Int64) throws {
        #expect(try CSVValue.amount(text, digits: 2, decimalComma: decimalComma) == minor)
    }

    @Test(arguments: ["12.505", "1.2.3", "abc", "", "12,50,1"])
    func amountsThatAreRefused(text: String) {
        #expect(throws: CSVValue.Refusal.self) { _ = try CSVValue.amount(text, digits: 2) }
    }

    @Test func identifiersSurviveSpreadsheetsOrAreRefused() throws {
        #expect(try CSVValue.identifier("13607.0") == "13607")
        #expect(try CSVValue.identifier(" '00123 ") == "00123")
        #expect(try CSVValue.identifier("C536379") == "C536379")
        #expect(try CSVValue.identifier("#1001") == "#1001")
        #expect {
            _ = try CSVValue.identifier("7.02255E+12")
        } throws: { ($0 as? CSVValue.Refusal)?.reason.hasPrefix("precision lost") == true }
        #expect(throws: CSVValue.Refusal.self) { _ = try CSVValue.identifier("1.5e3") }
        #expect(throws: CSVValue.Refusal.self) { _ = try CSVValue.identifier("7,02255E+12") }
        #expect(try CSVValue.identifier("E12") == "E12")
        #expect(try CSVValue.identifier("ABC-1E5X") == "ABC-1E5X")
    }

    @Test(arguments: [
        ("2024-01-31", "2024-01-31T00:00:00Z"), ("2024-01-31T10:00:00Z", "2024-01-31T10:00:00Z"),
        ("2024-01-31T10:00:00+01:00", "2024-01-31T09:00:00Z"), ("2023-01-06 12:39:27 -0500", "2023-01-06T17:39:27Z"),
        ("2011-10-30 16:17:00", "2011-10-30T16:17:00Z"), ("12/1/2010 8:26", "2010-12-01T08:26:00Z"),
        ("31.01.2024 08:26", "2024-01-31T08:26:00Z"), ("2024-01-31T10:00:00.123Z", "2024-01-31T10:00:00Z"),
        ("2024-01-31 10:00 UTC", "2024-01-31T10:00:00Z"),
    ])
    func datesOfCommonExports(text: String, expected: String) throws {
        #expect(Timestamp.format(try CSVValue.instant(text)) == expected)
    }

    @Test(arguments: ["2024-02-30", "31/01/2024", "yesterday", "2024-01-31 25:00", "2024-01-31 10:00 +2500"])
    func datesThatAreRefused(text: String) {
        #expect(throws: CSVValue.Refusal.self) { _ = try CSVValue.instant(text) }
    }
}

/// The plain-amount fast path answers exactly as the general reader wherever it answers, and
/// answers for the cells an export usually holds.
@Suite struct PlainAmountTests {
    @Test func theFastPathAgreesWithTheGeneralReader() {
        var random = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789012345678901234567890123456789.,-+ $€(')abE")
        var answered = 0
        for _ in 0..<200_000 {
            let length = Int.random(in: 0...22, using: &random)
            let text = String((0..<length).map { _ in alphabet.randomElement(using: &random)! })
            for digits in [0, 2, 3] {
                for decimalComma in [false, true] {
                    guard let fast = CSVValue.plainAmount(text, digits: digits, decimalComma: decimalComma) else {
                        continue
                    }
                    answered += 1
                    let general = try? CSVValue.anyAmount(text, digits: digits, decimalComma: decimalComma)
                    #expect(general == fast, "'\(text)' digits \(digits) comma \(decimalComma)")
                }
            }
        }
        #expect(answered > 1_000)
    }

    @Test(arguments: [
        ("0", 2, Int64(0)), ("12.5", 2, 1250), ("-12.05", 2, -1205), ("007.50", 2, 750), ("1999", 0, 1999),
        ("9999999999999.99", 2, 999_999_999_999_999), ("1.234", 3, 1234),
    ])
    func commonCellsTakeTheFastPath(text: String, digits: Int, minor: Int64) throws {
        #expect(CSVValue.plainAmount(text, digits: digits, decimalComma: false) == minor)
        #expect(try CSVValue.amount(text, digits: digits) == minor)
    }

    @Test(arguments: ["12.", ".5", "+5", "1,234.00", "12.345", "1e5", "-", "", "10000000000000.01"])
    func otherCellsGoToTheGeneralReader(text: String) {
        #expect(CSVValue.plainAmount(text, digits: 2, decimalComma: false) == nil)
    }
}
