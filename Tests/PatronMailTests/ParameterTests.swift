import Testing

@testable import PatronMail

@Suite("Header parameters (RFC 2045, RFC 2231)")
struct ParameterTests {
    init() { TestChannels.register() }

    @Test("tokens and quoted strings; names are case-insensitive; separators inside quotes are kept")
    func basics() {
        let parsed = MIMEParameterParser.parse(#"Multipart/Mixed; BOUNDARY="a;b=c"; charset = utf-8 ; (comment) x=1"#)
        #expect(parsed.value == "Multipart/Mixed")
        #expect(parsed.parameters["boundary"] == "a;b=c")
        #expect(parsed.parameters["charset"] == "utf-8")
        let type = MIMEContentType.parse("Text/HTML; Charset=\"ISO-8859-1\"").contentType
        #expect(type?.mimeType == "text/html")
        #expect(type?.charset == "ISO-8859-1")
    }

    @Test("RFC 2231 extended value with charset and language")
    func extendedValue() {
        let parsed = MIMEParameterParser.parse("attachment; filename*=ISO-8859-1'et'Eelanal%FC%FCsi%20p%E4ring.jpg")
        #expect(parsed.parameters["filename"] == "Eelanalüüsi päring.jpg")
    }

    @Test("RFC 2231 continuations, encoded and plain sections mixed, out of order")
    func continuations() {
        let header = """
            attachment; filename*1="very long "; filename*0*=utf-8''%E2%9C%94%20a%20; filename*2*=name.txt
            """
        #expect(MIMEParameterParser.parse(header).parameters["filename"] == "✔ a very long name.txt")
        let plain = MIMEParameterParser.parse(#"x; name*0="part one "; name*1="part two""#)
        #expect(plain.parameters["name"] == "part one part two")
    }

    @Test("an RFC 2231 value wins over the plain one")
    func extendedWins() {
        let parsed = MIMEParameterParser.parse(
            #"inline; filename="fallback.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt"#)
        #expect(parsed.parameters["filename"] == "résumé.txt")
    }

    @Test("RFC 2047 in name= and filename= is decoded for the part's filename")
    func encodedWordFilename() {
        let message = MIMEMessage(
            parsing: bytes(
                """
                Content-Type: image/gif; name="nyan cat =?UTF-8?Q?=E2=9C=94=2Egif?="

                GIF
                """))
        #expect(message.attachments.map(\.filename) == ["nyan cat ✔.gif"])
    }
}
