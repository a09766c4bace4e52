import Testing

@testable import PatronMail

@Suite("Header block")
struct HeaderTests {
    init() { TestChannels.register() }

    @Test("folded fields are unfolded: the line break goes, the whitespace stays")
    func unfolding() {
        let message = MIMEMessage(
            parsing: bytes("Subject: a long\r\n  subject\r\n\tline\r\nX-Empty:\r\nTo: a@example.com\r\n\r\nbody"))
        #expect(message.headers["Subject"] == "a long  subject\tline")
        #expect(message.subject == "a long subject line")
        #expect(message.headers["x-empty"] == "")
        #expect(message.bodyText == "body")
    }

    @Test("lookup ignores case and keeps every field in order")
    func lookup() {
        let message = MIMEMessage(parsing: bytes("Received: one\nreceived: two\nRECEIVED: three\nSubject: s\n\n"))
        #expect(message.headers.all(named: "Received").map(\.rawValue) == ["one", "two", "three"])
        #expect(message.headers.first(named: "SUBJECT")?.name == "Subject")
        #expect(message.headers.count == 4)
        #expect(!message.headers.contains("Cc"))
    }

    @Test("raw 8-bit header bytes are read as UTF-8, else Windows-1252")
    func eightBitHeaders() {
        let utf8 = MIMEMessage(parsing: bytes("Subject: Säying\n\n"))
        #expect(utf8.subject == "Säying")
        let latin = MIMEMessage(parsing: bytes("Subject: caf") + [0xE9, 0x20, 0x93, 0x71, 0x94] + bytes("\n\n"))
        #expect(latin.subject == "café “q”")
    }

    @Test("an mbox From line and a whitespace-only first line are skipped")
    func leadingJunk() {
        let mbox = MIMEMessage(parsing: bytes("From someone@example.com Sun May  8 19:07:09 2005\nSubject: hi\n\nbody"))
        #expect(mbox.subject == "hi")
        #expect(mbox.warnings.isEmpty)
        let blank = MIMEMessage(parsing: bytes("      \nSubject: hi\n\nbody"))
        #expect(blank.subject == "hi")
    }

    @Test("a line that is not a field ends the header with a warning; the rest is body")
    func malformedLine() {
        let message = MIMEMessage(parsing: bytes("Subject: hi\nthis is not a header\nmore\n"))
        #expect(message.subject == "hi")
        #expect(message.bodyText == "this is not a header\nmore")
        #expect(message.warnings.map(\.kind) == [.malformedHeader])
    }

    @Test("a header with no body, and an empty input, parse to empty values")
    func degenerate() {
        #expect(MIMEMessage(parsing: bytes("Subject: only")).subject == "only")
        let empty = MIMEMessage(parsing: [UInt8]())
        #expect(empty.headers.isEmpty)
        #expect(empty.bodyText.isEmpty)
        #expect(empty.attachments.isEmpty)
    }

    @Test("message identifiers lose their angle brackets")
    func identifiers() {
        let message = MIMEMessage(
            parsing: bytes(
                """
                Message-ID: <abc@example.com> (comment)
                In-Reply-To: <x@y> <z@w>
                References: <1@a>
                  <2@b>  <3@c>

                """))
        #expect(message.messageID == "abc@example.com")
        #expect(message.inReplyTo == ["x@y", "z@w"])
        #expect(message.references == ["1@a", "2@b", "3@c"])
    }
}
