import Foundation
import PatronCore
import PatronSQLite
import Testing

@testable import PatronMail

/// Every fixture mail, appended to a mailbox of the real Dovecot, fetched into a SQLite store:
/// each one becomes what it should (a ticket, a thread, an auto-reply on the timeline only, a
/// bounce or a complaint on consent), and fetching again doubles nothing.
@Suite(.enabled(if: TransportServices.imapAvailable, TransportServices.imapSkipReason))
struct TransportTicketsTests {
    init() { TestChannels.register() }

    /// What each fixture must become; anything not listed is a person's message with a ticket.
    static func expectedKind(_ name: String) -> String {
        switch name {
        case _ where name.hasPrefix("auto-replies/"): "auto_reply"
        case "bounces/mail__report_422-delayed.eml": "auto_reply"  // delayed, not failed
        case "bounces/sisimai__arf-01.eml": "complaint"
        case _ where name.hasPrefix("bounces/"): "bounce"
        default: "message"
        }
    }

    /// The fixtures as separate messages: `.eml` files, and each message of the mbox files
    /// without its `From ` envelope line.
    static func fixtureMessages() -> [(name: String, bytes: [UInt8])] {
        Fixtures.allFiles.flatMap { name -> [(String, [UInt8])] in
            let bytes = Fixtures.bytes(name)
            guard !name.hasSuffix(".eml") else { return [(name, bytes)] }
            return Mbox.split(bytes).enumerated().map { index, chunk in
                let body = chunk.firstIndex(of: 0x0A).map { Array(chunk[($0 + 1)...]) } ?? Array(chunk)
                return ("\(name)#\(index + 1)", body)
            }
        }
    }

    @Test func everyFixtureMailBecomesWhatItShould() throws {
        let mailbox = "Tickets-\(UUID().uuidString.prefix(8))"
        let client = try IMAPClient(server: TransportServices.imapServer(), mailbox: mailbox)
        try client.createMailbox(mailbox)
        let fixtures = Self.fixtureMessages()
        #expect(fixtures.count > 80)
        for fixture in fixtures { try client.append(fixture.bytes, to: mailbox) }

        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tickets-\(UUID()).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try SQLiteStore(path: path)
        // Customers the bounce and the abuse report are about.
        try Ingestor(store: store).ingest(
            ["user@aol.com", "redacted@example.net", "shironeko@example.co.jp"].enumerated().map { n, email in
                IngestEvent(
                    id: "c\(n)", source: "shop", occurredAt: 0,
                    kind: .customerUpserted(CustomerUpsert(identity: CustomerIdentity(email: email))))
            })
        let fetcher = MailFetcher(client: client, store: store, key: "test/\(mailbox)")
        let report = try fetcher.fetchOnce()
        #expect(report.fetched == fixtures.count)
        #expect(report.skipped.isEmpty)
        // The CRLF copy of the Postfix bounce has the same Message-ID: stored once.
        #expect(report.duplicates >= 1)

        var outcomes: [String: String] = [:]
        try store.read { t in
            for fixture in fixtures {
                let mime = MIMEMessage(parsing: fixture.bytes)
                let id = mime.messageID ?? MailMessage.derivedID(fixture.bytes)
                let stored = try #require(try t.message(messageID: id), "\(fixture.name) was not stored")
                outcomes[fixture.name] = stored.kind
                if fixture.name.hasPrefix("mbox/") {
                    #expect(["bounce", "message", "auto_reply"].contains(stored.kind), "\(fixture.name)")
                    continue
                }
                #expect(stored.kind == Self.expectedKind(fixture.name), "\(fixture.name): \(stored.kind)")
                if stored.kind == "message" {
                    // A message without a sender is kept, but no ticket can be anyone's.
                    #expect(
                        (stored.ticketID != nil) == (mime.from != nil),
                        "\(fixture.name): ticket \(String(describing: stored.ticketID))")
                } else if stored.kind != "auto_reply" {
                    #expect(stored.ticketID == nil, "\(fixture.name) opened a ticket")
                }
            }
            // The RFC 2822 conversation is one ticket.
            let thread = try ["<1234@local.machine.example>", "<3456@example.net>", "<abcd.1234@local.machine.tld>"]
                .map { try t.message(messageID: String($0.dropFirst().dropLast()))?.ticketID }
            #expect(thread[0] != nil && Set(thread).count == 1)
            let bounced = try t.customerID(email: "user@aol.com").flatMap { try t.customer($0) }
            #expect(bounced?.consent[.email].status == .bounced)
            let complained = try t.customerID(email: "redacted@example.net").flatMap { try t.customer($0) }
            #expect(complained?.consent[.email].status == .revoked)
        }
        #expect(outcomes.filter { $0.key.hasPrefix("mbox/") && $0.value == "bounce" }.count >= 35)

        // Nothing new: nothing fetched. A new UIDVALIDITY (the cursor lost): everything again,
        // all of it recognised by Message-ID.
        #expect(try fetcher.fetchOnce().fetched == 0)
        let before = try store.tickets(customer: nil, status: nil, after: 0, limit: 10_000).count
        try store.write { try $0.setMailboxCursor(MailboxCursor(key: "test/\(mailbox)", uidValidity: 1, lastUID: 0)) }
        let again = try fetcher.fetchOnce()
        #expect(again.fetched == fixtures.count && again.duplicates == fixtures.count)
        #expect(try store.tickets(customer: nil, status: nil, after: 0, limit: 10_000).count == before)
    }

    /// Messages over 300 kB (libcurl's limit on what a FETCH may announce) arrive whole, and one
    /// over the configured limit is skipped with its reason and the cursor moves past it.
    @Test func bigMessagesArriveAndTooBigOnesAreSkipped() throws {
        let mailbox = "Big-\(UUID().uuidString.prefix(8))"
        let client = try IMAPClient(
            server: TransportServices.imapServer(), mailbox: mailbox, maximumMessageSize: 3_000_000)
        try client.createMailbox(mailbox)
        func message(_ id: String, kilobytes: Int) -> [UInt8] {
            let line = String(repeating: "x", count: 76) + "\r\n"
            let body = String(repeating: line, count: kilobytes * 1024 / line.utf8.count)
            return Array(
                ("From: Big <big@example.com>\r\nSubject: Photos \(id)\r\nMessage-ID: <\(id)@example.com>\r\n"
                    + "Date: Mon, 4 Nov 2024 10:00:00 +0000\r\n\r\n" + body).utf8)
        }
        try client.append(message("one-mb", kilobytes: 1024), to: mailbox)
        try client.append(message("four-mb", kilobytes: 4096), to: mailbox)
        try client.append(message("small", kilobytes: 2), to: mailbox)
        #expect(try client.fetch(uid: 1).count > 1_000_000)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("big-\(UUID()).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try SQLiteStore(path: path)
        let report = try MailFetcher(client: client, store: store, key: "big/\(mailbox)").fetchOnce()
        #expect(report.fetched == 2 && report.skipped.map(\.uid) == [2])
        #expect(report.skipped.first?.reason.contains("over the limit") == true)
        let cursor = try #require(try store.read { try $0.mailboxCursor(key: "big/\(mailbox)") })
        #expect(cursor.lastUID == 3)
        let skipped = try store.read { try $0.message(messageID: "skipped:big/\(mailbox):\(cursor.uidValidity):2") }
        #expect(skipped?.kind == "skipped" && skipped?.body.contains("over the limit") == true)
    }
}
