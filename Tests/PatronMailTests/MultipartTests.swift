import Testing

@testable import PatronMail

@Suite("Multipart structure")
struct MultipartTests {
    init() { TestChannels.register() }

    @Test("preamble and epilogue are ignored; LF and CRLF boundaries; transport padding")
    func boundaries() {
        let lf =
            "Content-Type: multipart/mixed; boundary=\"XX\"\n\npreamble\n--XX  \nContent-Type: text/plain\n\none\n--XX\t\n\ntwo\n--XX--  \nepilogue\n"
        let crlf = lf.replacingOccurrences(of: "\n", with: "\r\n")
        for raw in [lf, crlf] {
            let message = MIMEMessage(parsing: bytes(raw))
            #expect(message.root.children.map(\.text) == ["one", "two"])
            #expect(message.bodyText == "one\n\ntwo")
            #expect(message.warnings.isEmpty)
        }
    }

    @Test("a boundary that is a prefix of a nested boundary does not split the nested part")
    func prefixBoundaries() {
        let raw = """
            Content-Type: multipart/mixed; boundary="abc"

            --abc
            Content-Type: multipart/alternative; boundary="abc_1"

            --abc_1
            Content-Type: text/plain

            plain
            --abc_1
            Content-Type: text/html

            <b>html</b>
            --abc_1--
            --abc
            Content-Type: application/octet-stream; name=a.bin
            Content-Transfer-Encoding: base64

            AAEC
            --abc--
            """
        let message = MIMEMessage(parsing: bytes(raw))
        #expect(message.root.children.count == 2)
        #expect(message.root.children[0].children.count == 2)
        #expect(message.bodyText == "plain")
        #expect(message.attachments.map(\.data) == [[0, 1, 2]])
        #expect(message.attachments.map(\.partNumber) == ["2"])
    }

    @Test("multipart/related shows its root part; HTML is used when there is no plain text")
    func related() {
        let raw = """
            Content-Type: multipart/related; boundary=r; start="<root@x>"

            --r
            Content-Type: image/png
            Content-ID: <img@x>

            PNG
            --r
            Content-Type: text/html
            Content-ID: <root@x>

            <p>See <img src="cid:img@x" alt="the chart"></p>
            --r--
            """
        let message = MIMEMessage(parsing: bytes(raw))
        #expect(message.bodyText == "See the chart")
        #expect(message.attachments.map(\.contentID) == ["img@x"])
        #expect(message.attachments.first?.filename == nil)
    }

    @Test("digest parts default to message/rfc822 and embedded messages are parsed")
    func digest() {
        let raw = """
            Content-Type: multipart/digest; boundary=d

            --d

            Subject: first

            one
            --d

            Subject: second

            two
            --d--
            """
        let message = MIMEMessage(parsing: bytes(raw))
        #expect(message.root.children.map(\.contentType.mimeType) == ["message/rfc822", "message/rfc822"])
        #expect(message.root.children.compactMap(\.message?.subject) == ["first", "second"])
        #expect(message.root.children[1].message?.root.partNumber == "2.1")
        #expect(message.bodyText.isEmpty)
    }

    @Test("signed and report multiparts show their first part")
    func signed() {
        let raw = """
            Content-Type: multipart/signed; boundary=s; protocol="application/pgp-signature"

            --s
            Content-Type: text/plain

            signed text
            --s
            Content-Type: application/pgp-signature

            -----BEGIN PGP SIGNATURE-----
            --s--
            """
        let message = MIMEMessage(parsing: bytes(raw))
        #expect(message.bodyText == "signed text")
        #expect(message.attachments.map(\.mimeType) == ["application/pgp-signature"])
    }

    @Test("broken multiparts keep their text and warn")
    func broken() {
        let noBoundary = MIMEMessage(parsing: bytes("Content-Type: multipart/mixed\n\njust text\n"))
        #expect(noBoundary.bodyText == "just text")
        #expect(noBoundary.warnings.map(\.kind) == [.missingBoundaryParameter])
        let wrongBoundary = MIMEMessage(parsing: bytes("Content-Type: multipart/mixed; boundary=zz\n\n--yy\nhello\n"))
        #expect(wrongBoundary.bodyText.contains("hello"))
        #expect(wrongBoundary.warnings.map(\.kind) == [.boundaryNotFound])
        let unclosed = MIMEMessage(parsing: bytes("Content-Type: multipart/mixed; boundary=b\n\n--b\n\nsome body"))
        #expect(unclosed.bodyText == "some body")
        #expect(unclosed.warnings.map(\.kind) == [.missingFinalBoundary])
    }

    @Test("deep nesting stops at a limit instead of exhausting the stack")
    func deepNesting() {
        var raw = ""
        for level in 0..<200 { raw += "Content-Type: multipart/mixed; boundary=b\(level)\n\n--b\(level)\n" }
        raw += "\ninnermost\n"
        let message = MIMEMessage(parsing: bytes(raw))
        #expect(message.warnings.contains { $0.kind == .nestingTooDeep })
    }
}
