import Testing

@testable import PatronMail

@Suite("RFC 2047 encoded words")
struct EncodedWordTests {
    init() { TestChannels.register() }

    private func decode(_ text: String) -> String {
        EncodedWordDecoder.decode(text).text
    }

    @Test("B and Q encodings, with underscores for spaces")
    func bothEncodings() {
        #expect(decode("=?UTF-8?B?44Gr44KD44KT44GT?=") == "にゃんこ")
        #expect(decode("=?ISO-8859-1?Q?Nicolas_Fouch=E9?=") == "Nicolas Fouché")
        #expect(decode("=?iso-8859-1?q?caf=e9?=") == "café")
    }

    @Test("adjacent encoded words separated only by whitespace are joined")
    func adjacentWordsJoin() {
        #expect(decode("=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=") == "ab")
        #expect(decode("=?ISO-8859-1?Q?a?=\r\n =?ISO-8859-1?Q?b?=") == "ab")
        #expect(decode("=?UTF-8?Q?a?= =?ISO-8859-1?Q?=E9?=") == "aé")
        // Text between words keeps its spaces.
        #expect(decode("=?ISO-8859-1?Q?a?= and =?ISO-8859-1?Q?b?=") == "a and b")
        #expect(decode("Re: =?UTF-8?Q?=E2=9C=94?= (1)") == "Re: ✔ (1)")
    }

    @Test("a character split across two words survives")
    func splitCharacter() {
        // "日" is E6 97 A5; the first word ends after E6 97.
        #expect(decode("=?UTF-8?B?5pc=?= =?UTF-8?B?pQ==?=") == "日")
        #expect(decode("=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=") == "テスト")
    }

    @Test("an RFC 2231 language suffix on the charset is ignored")
    func languageSuffix() {
        #expect(decode("=?US-ASCII*EN?Q?Keith_Moore?=") == "Keith Moore")
    }

    @Test("malformed words stay literal; undecodable ones are reported")
    func malformed() {
        #expect(decode("=?UTF-8?X?abc?=") == "=?UTF-8?X?abc?=")
        #expect(decode("=?UTF-8?Q?not closed") == "=?UTF-8?Q?not closed")
        #expect(decode("price =? 5") == "price =? 5")
        let bad = EncodedWordDecoder.decode("=?UTF-8?B?#$%^?=")
        #expect(bad.issues.map(\.kind) == [.invalidEncodedWord])
        let unknown = EncodedWordDecoder.decode("=?x-klingon?Q?abc?=")
        #expect(unknown.text == "abc")
        #expect(unknown.issues.map(\.kind) == [.unknownCharset])
    }

    @Test("problems in encoded words of the message header become warnings")
    func warningsAtParse() {
        let message = MIMEMessage(parsing: bytes("Subject: =?UTF-8?B?w6k=?= =?x-unknown?Q?a?=\n\nbody"))
        #expect(message.subject == "éa")
        #expect(message.warnings.map(\.kind) == [.unknownCharset])
        #expect(message.warnings.first?.part == "1")
    }
}
