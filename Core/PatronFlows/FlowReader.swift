import Foundation
import PatronCore
import Yams

/// Reads a composed flow file into a ``Flow``, collecting every problem with its place instead
/// of stopping at the first.
struct FlowReader: YAMLFileReader {
    let file: String
    let source: SourceText
    let currencyDigits: Int
    let savedSegment: (String) throws -> String?
    let channels: ChannelRegistry
    var errors: [FlowFileError] = []
    /// The texts of `ticket` steps, checked like templates once the triggers are known.
    var ticketTexts: [TemplateEntry] = []

    init(
        file: String, source: SourceText, currencyDigits: Int, savedSegment: @escaping (String) throws -> String?,
        channels: ChannelRegistry
    ) {
        self.file = file
        self.source = source
        self.currencyDigits = currencyDigits
        self.savedSegment = savedSegment
        self.channels = channels
    }

    static let topLevelKeys = [
        "id", "name", "trigger", "triggers", "audience", "goal", "reentry_cooldown", "holdout", "attribution", "steps",
        "templates",
    ]

    /// The flow, or `nil` when anything was wrong (then ``errors`` says what).
    mutating func read(_ root: Node) -> Flow? {
        guard root.mapping != nil else {
            fail("a flow file is a map with id, name, trigger, steps and templates; found \(root.described)", at: root)
            return nil
        }
        let keys = entries(of: root, allowed: Self.topLevelKeys) { "unknown key '\($0)'" }
        let id = required("id", in: keys, of: root).flatMap { readID($0.value) }
        let name = required("name", in: keys, of: root).flatMap { readName($0.value) }
        let triggers = readTriggers(keys, of: root)
        let audience = keys["audience"].flatMap { $0.value.isNull ? nil : condition($0.value) }
        let goal = keys["goal"].map { readGoal($0.value) } ?? .orderPlaced
        let cooldown = keys["reentry_cooldown"].map { duration($0.value, positive: false) } ?? 30 * 86_400
        let holdout = keys["holdout"].map { readHoldout($0.value) } ?? 0
        let attribution =
            keys["attribution"].map { duration($0.value, positive: false) } ?? Flow.defaultAttributionSeconds
        let templates = keys["templates"].map { readTemplates($0.value) } ?? []
        var sent = Set<String>()
        let steps = required("steps", in: keys, of: root).flatMap {
            readSteps($0.value, templates: templates, sent: &sent)
        }
        // Without steps every template would be unused: that is not news.
        for template in templates where keys["steps"] != nil && !sent.contains(template.name) {
            fail("template '\(template.name)' is never sent", at: template.nameNode)
        }
        let scopes = (triggers ?? []).map { (kind: $0.kind, scope: $0.templateScope) }
        let surveys = Self.surveys(in: steps ?? [])
        for template in templates {
            checkContent(of: template, scopes: scopes, survey: surveys.contains { $0.template == template.name })
        }
        for text in ticketTexts { checkContent(of: text, scopes: scopes, survey: false) }
        if let review = surveys.first(where: { $0.kind == .review }),
            let other = (triggers ?? []).first(where: { $0.templateScope != .order }),
            let stepsNode = keys["steps"]?.value
        {
            fail(
                "a review survey ('\(review.template)') asks about the SKUs of an order: "
                    + "its flow is triggered by order_placed, not \(other.kind)", at: stepsNode)
        }
        guard errors.isEmpty, let id, let name, let triggers, let steps, let goal, let cooldown, let holdout,
            let attribution
        else { return nil }
        return Flow(
            id: id, name: name, triggers: triggers, audience: audience, steps: steps, goal: goal,
            reentryCooldownSeconds: cooldown, holdoutPercent: holdout, attributionSeconds: attribution,
            templates: Dictionary(templates.compactMap { t in t.template.map { (t.name, $0) } }) { first, _ in first })
    }

    /// The survey steps among `steps`, branches included.
    static func surveys(in steps: [FlowStep]) -> [SurveyStep] {
        steps.flatMap { step -> [SurveyStep] in
            switch step {
            case .survey(let survey): [survey]
            case .condition(_, let yes, let no): surveys(in: yes) + surveys(in: no)
            case .send, .ticket, .wait, .exit: []
            }
        }
    }

    // MARK: Top-level values

    private mutating func readID(_ node: Node) -> String? {
        guard let id = text(node, what: "an id like abandoned-cart") else { return nil }
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-")
        guard (1...64).contains(id.count), id.allSatisfy(allowed.contains) else {
            fail("an id is 1 to 64 lowercase letters, digits and '-', found '\(id)'", at: node)
            return nil
        }
        return id
    }

    private mutating func readName(_ node: Node) -> String? {
        guard let name = text(node, what: "the flow's name") else { return nil }
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            fail("the flow's name is empty", at: node)
            return nil
        }
        return name
    }

    private mutating func readGoal(_ node: Node) -> FlowGoal? {
        guard let goal = text(node, what: "a goal (order_placed or none)") else { return nil }
        switch goal {
        case "order_placed": return .orderPlaced
        case "none": return FlowGoal.none
        default:
            fail(Suggestions.unknown("goal", goal, choices: ["order_placed", "none"]), at: node)
            return nil
        }
    }

    private mutating func readHoldout(_ node: Node) -> Int? {
        guard let scalar = node.scalar, !node.isNull else {
            fail("expected a percentage like 10%, found \(node.described)", at: node)
            return nil
        }
        var text = Substring(scalar.string)
        if text.hasSuffix("%") { text = text.dropLast() }
        guard let percent = Int(text.trimmingCharacters(in: .whitespaces)) else {
            fail("expected a percentage like 10%, found \(node.described)", at: node)
            return nil
        }
        guard (0...99).contains(percent) else {
            fail("holdout must be between 0% and 99%, found \(percent)%", at: node)
            return nil
        }
        return percent
    }
}
