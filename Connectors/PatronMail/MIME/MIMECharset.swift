/// Turns bytes in a MIME charset into a String.
///
/// UTF-8, US-ASCII, ISO-8859-1 and Windows-1252 are decoded in Swift; every other charset goes
/// through iconv. Labels are mapped to the superset mail clients actually send (Shift_JIS → CP932,
/// EUC-KR → CP949, GB2312 → GB18030, ISO-8859-1 → Windows-1252 as browsers do …).
enum MIMECharset {
    /// The decoded text and, when something was off, the issue to report.
    struct Decoded {
        var text: String
        var problem: ParseIssue?
    }

    private enum Route {
        case utf8
        case ascii
        case windows1252
        case iconv(String)
    }

    /// Decodes `bytes` labelled `label`; no label means "ASCII, else UTF-8, else Windows-1252".
    static func decode(_ bytes: [UInt8], label: String?) -> Decoded {
        let name = normalize(label)
        guard !name.isEmpty else { return Decoded(text: decodeUnlabelled(bytes)) }
        switch route(for: name) {
        case .ascii:
            return Decoded(text: decodeUnlabelled(bytes))
        case .windows1252:
            return Decoded(text: decodeWindows1252(bytes))
        case .utf8:
            if let text = ByteScanning.validUTF8String(bytes) { return Decoded(text: text) }
            return Decoded(
                text: String(decoding: bytes, as: UTF8.self),
                problem: ParseIssue(kind: .undecodableText, detail: "invalid UTF-8 replaced with U+FFFD"))
        case .iconv(let iconvName):
            guard let converter = IconvConverter(from: iconvName) else {
                return Decoded(text: decodeUnlabelled(bytes), problem: ParseIssue(kind: .unknownCharset, detail: name))
            }
            if ByteScanning.isASCII(bytes) && isASCIICompatible(iconvName) {
                return Decoded(text: String(decoding: bytes, as: UTF8.self))
            }
            let (utf8, invalid) = converter.convert(bytes)
            if invalid == 0 { return Decoded(text: String(decoding: utf8, as: UTF8.self)) }
            if let text = ByteScanning.validUTF8String(bytes) {
                return Decoded(
                    text: text, problem: ParseIssue(kind: .undecodableText, detail: "not valid \(name); read as UTF-8"))
            }
            return Decoded(
                text: String(decoding: utf8, as: UTF8.self),
                problem: ParseIssue(
                    kind: .undecodableText, detail: "\(invalid) invalid \(name) sequence(s) replaced with U+FFFD"))
        }
    }

    /// Raw 8-bit text with no trustworthy label (header bytes, unlabelled bodies).
    static func decodeUnlabelled(_ bytes: [UInt8]) -> String {
        if let text = ByteScanning.validUTF8String(bytes) { return text }
        return decodeWindows1252(bytes)
    }

    static func decodeWindows1252(_ bytes: [UInt8]) -> String {
        if ByteScanning.isASCII(bytes) { return String(decoding: bytes, as: UTF8.self) }
        var scalars = String.UnicodeScalarView()
        scalars.reserveCapacity(bytes.count)
        for byte in bytes {
            if byte >= 0x80 && byte < 0xA0 {
                scalars.append(Unicode.Scalar(windows1252High[Int(byte - 0x80)]) ?? "\u{FFFD}")
            } else {
                scalars.append(Unicode.Scalar(byte))
            }
        }
        return String(scalars)
    }

    /// Lowercased, unquoted, without an RFC 2231 `*language` suffix.
    static func normalize(_ label: String?) -> String {
        guard let label else { return "" }
        var name = ByteScanning.trimmed(label, dropping: "\"'").lowercased()
        if let star = name.firstIndex(of: "*") { name = String(name[..<star]) }
        return name
    }

    private static func route(for name: String) -> Route {
        switch name {
        case "utf-8", "utf8", "unicode-1-1-utf-8", "x-unicode20utf8":
            return .utf8
        case "us-ascii", "ascii", "ansi_x3.4-1968", "iso646-us", "us", "cp367", "csascii", "646":
            return .ascii
        case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1", "cp819", "ibm819",
            "iso-ir-100", "windows-1252", "cp1252", "x-cp1252", "ansi_x3.4-1986":
            return .windows1252
        case "shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "csshiftjis", "windows-31j", "cp932", "ms932":
            return .iconv("CP932")
        case "iso-2022-jp", "csiso2022jp", "iso-2022-jp-1", "iso-2022-jp-2":
            return .iconv("ISO-2022-JP-2")
        case "euc-jp", "x-euc-jp", "eucjp", "cseucpkdfmtjapanese":
            return .iconv("EUC-JP-MS")
        case "euc-kr", "ks_c_5601-1987", "ks_c_5601", "ksc5601", "ksc_5601", "korean", "csksc56011987",
            "cp949", "uhc", "windows-949", "x-windows-949", "cseuckr":
            return .iconv("CP949")
        case "gb2312", "gbk", "cp936", "x-gbk", "gb18030", "csgb2312", "euc-cn", "x-euc-cn", "chinese", "gb_2312-80":
            return .iconv("GB18030")
        case "big5", "big-5", "cn-big5", "x-x-big5", "csbig5", "big5-hkscs":
            return .iconv("BIG5-HKSCS")
        case "utf-7", "unicode-1-1-utf-7", "x-unicode-2-0-utf-7", "csunicode11utf7":
            return .iconv("UTF-7")
        default:
            break
        }
        if name.hasPrefix("windows-") || name.hasPrefix("x-cp") {
            return .iconv("CP" + name.drop(while: { !$0.isNumber }))
        }
        if name.hasPrefix("iso8859-") || name.hasPrefix("iso_8859-") {
            return .iconv("ISO-8859-" + name.split(separator: "-").last.map(String.init)!)
        }
        return .iconv(name.uppercased())
    }

    /// ASCII bytes mean the same text in these charsets, so pure-ASCII input needs no iconv.
    /// Not so for the 7-bit stateful ones (ISO-2022-*, UTF-7, HZ) or the wide ones.
    private static func isASCIICompatible(_ iconvName: String) -> Bool {
        let stateful = ["ISO-2022", "ISO2022", "CSISO2022", "UTF-7", "UTF7", "HZ", "UTF-16", "UTF16", "UTF-32", "UCS"]
        return !stateful.contains { iconvName.hasPrefix($0) }
    }

    private static let windows1252High: [UInt32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
        0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
    ]
}
