import Foundation

/// An ISO 4217 currency code with its number of minor-unit digits.
///
/// Only codes in the ISO 4217 list are accepted, so a typo such as `EUX` is an error at the
/// boundary rather than a silent new currency in the store.
public struct CurrencyCode: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The three-letter alphabetic code, upper case (`"EUR"`).
    public let code: String
    /// How many digits the minor unit has (2 for EUR, 0 for JPY, 3 for KWD).
    public let minorUnitDigits: Int

    /// The digits amounts are read and written with before a store has a currency (its first
    /// order fixes one): 2, as most currencies have.
    public static let fallbackMinorUnitDigits = 2

    /// The digits of `currency`, or ``fallbackMinorUnitDigits`` without one.
    public static func minorUnitDigits(of currency: CurrencyCode?) -> Int {
        currency?.minorUnitDigits ?? fallbackMinorUnitDigits
    }

    /// Looks a code up in the ISO 4217 list; `nil` when it is not an active currency code.
    public init?(_ code: String) {
        let upper = code.uppercased()
        guard upper.utf8.count == 3, let digits = Self.table[upper] else { return nil }
        self.code = upper
        self.minorUnitDigits = digits
    }

    public var description: String { code }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let raw = try container.decode(String.self)
        guard let value = CurrencyCode(raw) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "unknown currency '\(raw)' (not an ISO 4217 code)")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(code)
    }

    public static let usd = CurrencyCode("USD")!
    public static let eur = CurrencyCode("EUR")!

    /// Active ISO 4217 codes (list one, 2024) and their minor units; codes not listed have 2.
    static let table: [String: Int] = {
        var table: [String: Int] = [:]
        let twoDigits = """
            AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP \
            BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR \
            FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW \
            KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN \
            NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD \
            SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU \
            UZS VED VES WST XCD XCG YER ZAR ZMW ZWG ZWL
            """
        for code in twoDigits.split(separator: " ") { table[String(code)] = 2 }
        for code in "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(separator: " ") {
            table[String(code)] = 0
        }
        for code in "BHD IQD JOD KWD LYD OMR TND".split(separator: " ") { table[String(code)] = 3 }
        for code in "CLF UYW".split(separator: " ") { table[String(code)] = 4 }
        return table
    }()
}
