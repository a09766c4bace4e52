import PatronCore
import Testing

/// The `feedback.*` segment fields read the latest answer of a kind (a tie in the same second:
/// the higher score), its NPS band, and the number of reviews; a customer without answers has
/// none (null), and zero reviews.
struct FeedbackSegmentFieldTests {
    let customer = CustomerRecord(id: CustomerID(7), createdAt: 0)

    func value(_ name: String, _ answers: [FeedbackResponse]) throws -> SegmentValue? {
        let field = try #require(SegmentCatalogue.fields.first { $0.name == name })
        return SegmentEvaluator.value(of: field, for: customer, feedback: answers)
    }

    func answer(_ kind: SurveyKind, _ score: Int, at: Int64, sku: String? = nil) -> FeedbackResponse {
        FeedbackResponse(
            key: "\(kind):\(at):\(score)", customerID: customer.id, kind: kind, score: score, sku: sku, channel: "link",
            answeredAt: at)
    }

    @Test func theLatestAnswerCounts() throws {
        let answers = [
            answer(.nps, 9, at: 10), answer(.nps, 3, at: 20), answer(.csat, 5, at: 30), answer(.csat, 2, at: 5),
            answer(.review, 4, at: 1, sku: "MUG"), answer(.review, 5, at: 2, sku: "TEA"),
        ]
        #expect(try value("feedback.nps_last", answers) == .integer(3))
        #expect(try value("feedback.nps_class", answers) == .text("detractor"))
        #expect(try value("feedback.csat_last", answers) == .integer(5))
        #expect(try value("feedback.reviews.count", answers) == .integer(2))
        let tie = [answer(.nps, 8, at: 10), answer(.nps, 10, at: 10)]
        #expect(try value("feedback.nps_last", tie) == .integer(10))
        #expect(try value("feedback.nps_class", tie) == .text("promoter"))
        #expect(try value("feedback.nps_class", [answer(.nps, 7, at: 1)]) == .text("passive"))
    }

    @Test func noAnswersIsNullAndNoReviews() throws {
        for name in ["feedback.nps_last", "feedback.nps_class", "feedback.csat_last"] {
            #expect(try value(name, []) == nil, "\(name)")
        }
        #expect(try value("feedback.reviews.count", []) == .integer(0))
    }

    @Test func theFieldsParseAndTypeCheck() throws {
        _ = try SegmentParser.parse(#"feedback.nps_class = "promoter" and feedback.csat_last >= 4"#)
        #expect(throws: SegmentError.self) { try SegmentParser.parse(#"feedback.nps_class = "fan""#) }
        #expect(throws: SegmentError.self) { try SegmentParser.parse(#"feedback.nps_last = "high""#) }
    }
}
