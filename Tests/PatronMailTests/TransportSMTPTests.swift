import Foundation
import Testing

@testable import PatronMail

/// The SMTP client against the aiosmtpd sink that `Scripts/mail/run_transport_tests.sh`
/// starts; the sink writes each message to `$PATRON_SMTP_SINK_DIR/messages/N.eml`.
@Suite(.serialized, .enabled(if: TransportServices.smtpAvailable, TransportServices.smtpSkipReason))
struct TransportSMTPTests {
    init() { TestChannels.register() }

    /// The message the sink stored whose bytes contain `marker`, and its envelope.
    func received(containing marker: String) throws -> (message: [UInt8], envelope: [String: Any])? {
        let folder = URL(fileURLWithPath: try TransportServices.variable("PATRON_SMTP_SINK_DIR"))
            .appendingPathComponent("messages")
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".eml") {
            let bytes = try Data(contentsOf: folder.appendingPathComponent(name))
            guard String(decoding: bytes, as: UTF8.self).contains(marker) else { continue }
            let json = try Data(
                contentsOf: folder.appendingPathComponent(name.replacingOccurrences(of: ".eml", with: ".json")))
            return ([UInt8](bytes), try JSONSerialization.jsonObject(with: json) as? [String: Any] ?? [:])
        }
        return nil
    }

    @Test func aComposedReplyArrivesWithItsThreadingHeaders() throws {
        let original = Fixtures.message("threads/mail__rfc2822-example06.eml")
        var reply = OutgoingMail.reply(
            to: original, from: MailAddress(name: "Støre Support", address: "support@shop.example"),
            body: "Grüße aus dem Laden,\nwir melden uns. ✔︎\n.\nA line with a dot above.", isAutomatic: true)
        reply.subject += " — Bestellung Nr. 4711"
        let composed = MailComposer(messageIDDomain: "shop.example").compose(reply)
        try SMTPClient(server: TransportServices.smtpServer()).send(composed)

        let (bytes, envelope) = try #require(try received(containing: composed.messageID))
        let message = MIMEMessage(parsing: bytes)
        #expect(message.messageID == composed.messageID)
        #expect(message.inReplyTo == [try #require(original.messageID)])
        #expect(message.references == original.references + [original.messageID!])
        #expect(message.headers["Auto-Submitted"] == "auto-generated")
        #expect(message.subject == reply.subject)
        #expect(message.from?.name == "Støre Support")
        let expectedTo = original.replyTo.isEmpty ? original.from.map { [$0] } ?? [] : original.replyTo
        #expect(message.to.map(\.address) == expectedTo.map(\.address))
        #expect(message.bodyText.contains("Grüße aus dem Laden,"))
        #expect(message.bodyText.contains("\n.\nA line with a dot above."))
        #expect(envelope["mail_from"] as? String == "support@shop.example")
        #expect(envelope["rcpt_tos"] as? [String] == composed.recipients)
    }

    @Test func authenticatedSendingWorksAndAWrongPasswordIsDenied() throws {
        let user = TransportServices.environment["PATRON_SMTP_USER"] ?? "patron"
        let password = TransportServices.environment["PATRON_SMTP_PASSWORD"] ?? "patron-smtp-password"
        let mail = MailComposer(messageIDDomain: "shop.example").compose(
            OutgoingMail(
                from: MailAddress(address: "news@shop.example"), to: [MailAddress(address: "ann@example.org")],
                subject: "Our autumn offers", body: "Hello",
                listUnsubscribe: ListUnsubscribe(url: "https://shop.example/u/abc", mailto: "unsub@shop.example")))
        try SMTPClient(server: TransportServices.smtpServer(username: user, password: password)).send(mail)
        let (bytes, envelope) = try #require(try received(containing: mail.messageID))
        #expect(envelope["user"] as? String == user)
        let message = MIMEMessage(parsing: bytes)
        #expect(message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click")
        #expect(message.headers["List-Unsubscribe"]?.contains("<https://shop.example/u/abc>") == true)

        let denied = try SMTPClient(server: TransportServices.smtpServer(username: user, password: "wrong"))
        let error = try #require(throws: MailTransportError.self) { try denied.send(mail) }
        #expect(error.code == .loginDenied)
        #expect(error.isPermanent)
    }

    @Test(arguments: [("reject-perm@example.org", false), ("reject-temp@example.org", true)])
    func aRefusedRecipientSaysWhetherToRetry(recipient: String, transient: Bool) throws {
        let client = try SMTPClient(server: TransportServices.smtpServer())
        let error = try #require(throws: MailTransportError.self) {
            try client.send(Array("Subject: x\r\n\r\nx\r\n".utf8), from: "a@shop.example", to: [recipient])
        }
        #expect(error.code == .rejected)
        #expect(error.isTransient == transient)
        #expect(error.responseCode == (transient ? 450 : 550))
    }
}
