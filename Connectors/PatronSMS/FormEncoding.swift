/// `application/x-www-form-urlencoded`, as Twilio sends and reads it.
///
/// Encoding keeps `A–Z a–z 0–9 - . _ ~`, writes a space as `+` and everything else as `%XX` of its
/// UTF-8 bytes (so `+` itself is `%2B`), which is what Twilio's own URIs show
/// (`DateSent%3E=06%2F11%2F2019+22%3A05%3A25+MST`). Decoding reads `+` as a space and `%XX` as a
/// byte, keeps repeated names in order, and refuses a broken escape or invalid UTF-8.
public enum FormEncoding {
    /// The fields as a body: `name=value` pairs joined by `&`.
    public static func encode(_ fields: FormFields) -> String {
        fields.map { escape($0.name) + "=" + escape($0.value) }.joined(separator: "&")
    }

    /// One name or value, escaped.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                out.append("+")
            default:
                out.append("%")
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return out
    }

    /// Parses a form body (or a URL query without its `?`). Empty pairs (`a=1&&b=2`) are skipped;
    /// a pair without `=` has an empty value.
    public static func decode(_ body: String) throws(FormEncodingError) -> FormFields {
        try decode(bytes: Array(body.utf8))
    }

    /// Parses a form body given as bytes, as it came off the wire.
    public static func decode(bytes: [UInt8]) throws(FormEncodingError) -> FormFields {
        var fields = FormFields()
        var start = 0
        while start <= bytes.count {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "&")) ?? bytes.count
            if end > start {
                let pair = bytes[start..<end]
                let equals = pair.firstIndex(of: UInt8(ascii: "="))
                let name = try unescape(pair[..<(equals ?? end)], field: fields.count)
                let value = try equals.map { (equals) throws(FormEncodingError) in
                    try unescape(pair[(equals + 1)...], field: fields.count, name: name)
                }
                fields.append(name, value ?? "")
            }
            start = end + 1
        }
        return fields
    }

    private static let hexDigits = Array("0123456789ABCDEF")

    private static func unescape(_ bytes: ArraySlice<UInt8>, field: Int, name: String? = nil)
        throws(FormEncodingError) -> String
    {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "+"):
                out.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard index + 2 < bytes.endIndex, let high = hexValue(bytes[index + 1]),
                    let low = hexValue(bytes[index + 2])
                else {
                    let found = String(decoding: bytes[index..<min(index + 3, bytes.endIndex)], as: UTF8.self)
                    throw FormEncodingError(
                        offset: index, field: field, name: name,
                        problem: "'\(found)' is not a percent escape (% and two hex digits)")
                }
                out.append(high << 4 | low)
                index += 2
            default:
                out.append(byte)
            }
            index += 1
        }
        let text = String(decoding: out, as: UTF8.self)
        guard text.utf8.elementsEqual(out) else {
            throw FormEncodingError(
                offset: bytes.startIndex, field: field, name: name, problem: "the decoded bytes are not UTF-8")
        }
        return text
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
