import Testing

@testable import PatronMail

@Suite("Address lists")
struct AddressTests {
    init() { TestChannels.register() }

    private func parse(_ value: String) -> [MailAddress] {
        MailAddress.parseList(value)
    }

    @Test("names, quoted names with commas and colons, angle-less addresses")
    func mailboxes() {
        #expect(
            parse(#""Neko, Nyaan" <neko@Example.ORG>, plain@example.com, Mary Smith <mary@x.test>"#) == [
                MailAddress(name: "Neko, Nyaan", address: "neko@example.org"),
                MailAddress(address: "plain@example.com"),
                MailAddress(name: "Mary Smith", address: "mary@x.test"),
            ])
        #expect(
            parse(#""Mary Smith: Personal Account" <smith@home.example>"#).first?.name == "Mary Smith: Personal Account"
        )
        #expect(parse(#""Joe Q. Public" <john.q.public@example.com>"#).first?.address == "john.q.public@example.com")
    }

    @Test("only the domain is lowercased")
    func caseHandling() {
        #expect(parse("MAILER-DAEMON@AOL.com").first?.address == "MAILER-DAEMON@aol.com")
        #expect(parse("<User.Name@EXAMPLE.Com>").first?.localPart == "User.Name")
        #expect(parse("<User.Name@EXAMPLE.Com>").first?.domain == "example.com")
    }

    @Test("groups are flattened and empty groups vanish")
    func groups() {
        let list = parse("A Group: Ed Jones <c@a.test>, joe@where.test, John <jdoe@one.test>; Undisclosed recipients:;")
        #expect(list.map(\.address) == ["c@a.test", "joe@where.test", "jdoe@one.test"])
        #expect(list.first?.name == "Ed Jones")
        #expect(parse("undisclosed-recipients:;").isEmpty)
    }

    @Test("comments are dropped, or used as the name when there is none")
    func comments() {
        #expect(
            parse("MAILER-DAEMON@example.net (Mail Delivery System)") == [
                MailAddress(name: "Mail Delivery System", address: "MAILER-DAEMON@example.net")
            ])
        #expect(
            parse("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>").first?.address == "pete@silly.test")
        #expect(parse("Pete(A nice \\) chap) <pete@silly.test>").first?.name == "Pete")
    }

    @Test("encoded-word names, also inside quotes, and obsolete routes")
    func encodedNamesAndRoutes() {
        #expect(parse("=?ISO-8859-1?Q?Nicolas_Fouch=E9?= <a.b@gmail.com>").first?.name == "Nicolas Fouché")
        #expect(parse(#""=?windows-1251?B?wPLo6u7iYQ==?=" <y@auracom.net>"#).first?.name == "Атиковa")
        #expect(parse("<@relay.test,@other.test:joe@example.com>").first?.address == "joe@example.com")
    }

    @Test("addresses without a domain are kept; empty input gives nothing")
    func oddities() {
        #expect(parse("Mail Delivery Subsystem <MAILER-DAEMON>").first?.address == "MAILER-DAEMON")
        #expect(parse("postmaster").map(\.address) == ["postmaster"])
        #expect(parse("").isEmpty)
        #expect(parse(" , ,").isEmpty)
        #expect(parse("John Doe jdoe@example.com") == [MailAddress(name: "John Doe", address: "jdoe@example.com")])
    }
}
