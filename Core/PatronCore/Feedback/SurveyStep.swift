import Foundation

/// A flow step that asks: it sends a template like `send`, and the message is a survey of
/// ``kind`` its customer answers by the signed link it carries (``SurveyToken``) or, on SMS, by
/// replying with a bare score. A review survey asks about each SKU of the run's order the
/// customer has not reviewed yet.
public struct SurveyStep: Hashable, Sendable {
    public var kind: SurveyKind
    /// The channel of ``template``.
    public var channel: ConsentChannel
    /// The template sent (its fields include `survey.*`).
    public var template: String
    /// The optional follow-up question the answer page asks once the score is in.
    public var question: String?
    /// How long the links and replies are taken after the message is planned.
    public var validSeconds: Int64

    /// Answers are taken for 30 days unless the step says otherwise.
    public static let defaultValidSeconds: Int64 = 30 * 86_400

    public init(
        kind: SurveyKind, channel: ConsentChannel, template: String, question: String? = nil,
        validSeconds: Int64 = SurveyStep.defaultValidSeconds
    ) {
        self.kind = kind
        self.channel = channel
        self.template = template
        self.question = question
        self.validSeconds = validSeconds
    }
}
