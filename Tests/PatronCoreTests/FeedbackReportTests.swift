import Foundation
import PatronCore
import Testing

/// The figures of feedback reports on worked examples: NPS bands and rounding (negative too),
/// CSAT to one decimal, averages, groups by month, flow and SKU; and where answers show up (the
/// timeline, the data-request document).
struct FeedbackReportTests {
    static func response(
        _ key: String, _ kind: SurveyKind, _ score: Int, day: String = "2026-03-05", flow: String? = nil,
        sku: String? = nil, text: String? = nil
    ) -> FeedbackResponse {
        FeedbackResponse(
            key: key, customerID: CustomerID(1), kind: kind, score: score, text: text, sku: sku, flowID: flow,
            channel: "link", answeredAt: Day(iso: day)!.epochSeconds + 3_600)
    }

    @Test(arguments: [
        (0, NPSClass.detractor), (6, .detractor), (7, .passive), (8, .passive), (9, .promoter), (10, .promoter),
    ])
    func npsBands(_ score: Int, _ band: NPSClass) { #expect(NPSClass(score: score) == band) }

    @Test func npsIsPromotersLessDetractorsRounded() {
        var summary = FeedbackSummary(group: "all")
        #expect(summary.nps == nil && summary.csat == nil && summary.average == nil)
        // 1 promoter, 0 passives, 2 detractors of 3: (1 − 2) / 3 = −33.3 → −33.
        for (index, score) in [10, 3, 6].enumerated() { summary.add(Self.response("k\(index)", .nps, score)) }
        #expect(summary.nps == -33 && summary.average == 6.33)
        // Two more promoters: (3 − 2) / 5 = 20.
        for (index, score) in [9, 9].enumerated() { summary.add(Self.response("m\(index)", .nps, score)) }
        #expect(summary.nps == 20)
    }

    @Test func csatIsTheShareOfFoursAndFives() {
        var summary = FeedbackSummary(group: "all")
        for (index, score) in [5, 4, 3].enumerated() { summary.add(Self.response("k\(index)", .csat, score)) }
        #expect(summary.csat == 66.7 && summary.satisfied == 2 && summary.average == 4)
    }

    @Test func groupsByMonthFlowAndSKU() throws {
        let store = InMemoryStore()
        try Ingestor(store: store).ingest([
            IngestEvent(
                id: "c", source: "shop", occurredAt: 1,
                kind: .customerUpserted(
                    CustomerUpsert(identity: CustomerIdentity(refs: [ExternalRef(source: "", id: "1")]))))
        ])
        let id = try #require(try store.read { try $0.customerID(ref: ExternalRef(source: "shop", id: "1")) })
        try store.write { t in
            for response in [
                Self.response("a", .review, 5, day: "2026-03-05", flow: "reviews", sku: "MUG"),
                Self.response("b", .review, 2, day: "2026-03-20", sku: "MUG"),
                Self.response("c", .review, 4, day: "2026-04-02", flow: "reviews", sku: "TEA"),
            ] {
                var mine = response
                mine.customerID = id
                try t.saveFeedbackResponse(mine)
            }
        }
        let all = (Int64.min, Int64.max)
        let byMonth = try FeedbackDesk.report(store, kind: .review, from: all.0, to: all.1, by: .month)
        #expect(byMonth.groups.map(\.group) == ["2026-03", "2026-04"] && byMonth.groups.map(\.responses) == [2, 1])
        #expect(byMonth.groups.map(\.average) == [3.5, 4] && byMonth.total.average == 3.67)
        let byFlow = try FeedbackDesk.report(store, kind: .review, from: all.0, to: all.1, by: .flow)
        #expect(byFlow.groups.map(\.group) == ["(none)", "reviews"])
        let bySKU = try FeedbackDesk.report(store, kind: .review, from: all.0, to: all.1, by: .sku)
        #expect(bySKU.groups.map(\.group) == ["MUG", "TEA"] && bySKU.groups.map(\.satisfied) == [1, 1])
        let april = try FeedbackDesk.report(
            store, kind: .review, from: Day(iso: "2026-04-01")!.epochSeconds, to: all.1)
        #expect(april.total.responses == 1 && april.groups.isEmpty)
    }

    @Test func answersAreInTheTimelineAndTheDataRequest() throws {
        let customer = CustomerRecord(id: CustomerID(1), createdAt: 0)
        let nps = Self.response("message:9", .nps, 9, text: "fast delivery")
        let review = Self.response("review:1:MUG", .review, 4, day: "2026-03-06", sku: "MUG")
        let timeline = CustomerTimeline.build(
            customer: customer, orders: [], carts: [], tickets: [], transitions: [], feedback: [nps, review])
        #expect(
            timeline.filter { $0.kind.hasPrefix("feedback.") }.map(\.summary) == [
                "NPS answer 9 of 10 (link)", "review answer 4 of 5 for MUG (link)",
            ])
        let document = CustomerDataExport.json(
            customer: customer, orders: [], carts: [], tickets: [], feedback: [nps], now: 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String: Any])
        let answers = try #require(object["feedback"] as? [[String: Any]])
        #expect(answers.first?["score"] as? Int == 9 && answers.first?["text"] as? String == "fast delivery")
    }
}
