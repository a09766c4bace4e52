/// The alphabet an SMS body travels in.
///
/// A body goes as GSM-7 (GSM 03.38) when every character is in the basic set or its extension
/// table; a single other character switches the whole message to UCS-2.
public enum SMSEncoding: String, Hashable, Sendable, CustomStringConvertible {
    /// 7-bit GSM 03.38: 160 septets in one SMS, 153 per part of a longer one.
    case gsm7 = "GSM-7"
    /// UCS-2 (sent as UTF-16): 70 code units in one SMS, 67 per part of a longer one.
    case ucs2 = "UCS-2"

    public var description: String { rawValue }

    /// How many units (septets or UTF-16 code units) fit in a message sent as one SMS.
    public var singleSegmentCapacity: Int { self == .gsm7 ? 160 : 70 }

    /// How many units fit in each part of a concatenated message (the 6-byte header takes the rest).
    public var multipartSegmentCapacity: Int { self == .gsm7 ? 153 : 67 }

    /// Bits per unit: 7 for a septet, 16 for a UTF-16 code unit.
    public var bitsPerUnit: Int { self == .gsm7 ? 7 : 16 }

    /// The encoding Twilio picks for `body`: GSM-7 if it can, UCS-2 otherwise.
    public static func encoding(for body: String) -> SMSEncoding {
        body.unicodeScalars.allSatisfy { gsm7Septets($0) != nil } ? .gsm7 : .ucs2
    }

    /// The septets `scalar` takes in GSM-7: 1 in the basic set, 2 in the extension table
    /// (escape + code: `^ { } \ [ ~ ] | €` and form feed), `nil` if GSM-7 cannot carry it.
    public static func gsm7Septets(_ scalar: Unicode.Scalar) -> Int? {
        if basicSet.contains(scalar) { return 1 }
        if extensionTable.contains(scalar) { return 2 }
        return nil
    }

    /// GSM 03.38 basic character set, in table order (0x1B, the escape, is not a character).
    static let basicSet: Set<Unicode.Scalar> = Set(
        ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
            + "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà").unicodeScalars)

    /// GSM 03.38 extension table: each is sent as the escape septet plus one more.
    static let extensionTable: Set<Unicode.Scalar> = Set("\u{0C}^{}\\[~]|€".unicodeScalars)
}
