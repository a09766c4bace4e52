import Foundation
import Testing

/// The shared SMS fixtures: `../shared/fixtures/sms` beside the repo root (never copied in).
enum Fixtures {
    /// The repo root is three levels up from this file (symlinks resolved, so a scratch package
    /// that links this folder finds the same fixtures).
    static let root: URL = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("../shared/fixtures/sms").standardizedFileURL

    /// A fixture's bytes, or nil when the shared folder is absent (a failure with PATRON_REQUIRE_SHARED=1).
    static func data(_ relative: String) -> Data? {
        let url = root.appendingPathComponent(relative)
        if let data = try? Data(contentsOf: url) { return data }
        if ProcessInfo.processInfo.environment["PATRON_REQUIRE_SHARED"] == "1" {
            Issue.record("missing shared fixture \(url.path) (PATRON_REQUIRE_SHARED=1)")
        }
        return nil
    }

    /// A fixture parsed as a JSON object.
    static func object(_ relative: String) -> [String: Any]? {
        data(relative).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
    }

    /// Names of the files in `twilio/` whose names start with one of `prefixes`, sorted.
    static func twilioFiles(_ prefixes: String...) -> [String] {
        let names =
            (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("twilio").path)) ?? []
        return names.filter { name in prefixes.contains { name.hasPrefix($0) } }.sorted()
    }
}

@Suite struct FixtureTests {
    @Test func sharedFixturesAreFound() {
        guard Fixtures.data("segment_test_vectors.twilio-message-segment-calculator.json") != nil else { return }
        #expect(SegmentVector.all.count == 46)
        #expect(Fixtures.twilioFiles("oai_example_", "twilio-python_holodeck_").count == 18)
        #expect(!SignatureCase.all.isEmpty)
    }
}
