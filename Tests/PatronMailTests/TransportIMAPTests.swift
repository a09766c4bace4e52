import Foundation
import Testing

@testable import PatronMail

/// The IMAP client against the real Dovecot that `Scripts/mail/run_transport_tests.sh` starts
/// and fills with every fixture mail.
@Suite(.serialized, .enabled(if: TransportServices.imapAvailable, TransportServices.imapSkipReason))
struct TransportIMAPTests {
    init() { TestChannels.register() }

    @Test func statusReportsUIDValidityAndUIDNext() throws {
        let client = try IMAPClient(server: TransportServices.imapServer())
        let status = try client.status()
        #expect(status.uidValidity > 0)
        #expect(status.uidNext > 1)
        #expect(status.messages > 0)
    }

    @Test func searchAboveZeroListsEveryAppendedFixture() throws {
        let client = try IMAPClient(server: TransportServices.imapServer())
        let appended = Set(try TransportServices.appendedFixtures().values)
        let found = try client.search(uidsAbove: 0)
        #expect(!appended.isEmpty)
        #expect(appended.isSubset(of: Set(found)))
        #expect(found == found.sorted())
    }

    @Test func searchAboveTheLastUIDIsEmpty() throws {
        let client = try IMAPClient(server: TransportServices.imapServer())
        let status = try client.status()
        // UID SEARCH UID n:* answers the highest UID even when it is below n: filtered out.
        #expect(try client.search(uidsAbove: status.uidNext - 1) == [])
        #expect(try client.search(uidsAbove: status.uidNext + 100) == [])
    }

    @Test(arguments: [
        "threads/mail__rfc2822-example06.eml", "charsets/flanker__bilingual-simple.eml",
        "mime/mailparser__nodemailer.eml", "charsets/mail__japanese_shift_jis.eml",
    ])
    func fetchReturnsTheFixtureBytes(path: String) throws {
        let client = try IMAPClient(server: TransportServices.imapServer())
        let uid = try #require(try TransportServices.appendedFixtures()[path])
        let fetched = MIMEMessage(parsing: try client.fetch(uid: uid))
        let original = Fixtures.message(path)
        #expect(fetched.subject == original.subject)
        #expect(fetched.subject?.isEmpty == false)
        #expect(fetched.messageID == original.messageID)
        #expect(fetched.bodyText == original.bodyText)
    }

    @Test func fetchOfAMissingUIDIsNotFound() throws {
        let client = try IMAPClient(server: TransportServices.imapServer())
        let status = try client.status()
        let error = try #require(throws: MailTransportError.self) { try client.fetch(uid: status.uidNext + 10) }
        #expect(error.code == .notFound)
    }

    @Test func aMessageOverTheSizeLimitIsSkippedWithTheReason() throws {
        let client = try IMAPClient(server: TransportServices.imapServer(), maximumMessageSize: 10_000)
        let uid = try #require(try TransportServices.appendedFixtures()["mime/mailparser__nodemailer.eml"])
        let error = try #require(throws: MailTransportError.self) { try client.fetch(uid: uid) }
        #expect(error.code == .tooLarge)
        #expect(error.isPermanent)
        #expect(error.message.contains("over the limit of 10000"))
        #expect(try client.size(uid: uid) > 10_000)
    }

    @Test func markSeenAndMoveFileTheMessage() throws {
        let inbox = try IMAPClient(server: TransportServices.imapServer())
        let archive = try IMAPClient(server: TransportServices.imapServer(), mailbox: "Archive")
        let marker = "move-\(UUID().uuidString.lowercased())@patron.test"
        let before = try inbox.status()
        try inbox.append(Array("From: a@patron.test\r\nSubject: move me\r\nMessage-ID: <\(marker)>\r\n\r\nhi\r\n".utf8))
        let uid = try #require(try inbox.search(uidsAbove: before.uidNext - 1).last)
        _ = try inbox.run("UID STORE \(uid) -FLAGS.SILENT (\\Seen)", url: inbox.mailboxURL)  // libcurl appends \Seen
        let unseenBefore = try inbox.status().unseen
        // Fetching does not mark the message seen; markSeen does.
        #expect(MIMEMessage(parsing: try inbox.fetch(uid: uid)).messageID == marker)
        #expect(try inbox.status().unseen == unseenBefore)
        try inbox.markSeen(uid: uid)
        let flags = try inbox.run("UID FETCH \(uid) FLAGS", url: inbox.mailboxURL).body
        #expect(String(decoding: flags, as: UTF8.self).contains("\\Seen"))
        #expect(try inbox.status().unseen == unseenBefore - 1)

        let archivedBefore = try archive.status()
        try inbox.move(uid: uid, to: "Archive")
        #expect(try !inbox.search(uidsAbove: uid - 1).contains(uid))
        let moved = try #require(try archive.search(uidsAbove: archivedBefore.uidNext - 1).last)
        #expect(MIMEMessage(parsing: try archive.fetch(uid: moved)).messageID == marker)

        let error = try #require(throws: MailTransportError.self) { try inbox.move(uid: uid, to: "Archive") }
        #expect(error.code == .notFound)
    }

    @Test func aWrongPasswordIsAPermanentLoginErrorWithoutRetry() throws {
        let client = try IMAPClient(server: TransportServices.imapServer(password: "not-the-password"))
        let started = ContinuousClock.now
        let error = try #require(throws: MailTransportError.self) { try client.status() }
        #expect(error.code == .loginDenied)
        #expect(error.isPermanent)
        #expect(!error.description.contains("not-the-password"))
        // Dovecot delays each failed login by one second (dovecot.conf); a retry would double it.
        #expect(ContinuousClock.now - started < .milliseconds(1900))
    }
}
