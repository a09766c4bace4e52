import Foundation
import PatronCore
import PatronTestKit
import Testing

@testable import PatronMail

/// Mail files as a source: the whole e-mail corpus through the source conformance kit, mbox
/// splitting and unquoting, the error for a file that is no mail, and the `mail.received` event
/// through NDJSON and back.
@Suite struct MailFilesTests {
    init() { TestChannels.register() }

    @Test func theMailCorpusKeepsTheSourceContract() async throws {
        let paths = Fixtures.allFiles.map { Fixtures.root.appendingPathComponent($0).path }
        guard !paths.isEmpty else { return }
        let source = MailFiles(paths: paths)
        let report = try await SourceConnectorConformance.check(source)
        let events = try await source.collect()
        // Every message of the corpus is read (an mbox gives one event per message), each once.
        let messages = Fixtures.allFiles.flatMap(Fixtures.messages(in:))
        let ids = Set(messages.map { $0.messageID ?? "" }.filter { !$0.isEmpty })
        #expect(report.events == events.count && events.count >= ids.count && events.count <= messages.count)
        #expect(report.ingest.applied[.mailReceived] == events.count)
        // Bounces in the corpus end up as bounces (the mbox holds 37 of them).
        let bounces = events.filter {
            if case .mailReceived(let mail) = $0.kind, case .bounce = mail.kind { return true }
            return false
        }
        #expect(bounces.count >= 20, "\(bounces.count) bounces")
        #expect(events.allSatisfy { $0.id.hasPrefix("mail:") && $0.origin?.file != nil })
        let mboxEvents = events.filter { $0.origin?.file?.hasSuffix("sisimai__mbox-0") == true }
        #expect(mboxEvents.count > 30 && mboxEvents.allSatisfy { ($0.origin?.line ?? 0) >= 1 })
    }

    @Test func anMboxIsSplitOnFromLinesAndUnquoted() throws {
        let mbox = bytes(
            "From a@example.com Thu Sep 18 17:54:04 2008\nMessage-ID: <one@x>\nSubject: one\n\n>From the start\n>>From kept\n\n"
                + "From b@example.com Thu Sep 18 17:55:04 2008\nMessage-ID: <two@x>\nSubject: two\n\nText\nFrom here on\n"
        )
        let messages = MailFiles.mbox(mbox)
        #expect(messages.map(\.line) == [1, 8])
        #expect(String(decoding: messages[0].raw, as: UTF8.self).hasSuffix("\n\nFrom the start\n>From kept\n"))
        // A `From ` line that follows no blank line is body text.
        #expect(String(decoding: messages[1].raw, as: UTF8.self).contains("From here on"))
    }

    @Test func aFileThatIsNoMailIsNamed() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nomail-\(UUID().uuidString).eml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("just a line of text\n".utf8).write(to: URL(fileURLWithPath: path))
        let error = try await SourceConnectorConformance.checkRejects(MailFiles(paths: [path]))
        #expect(error.location?.file == path && error.message.contains("no header"), "\(error)")
    }

    @Test func aMailEventGoesThroughNDJSONAndBack() throws {
        let mail = MailMessage(
            messageID: "m1@shop.example", inReplyTo: ["m0@x"], references: ["m0@x"], from: "ann@example.com",
            fromName: "Ann", to: ["help@shop.example"], subject: "Where is my order?", sentAt: 1_700_000_000,
            body: "Hello,\n\"quoted\" text",
            attachments: [MailAttachmentInfo(name: "a.pdf", type: "application/pdf", size: 12)],
            kind: .bounce(failed: ["bob@example.com"]), direction: .inbound, priority: .high, warnings: ["w"])
        let event = IngestEvent.mailReceived(mail)
        let line = NDJSONCodec.encode(event)
        let decoded = try NDJSONCodec.decode(line: line, at: InputLocation())
        #expect(
            decoded.kind == event.kind && decoded.id == event.id && decoded.occurredAt == event.occurredAt, "\(line)")
        #expect(line.contains(#""type":"mail.received""#))
        #expect(throws: PatronError.self) {
            try NDJSONCodec.decode(
                line: line.replacingOccurrences(of: #""kind":"bounce""#, with: #""kind":"spam""#), at: InputLocation())
        }
    }

    /// A message with NUL bytes and a monstrous Message-ID still becomes a valid event: a hostile
    /// mail never stops a mailbox.
    @Test func hostileBytesStillMakeAValidEvent() throws {
        let longID = String(repeating: "x", count: 2_000)
        let raw = bytes("Message-ID: <\(longID)@x>\nFrom: a\u{0}b@example.com\nSubject: s\u{0}t\n\nbody\u{0}\n")
        let mail = MailMessage(mime: MIMEMessage(parsing: raw), raw: raw, receivedAt: 1)
        let event = IngestEvent.mailReceived(mail)
        try event.validate()
        #expect(mail.messageID.hasSuffix("@patron.derived") && !mail.subject.utf8.contains(0))
    }

    /// Found by fuzzing (`Scripts/fuzz.sh mime`): a NUL followed by a combining mark is one
    /// Character, so replacing "\u{0}" as a string left it in place and the body failed the
    /// event's validation — the mailbox would refetch and fail that mail on every poll. The same
    /// in a base64 body, a quoted-printable one and a header.
    @Test(arguments: [
        "Content-Transfer-Encoding: base64\n\n" + Data("a\u{0}\u{301}b\u{0}\u{0}\u{3}c".utf8).base64EncodedString(),
        "Content-Transfer-Encoding: quoted-printable\n\nx=00=CC=81y=00=00",
        "Subject: s=?UTF-8?B?" + Data("\u{0}\u{301}".utf8).base64EncodedString() + "?=\n\nbody",
    ])
    func aNULBeforeACombiningMarkIsReplacedToo(_ tail: String) throws {
        let raw = bytes("Message-ID: <nul@x>\nFrom: a@example.com\nContent-Type: text/plain; charset=utf-8\n\(tail)\n")
        let mail = MailMessage(mime: MIMEMessage(parsing: raw), raw: raw, receivedAt: 1)
        try IngestEvent.mailReceived(mail).validate()
        #expect(!mail.body.utf8.contains(0) && !mail.subject.utf8.contains(0))
    }

    /// Found in review: a folded Subject (or From name) over the 4,096 bytes an event's text may
    /// be failed validation, so the mailbox refetched and failed that mail on every poll. Header
    /// text is cut at a character and marked.
    @Test func aMonstrousSubjectIsCutSoTheMailStillMakesAValidEvent() throws {
        let subject = (0..<900).map { _ in "Grüße " }.joined(separator: "\n ")
        let name = String(repeating: "N", count: 6_000)
        let raw = bytes("Message-ID: <long@x>\nFrom: \(name) <a@example.com>\nSubject: \(subject)\n\nbody\n")
        let mail = MailMessage(mime: MIMEMessage(parsing: raw), raw: raw, receivedAt: 1)
        try IngestEvent.mailReceived(mail).validate()
        #expect(mail.subject.utf8.count <= IngestEvent.maxTextBytes && mail.subject.hasSuffix("…"))
        #expect(mail.subject.hasPrefix("Grüße Grüße"))
        #expect((mail.fromName ?? "").utf8.count <= IngestEvent.maxTextBytes)
    }
}
