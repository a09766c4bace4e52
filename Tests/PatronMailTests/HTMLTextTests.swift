import Testing

@testable import PatronMail

@Suite("HTML to text")
struct HTMLTextTests {
    init() { TestChannels.register() }

    private func text(_ html: String) -> String {
        HTMLTextConverter.text(fromHTML: html)
    }

    @Test("head, script, style and comments are dropped")
    func droppedElements() {
        let html = """
            <html><head><title>T</title><style>p { color: red }</style></head>
            <body><script>alert("<p>x</p>")</script><!-- hidden <b>note</b> -->Visible</body></html>
            """
        #expect(text(html) == "Visible")
    }

    @Test("block elements and <br> become line breaks; paragraphs are separated by a blank line")
    func blocks() {
        #expect(text("<p>One</p><p>Two</p>") == "One\n\nTwo")
        #expect(text("a<br>b<BR/>c") == "a\nb\nc")
        #expect(text("<div>Hi,</div><div>test</div>") == "Hi,\ntest")
        #expect(text("<ul><li>x</li><li>y</li></ul>") == "x\ny")
        #expect(text("<table><tr><td>a</td><td>b</td></tr></table>") == "a b")
    }

    @Test("entities: named, decimal, hexadecimal and unknown")
    func entities() {
        #expect(text("Fish &amp; Chips &lt;3 &quot;x&quot; &copy; &eacute;") == "Fish & Chips <3 \"x\" © é")
        #expect(text("&#233;&#xE9;&#x2714; &#8212;") == "éé✔ —")
        #expect(text("&#150;") == "–")  // a Windows-1252 code point
        #expect(text("AT&T &bogus; &") == "AT&T &bogus; &")
        #expect(text("a&nbsp;b") == "a b")
    }

    @Test("whitespace is collapsed outside <pre> and kept inside")
    func whitespace() {
        #expect(text("  lots   of\n\n  space\t here ") == "lots of space here")
        #expect(text("<pre>  keep\n    this</pre>after") == "  keep\n    this\n\nafter")
    }

    @Test("an HTML-only message body is turned into text")
    func htmlOnlyMessage() {
        let message = MIMEMessage(
            parsing: bytes(
                """
                Content-Type: text/html; charset=utf-8
                Content-Transfer-Encoding: quoted-printable

                <p>Hello <b>Bob</b>,</p><p>Caf=C3=A9 &amp; more<br>Bye</p>
                """))
        #expect(message.bodyText == "Hello Bob,\n\nCafé & more\nBye")
    }
}
