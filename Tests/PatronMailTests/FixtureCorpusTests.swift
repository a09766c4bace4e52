import Foundation
import Testing

@testable import PatronMail

@Suite("Fixture corpus")
struct FixtureCorpusTests {
    init() { TestChannels.register() }

    @Test("the corpus is found next to the repository")
    func corpusIsPresent() {
        #expect(Fixtures.allFiles.count >= 48, "fixtures expected under \(Fixtures.root.path)")
    }

    @Test("every fixture has expected facts and every expectation has a fixture")
    func tableMatchesCorpus() {
        #expect(Set(FixtureExpectations.table.keys) == Set(Fixtures.allFiles))
    }

    @Test("each fixture parses to its expected facts", arguments: Fixtures.allFiles)
    func fixture(_ file: String) throws {
        let facts = try #require(FixtureExpectations.table[file], "no expected facts for \(file)")
        let messages = Fixtures.messages(in: file)
        #expect(messages.count == facts.count, "message count of \(file)")
        for (index, (message, fact)) in zip(messages, facts).enumerated() {
            fact.verify(message, facts.count > 1 ? "\(file) #\(index + 1)" : file)
        }
    }

    @Test("LF and CRLF copies of a message parse the same")
    func lineEndingsDoNotMatter() {
        let lf = Fixtures.message("bounces/sisimai__lhost-postfix-01.eml")
        let crlf = Fixtures.message("bounces/sisimai__lhost-postfix-01.CRLF.eml")
        #expect(lf.bodyText == crlf.bodyText)
        #expect(lf.deliveryStatus == crlf.deliveryStatus)
        #expect(lf.headers.map(\.rawValue) == crlf.headers.map(\.rawValue))
    }

    @Test("no ordinary message is taken for an automated one")
    func ordinaryMailIsNotAutomated() {
        let ordinary = Fixtures.allFiles.filter {
            $0.hasPrefix("threads/") || $0.hasPrefix("charsets/") || $0.hasPrefix("mime/")
                || $0.hasPrefix("attachments/")
        }
        #expect(ordinary.count >= 24)
        for file in ordinary {
            #expect(!Fixtures.message(file).isAutomated, "\(file) flagged as automated")
        }
    }

    @Test("every auto-reply fixture is detected")
    func autoRepliesAreDetected() {
        for file in Fixtures.allFiles where file.hasPrefix("auto-replies/") {
            let message = Fixtures.message(file)
            #expect(message.isAutoReply, "\(file) not detected")
            #expect(message.deliveryStatus == nil, "\(file) taken for a bounce")
        }
    }
}
