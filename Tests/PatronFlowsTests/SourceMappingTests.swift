import Testing
import Yams

@testable import PatronFlows

/// Positions inside YAML scalars, and durations.
struct SourceMappingTests {
    init() { TestChannels.register() }

    /// The file position of the first `needle` in the value of `key`.
    func position(of needle: String, in yaml: String, key: String = "k") throws -> String {
        let root = try #require(try Yams.compose(yaml: yaml))
        let scalar = try #require(root.mapping?[key]?.scalar)
        let value = Array(scalar.string)
        let offset = try #require(
            (0...(value.count - needle.count)).first { value[$0..<($0 + needle.count)].elementsEqual(needle) })
        let position = ScalarSourceMap(scalar, in: SourceText(yaml)).position(atOffset: offset)
        return "\(position.line):\(position.column)"
    }

    @Test(arguments: [
        ("k: plain @", "1:10"),
        ("k: \"say \\\"hi\\\" @\"", "1:16"),
        ("k: 'it''s @'", "1:11"),
        ("k: \"a\\tb\\u00e9 @\"", "1:16"),
        ("k: plain text\n  folded onto @\n", "2:15"),
        ("k: \"quoted\n  folded \\\n  escaped @\"", "3:11"),
        ("k: |\n  line one\n    indented @\n", "3:14"),
        ("k: >\n  folded one\n  folded @\n\n  after\n", "3:10"),
        ("a: 1\nk:   |-\n      deep @\n", "3:12"),
    ])
    func mapsValueOffsetsToTheFile(_ yaml: String, _ expected: String) throws {
        #expect(try position(of: "@", in: yaml) == expected)
    }

    @Test func countsColumnsInCharacters() throws {
        #expect(try position(of: "@", in: "k: \"é👍🏽 @\"") == "1:8")
    }

    @Test(
        arguments: [
            ("4h", 14_400), ("90m", 5_400), ("1d12h", 129_600), ("2w", 1_209_600), ("30s", 30), ("0d", 0),
            ("1h30m15s", 5_415),
        ] as [(String, Int64)])
    func readsDurations(_ text: String, _ seconds: Int64) {
        #expect(FlowDuration.seconds(text) == seconds)
    }

    @Test(arguments: ["", "4", "h", "4 h", "4hours", "1.5h", "-1d", "4H", "99999999999999999999w"])
    func rejectsDurations(_ text: String) {
        #expect(FlowDuration.seconds(text) == nil)
    }
}
