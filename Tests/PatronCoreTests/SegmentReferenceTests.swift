import Foundation
import PatronCore
import Testing

@Suite struct SegmentReferenceTests {
    init() { TestChannels.register() }

    static let page = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../docs/segments.md").standardizedFileURL

    @Test func theCommittedReferenceIsTheGeneratedOne() throws {
        let committed = try String(contentsOf: Self.page, encoding: .utf8)
        #expect(
            committed == SegmentReference.markdown(channels: TestChannels.linked),
            "docs/segments.md is stale: run `patron fields --format markdown > docs/segments.md`")
    }

    @Test(arguments: SegmentCatalogue.fields.map(\.name))
    func everyFieldIsDocumentedWithAnExampleThatParses(name: String) throws {
        let field = try #require(SegmentCatalogue.field(named: name))
        #expect(SegmentReference.markdown.contains("| `\(name)` |"))
        let parsed = try SegmentParser.parse(field.example)
        #expect("\(parsed)".contains(name))
    }

    @Test func theExamplesOfTheSyntaxSectionParse() throws {
        let page = SegmentReference.markdown
        let block = try #require(page.components(separatedBy: "```").dropFirst().first)
        let examples = block.split(separator: "\n").filter { !$0.isEmpty }
        #expect(examples.count == 3)
        for example in examples {
            _ = try SegmentParser.parse(String(example), savedSegment: { $0 == "vip" ? "orders.total > 1000" : nil })
        }
    }
}
