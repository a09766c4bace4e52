import Foundation
import Testing

@testable import PatronMail

/// Transport behaviour that needs no running server.
struct TransportOfflineTests {
    init() { TestChannels.register() }

    @Test func aClosedPortIsATransientConnectionError() throws {
        let port = TransportServices.closedPort()
        let client = try IMAPClient(
            server: MailServer(url: "imap://127.0.0.1:\(port)", username: "u", password: "secret-pw"))
        let error = try #require(throws: MailTransportError.self) { try client.status() }
        #expect(error.code == .connectionRefused)
        #expect(error.isTransient)
        #expect(error.url.hasPrefix("imap://127.0.0.1:\(port)/"))
        #expect(!error.description.contains("secret-pw"))

        let smtp = try SMTPClient(server: MailServer(url: "smtp://127.0.0.1:\(port)"))
        let sendError = try #require(throws: MailTransportError.self) {
            try smtp.send([0x0D, 0x0A], from: "a@b.example", to: ["c@d.example"])
        }
        #expect(sendError.code == .connectionRefused)
    }

    @Test(arguments: ["http://example.org", "imap://user:pw@example.org", "imap://example.org/INBOX", "nonsense"])
    func badServerURLsAreRejected(url: String) {
        #expect(throws: MailTransportError.self) { try MailServer(url: url) }
    }

    @Test func responsesParse() {
        let search = Array("* SEARCH 3 9 12\r\n".utf8)
        #expect(IMAPResponse.searchResults(search) == [3, 9, 12])
        let status = Array("* STATUS \"In (box)\" (MESSAGES 3 UIDNEXT 40 UIDVALIDITY 17)\r\n".utf8)
        #expect(IMAPResponse.statusItems(status)["UIDNEXT"] == 40)
        let fetch = Array("* 5 FETCH (FLAGS (\\Seen) RFC822.SIZE 3628 UID 9)\r\n".utf8)
        #expect(IMAPResponse.fetchItems(fetch, uid: 9)?["RFC822.SIZE"] == 3628)
        #expect(IMAPResponse.fetchItems(fetch, uid: 8) == nil)
    }
}
