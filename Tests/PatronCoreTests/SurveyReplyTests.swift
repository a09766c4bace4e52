import PatronCore
import Testing

/// A reply to a survey message is a score only when the whole reply is one; nothing else is
/// guessed at.
struct SurveyReplyTests {
    @Test(arguments: [
        ("9", 9), (" 10 ", 10), ("0", 0), ("9!", 9), ("8.", 8), ("8/10", 8), ("8 / 10", 8), ("4/5", 4),
        ("5 stars", 5), ("1 star", 1), ("5 Stars!", 5), ("7 out of 10", 7), ("3 of 5", 3), ("\n6\n", 6),
    ])
    func bareScoresAreRead(_ text: String, _ score: Int) {
        #expect(SurveyReply.score(in: text) == score)
    }

    @Test(arguments: [
        "", "STOP", "nine", "9 but slow", "I'd say 9", "9 10", "100", "-1", "9.5", "٩", "1 star please", "5 start",
        "9/", "+9", "0x9",
    ])
    func anythingElseIsNotAScore(_ text: String) {
        #expect(SurveyReply.score(in: text) == nil, "\(text)")
    }

    /// A reply on another survey's scale, or out of its range, answers nothing.
    @Test func theScaleMustBeTheSurveys() {
        #expect(SurveyReply.score(in: "8/10", for: .nps) == 8 && SurveyReply.score(in: "8", for: .nps) == 8)
        #expect(SurveyReply.score(in: "3/5", for: .nps) == nil && SurveyReply.score(in: "5 stars", for: .nps) == nil)
        #expect(SurveyReply.score(in: "4 stars", for: .csat) == 4 && SurveyReply.score(in: "4", for: .csat) == 4)
        #expect(SurveyReply.score(in: "5/10", for: .csat) == nil && SurveyReply.score(in: "9", for: .csat) == nil)
    }
}

/// An email reply counts only by its own lines, above what it quotes.
struct SurveyMailReplyTests {
    @Test(arguments: [
        ("9", 9), ("9\n", 9), ("\n  10 \n\nOn Mon, 5 Jan 2026, Shop <s@x.com> wrote:\n> How likely?\n> 0 … 10", 10),
        ("7\n-- \nAnn Dee\nSent from my phone", 7), ("8\n-----Original Message-----\nFrom: shop", 8),
        ("5 stars\n> Rate your order", 5),
    ])
    func theReplyAboveTheQuoteIsTheScore(_ body: String, _ score: Int) {
        #expect(SurveyReply.score(inMail: body) == score)
    }

    @Test(arguments: [
        "", "9\nthe parcel was late", "Thanks!\n9", "> 9", "On Mon, Shop wrote:\n9", "nine\n> 9",
    ])
    func anythingElseIsNotAScore(_ body: String) {
        #expect(SurveyReply.score(inMail: body) == nil, "\(body)")
    }
}
