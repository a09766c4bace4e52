import PatronCore
import Testing

@Suite struct MoneyTests {
    init() { TestChannels.register() }

    @Test(arguments: [
        ("12", 1200), ("12.5", 1250), ("12.50", 1250), ("0.01", 1), ("-3.05", -305), ("+7.1", 710), (" 4.20 ", 420),
        ("12.500", 1250),
    ])
    func parsesExactly(text: String, minor: Int64) throws {
        #expect(try Money.parse(text, currency: .usd).minorUnits == minor)
    }

    @Test func respectsTheCurrencysDigits() throws {
        #expect(try Money.parse("1500", currency: CurrencyCode("JPY")!).minorUnits == 1500)
        #expect(try Money.parse("1.234", currency: CurrencyCode("KWD")!).minorUnits == 1234)
        #expect(throws: MoneyParseError.self) { try Money.parse("1.5", currency: CurrencyCode("JPY")!) }
        #expect(throws: MoneyParseError.self) { try Money.parse("1.005", currency: .usd) }
    }

    @Test(arguments: ["", "12,5O", "1.2.3", "abc", "1e5", "$3", "."])
    func rejectsNonNumbers(text: String) {
        #expect(throws: MoneyParseError.self) { try Money.parse(text, currency: .eur) }
    }

    @Test func formatsWithTheCurrencysDigits() {
        #expect(Money(minorUnits: 1250, currency: .eur).decimalString == "12.50")
        #expect(Money(minorUnits: -5, currency: .usd).decimalString == "-0.05")
        #expect(Money(minorUnits: 1500, currency: CurrencyCode("JPY")!).decimalString == "1500")
        #expect(Money(minorUnits: 1234, currency: CurrencyCode("BHD")!).description == "1.234 BHD")
    }

    @Test func knowsISO4217Codes() {
        #expect(CurrencyCode("eur")?.code == "EUR")
        #expect(CurrencyCode("EUX") == nil)
        #expect(CurrencyCode("EURO") == nil)
        #expect(CurrencyCode("CLF")?.minorUnitDigits == 4)
    }
}
