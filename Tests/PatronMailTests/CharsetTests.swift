import Testing

@testable import PatronMail

@Suite("Charsets")
struct CharsetTests {
    init() { TestChannels.register() }

    private func decode(_ bytes: [UInt8], _ label: String?) -> MIMECharset.Decoded {
        MIMECharset.decode(bytes, label: label)
    }

    @Test(
        "the charsets mail uses decode to the same text",
        arguments: [
            ("ISO-8859-1", [0x63, 0x61, 0x66, 0xE9], "café"),
            ("latin1", [0xFC, 0xDF], "üß"),
            ("windows-1252", [0x93, 0x71, 0x94, 0x80], "“q”€"),
            ("ISO-8859-2", [0xB1, 0xE6], "ąć"),
            ("iso-8859-15", [0xA4], "€"),
            ("windows-1251", [0xCF, 0xF0, 0xE8, 0xE2, 0xE5, 0xF2], "Привет"),
            ("KOI8-R", [0xF0, 0xD2, 0xC9, 0xD7, 0xC5, 0xD4], "Привет"),
            ("koi8-u", [0xA4], "є"),
            ("Shift_JIS", [0x82, 0xA0, 0x82, 0xA2], "あい"),
            ("EUC-JP", [0xA4, 0xA2, 0xA4, 0xA4], "あい"),
            ("ISO-2022-JP", [0x1B, 0x24, 0x42, 0x24, 0x22, 0x1B, 0x28, 0x42, 0x61], "あa"),
            ("EUC-KR", [0xC7, 0xD1, 0xB1, 0xB9], "한국"),
            ("ks_c_5601-1987", [0xC7, 0xD1], "한"),
            ("GB2312", [0xC4, 0xE3, 0xBA, 0xC3], "你好"),
            ("GBK", [0x81, 0x40], "丂"),
            ("Big5", [0xA7, 0x41, 0xA6, 0x6E], "你好"),
            ("UTF-8", [0xE2, 0x9C, 0x94], "✔"),
            ("unicode-1-1-utf-7", Array("Hi +AOk-".utf8), "Hi é"),
            ("\"utf-8\"", [0x61], "a"),
        ] as [(String, [UInt8], String)])
    func charsets(label: String, input: [UInt8], expected: String) {
        let decoded = decode(input, label)
        #expect(decoded.text == expected)
        #expect(decoded.problem == nil)
    }

    @Test("no label: ASCII, else UTF-8, else Windows-1252")
    func unlabelled() {
        #expect(decode(bytes("plain"), nil).text == "plain")
        #expect(decode([0xC3, 0xA9], nil).text == "é")
        #expect(decode([0xE9], nil).text == "é")
        #expect(decode([0xE9], "us-ascii").text == "é")  // mislabelled 8-bit text
    }

    @Test("an unknown label falls back to UTF-8 then Windows-1252, with a warning")
    func unknownLabel() {
        let utf8 = decode([0xC3, 0xA9], "x-made-up")
        #expect(utf8.text == "é")
        #expect(utf8.problem?.kind == .unknownCharset)
        #expect(decode([0xE9], "x-made-up").text == "é")
    }

    @Test("bytes invalid in their charset become U+FFFD with a warning, never a crash")
    func invalidBytes() {
        let utf8 = decode([0x61, 0xFF, 0x62], "utf-8")
        #expect(utf8.text == "a\u{FFFD}b")
        #expect(utf8.problem?.kind == .undecodableText)
        let sjis = decode([0x61, 0x82], "shift_jis")  // truncated double-byte character
        #expect(sjis.text.hasPrefix("a"))
        #expect(sjis.text.contains("\u{FFFD}"))
        #expect(sjis.problem?.kind == .undecodableText)
        // UTF-8 text mislabelled as ISO-2022-JP is read as UTF-8.
        let mislabelled = decode(bytes("エラー"), "iso-2022-jp")
        #expect(mislabelled.text == "エラー")
        #expect(mislabelled.problem?.kind == .undecodableText)
    }

    @Test("a body in a charset is decoded and its warnings name the part")
    func bodyWarnings() {
        let message = MIMEMessage(
            parsing: bytes(
                "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain; charset=utf-8\n\n")
                + [0x61, 0xFF] + bytes("\n--b--\n"))
        #expect(message.bodyText == "a\u{FFFD}")
        #expect(message.warnings.map(\.part) == ["1"])
        #expect(message.warnings.first?.description.hasPrefix("part 1: undecodable text") == true)
    }
}
