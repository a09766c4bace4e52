import Foundation
import PatronCore
import Testing

/// The JSON documents the CLI and the API share: typed, complete, and read back as written.
@Suite struct AnalyticsDocumentTests {
    init() { TestChannels.register() }

    static func run() throws -> (RFMRun, RetentionMetrics) {
        let store = InMemoryStore()
        let until = Day(iso: "2025-06-30")!
        try Ingestor(store: store).ingest(try ShopGenerator(options: .init(customers: 120, seed: 2, until: until)))
        let run = try RFMRun.compute(
            store: store, asOf: until, windowDays: nil, configuration: try RFMConfiguration(), currency: .usd)
        return (run, try RetentionMetrics.compute(store: store, asOf: until, periodDays: 365))
    }

    @Test func theRunDocumentReadsBackAndCarriesTheSummary() throws {
        let (run, _) = try Self.run()
        let document = RFMRunDocument(run)
        let text = PatronJSON.encode(document)
        let decoded = try JSONDecoder().decode(RFMRunDocument.self, from: Data(text.utf8))
        #expect(decoded == document)
        #expect(document.summary == RFMSummaryDocument(run))
        #expect(document.scores.count == run.report.customers)
        #expect(text.contains(#""moves":null"#), "no snapshot: moves is null, not missing")
        let atRisk = RFMRunDocument(run, segment: "At Risk")
        #expect(atRisk.scores.allSatisfy { $0.segment == "At Risk" } && !atRisk.scores.isEmpty)
    }

    @Test func unknownValuesAreNullNotMissing() throws {
        let (run, metrics) = try Self.run()
        var summary = RFMSummaryDocument(run)
        summary.currency = nil
        #expect(PatronJSON.encode(summary).contains(#""currency":null"#))
        let json = metrics.json(currency: .usd)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        for key in ["churn_rate", "median_days_between_orders", "cohorts_last_month_partial", "historic_clv"] {
            #expect(object.keys.contains(key), "\(key)")
        }
        #expect(try JSONDecoder().decode(RetentionMetricsDocument.self, from: Data(json.utf8)).buyers == metrics.buyers)
    }
}
