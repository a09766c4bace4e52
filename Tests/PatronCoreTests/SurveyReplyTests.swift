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
}
