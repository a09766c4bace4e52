import Testing

@testable import PatronMail

@Suite("Transfer encodings")
struct TransferEncodingTests {
    init() { TestChannels.register() }

    private func qp(_ text: String) -> String {
        String(decoding: QuotedPrintable.decode(bytes(text)[...]), as: UTF8.self)
    }

    private func base64(_ text: String) -> String {
        String(decoding: Base64Decoder.decode(bytes(text)[...]), as: UTF8.self)
    }

    @Test("quoted-printable soft line breaks join lines, with CRLF, LF or trailing blanks")
    func softBreaks() {
        #expect(qp("inter=\r\nmittent") == "intermittent")
        #expect(qp("inter=\nmittent") == "intermittent")
        #expect(qp("inter=  \r\nmittent") == "intermittent")
        #expect(qp("ends with a soft break=") == "ends with a soft break")
    }

    @Test("quoted-printable hex escapes accept lowercase; invalid sequences stay literal")
    func escapes() {
        #expect(QuotedPrintable.decode(bytes("Fouch=E9")[...]) == bytes("Fouch") + [0xE9])
        #expect(qp("=C3=A9=c3=a9") == "éé")
        #expect(qp("100% =XY =4") == "100% =XY =4")
        #expect(qp("a = b") == "a = b")
    }

    @Test("quoted-printable drops whitespace that transports add at line ends but keeps encoded spaces")
    func trailingWhitespace() {
        #expect(qp("hello   \r\nworld=20\r\n") == "hello\r\nworld \r\n")
    }

    @Test("base64 ignores line breaks and garbage and tolerates missing padding")
    func base64Lenient() {
        #expect(base64("SGVsbG8s\r\nIHdvcmxk\r\nIQ==") == "Hello, world!")
        #expect(base64("SGVs bG8s*\tIHdv!cmxkIQ") == "Hello, world!")
        #expect(base64("SGk") == "Hi")
        #expect(base64("SGk=SGk=") == "HiHi")  // concatenated blobs
        #expect(Base64Decoder.decode(bytes("")[...]).isEmpty)
    }

    @Test("transfer-encoding labels, including misspellings")
    func labels() {
        #expect(MIMETransferEncoding.parse(nil).encoding == .sevenBit)
        #expect(MIMETransferEncoding.parse(" Base64 ").encoding == .base64)
        #expect(MIMETransferEncoding.parse("quoted printable") == (.quotedPrintable, true))
        #expect(MIMETransferEncoding.parse("x-uuencode").encoding == .other("x-uuencode"))
    }

    @Test("an unknown transfer encoding keeps the raw bytes and warns")
    func unknownEncoding() {
        let message = MIMEMessage(parsing: bytes("Content-Transfer-Encoding: x-gzip64\n\nH4sIAAAA\n"))
        #expect(message.root.content == bytes("H4sIAAAA\n"))
        #expect(message.warnings.map(\.kind) == [.unknownTransferEncoding])
    }
}
