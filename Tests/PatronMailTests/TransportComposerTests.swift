import Foundation
import Testing

@testable import PatronMail

/// `MailComposer` output, read back with the package's own MIME parser.
struct TransportComposerTests {
    init() { TestChannels.register() }

    let composer = MailComposer(messageIDDomain: "shop.example")
    let shop = MailAddress(name: "Shop, Inc.", address: "hello@shop.example")

    @Test func aMessageIsWellFormedAndRoundTrips() {
        let body = "Héllo Ünïcode ✔︎ = equals\n" + String(repeating: "long line ", count: 40) + "\ntrailing space \n"
        let subject = "Ihre Bestellung — Größe M und ein sehr langer Betreff, der umbrochen werden muss, 🎉"
        let mail = composer.compose(
            OutgoingMail(
                from: shop, to: [MailAddress(name: "Zoë", address: "zoe@example.org")], subject: subject, body: body),
            date: Date(timeIntervalSince1970: 1_751_362_200), messageID: "fixed@shop.example")
        let text = String(decoding: mail.bytes, as: UTF8.self)
        #expect(mail.bytes.allSatisfy { $0 < 0x80 })
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(text.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 78 })
        #expect(text.contains("Date: Tue, 01 Jul 2025 09:30:00 +0000\r\n"))
        #expect(text.contains("From: \"Shop, Inc.\" <hello@shop.example>\r\n"))
        #expect(!text.contains("Auto-Submitted"))

        let parsed = MIMEMessage(parsing: mail.bytes)
        #expect(parsed.subject == subject)
        #expect(parsed.messageID == "fixed@shop.example")
        #expect(parsed.from == shop)
        #expect(parsed.to.first?.name == "Zoë")
        #expect(parsed.bodyText.hasPrefix("Héllo Ünïcode ✔︎ = equals"))
        let encodedBody = text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        let decoded = String(decoding: QuotedPrintable.decode(Array(encodedBody.utf8)[...]), as: UTF8.self)
        #expect(decoded == body.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n")
        #expect(mail.recipients == ["zoe@example.org"])
    }

    @Test func generatedMessageIDsAreUniqueAndUseTheDomain() {
        let mail = OutgoingMail(from: shop, to: [shop], subject: "x", body: "x")
        let first = composer.compose(mail).messageID
        #expect(first.hasSuffix("@shop.example"))
        #expect(first != composer.compose(mail).messageID)
    }

    @Test func aReplyThreadsAndGoesToReplyTo() {
        let original = MIMEMessage(
            parsing: Array(
                "From: Ann <ann@example.org>\r\nReply-To: help@example.org\r\nSubject: Where is my order?\r\nMessage-ID: <b@x>\r\nIn-Reply-To: <a@x>\r\n\r\nhi\r\n"
                    .utf8))
        let reply = OutgoingMail.reply(to: original, from: shop, body: "On its way", isAutomatic: true)
        #expect(reply.to.map(\.address) == ["help@example.org"])
        #expect(reply.subject == "Re: Where is my order?")
        #expect(reply.inReplyTo == "b@x")
        #expect(reply.references == ["a@x", "b@x"])
        let text = String(decoding: composer.compose(reply).bytes, as: UTF8.self)
        #expect(text.contains("In-Reply-To: <b@x>\r\n"))
        #expect(text.contains("References: <a@x>\r\n <b@x>\r\n"))
        #expect(text.contains("Auto-Submitted: auto-generated\r\n"))
    }

    @Test func campaignMailCarriesOneClickUnsubscribe() {
        let mail = OutgoingMail(
            from: shop, to: [shop], subject: "Sale", body: "x",
            listUnsubscribe: ListUnsubscribe(url: "https://shop.example/u/1", mailto: "u@shop.example"))
        let text = String(decoding: composer.compose(mail).bytes, as: UTF8.self)
        #expect(text.contains("List-Unsubscribe: <https://shop.example/u/1>,\r\n <mailto:u@shop.example>\r\n"))
        #expect(text.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"))
        let mailtoOnly = OutgoingMail(
            from: shop, to: [shop], subject: "Sale", body: "x",
            listUnsubscribe: ListUnsubscribe(mailto: "u@shop.example"))
        #expect(!String(decoding: composer.compose(mailtoOnly).bytes, as: UTF8.self).contains("List-Unsubscribe-Post"))
    }
}
