import PatronCore
import Yams

extension FlowReader {
    /// A list of steps; `allowEmpty` for the branches of an `if` (the flow's own list needs a
    /// step). `sent` collects the templates the steps send.
    mutating func readSteps(
        _ node: Node, templates: [TemplateEntry], sent: inout Set<String>, allowEmpty: Bool = false
    ) -> [FlowStep]? {
        guard let list = node.sequence ?? (node.isNull ? [] : nil) else {
            fail("expected a list of steps, found \(node.described)", at: node)
            return nil
        }
        if list.isEmpty, !allowEmpty {
            fail("a flow needs at least one step", at: node)
            return nil
        }
        var steps: [FlowStep] = []
        var complete = true
        for (index, stepNode) in list.enumerated() {
            if index > 0, list[index - 1].scalar?.string == "exit" {
                fail("steps after exit are unreachable", at: stepNode)
                complete = false
            }
            if let step = step(stepNode, templates: templates, sent: &sent) {
                steps.append(step)
            } else {
                complete = false
            }
        }
        return complete ? steps : nil
    }

    private static let stepNames = ["send", "survey", "ticket", "wait", "if", "exit"]

    private mutating func step(_ node: Node, templates: [TemplateEntry], sent: inout Set<String>) -> FlowStep? {
        if let scalar = node.scalar, !node.isNull {
            if scalar.string == "exit" { return .exit }
            fail(unknownStep(scalar.string), at: node)
            return nil
        }
        guard let mapping = node.mapping, let first = mapping.first?.key.scalar?.string else {
            fail("expected a step (send, survey, ticket, wait, if or exit), found \(node.described)", at: node)
            return nil
        }
        if mapping["if"] != nil || mapping["then"] != nil || mapping["else"] != nil {
            return conditionStep(node, templates: templates, sent: &sent)
        }
        switch first {
        case "send":
            let keys = entries(of: node, allowed: ["send"]) { "unknown key '\($0)' in a send step" }
            guard let entry = keys["send"], let (name, channel) = sentTemplate(entry.value, templates, &sent) else {
                return nil
            }
            return .send(channel: channel, template: name)
        case "survey":
            return surveyStep(node, templates: templates, sent: &sent)
        case "ticket":
            return ticketStep(node)
        case "wait":
            let keys = entries(of: node, allowed: ["wait"]) { "unknown key '\($0)' in a wait step" }
            return keys["wait"].flatMap { duration($0.value, positive: true) }.map { .wait(seconds: $0) }
        case "exit":
            fail("exit is a plain step: write '- exit'", at: node)
            return nil
        default:
            fail(unknownStep(first), at: mapping.first?.key ?? node)
            return nil
        }
    }

    /// The template a `send` names, and its channel.
    private mutating func sentTemplate(_ node: Node, _ templates: [TemplateEntry], _ sent: inout Set<String>) -> (
        String, ConsentChannel
    )? {
        guard let name = text(node, what: "a template's name") else { return nil }
        sent.insert(name)
        guard let template = templates.first(where: { $0.name == name }) else {
            let hint = Suggestions.closest(to: name, in: templates.map(\.name)).map { " — did you mean '\($0)'?" }
            fail("no template named '\(name)'\(hint ?? "")", at: node)
            return nil
        }
        return template.channel.map { (name, $0) }
    }

    /// `survey: { kind: nps|csat|review, send: TEMPLATE, question: TEXT, valid_for: 30d }`.
    private mutating func surveyStep(_ node: Node, templates: [TemplateEntry], sent: inout Set<String>) -> FlowStep? {
        guard let body = node.mapping?["survey"] else { return nil }
        let context = " in a survey step"
        if node.mapping?.count ?? 0 > 1, let extra = node.mapping?.first(where: { $0.key.scalar?.string != "survey" }) {
            fail(
                "unknown key '\(extra.key.scalar?.string ?? "")' next to 'survey' (indent it under survey)",
                at: extra.key)
        }
        let keys = entries(of: body, allowed: ["kind", "send", "question", "valid_for"]) {
            "unknown key '\($0)'\(context)"
        }
        var kind: SurveyKind?
        if let entry = required("kind", in: keys, of: body, context: context),
            let name = text(entry.value, what: "a survey kind (nps, csat, review)")
        {
            kind = SurveyKind(rawValue: name)
            if kind == nil {
                fail(
                    Suggestions.unknown("survey kind", name, choices: SurveyKind.allCases.map(\.rawValue)),
                    at: entry.value)
            }
        }
        let message = required("send", in: keys, of: body, context: context).flatMap {
            sentTemplate($0.value, templates, &sent)
        }
        let question = keys["question"].flatMap { text($0.value, what: "a follow-up question") }
        let valid = keys["valid_for"].map { duration($0.value, positive: true) } ?? SurveyStep.defaultValidSeconds
        guard let kind, let message, let valid, keys["question"] == nil || question != nil else { return nil }
        return .survey(
            SurveyStep(
                kind: kind, channel: message.1, template: message.0, question: question, validSeconds: valid))
    }

    /// `ticket: { subject: TEMPLATE, body: TEMPLATE }`: both checked like a message's.
    private mutating func ticketStep(_ node: Node) -> FlowStep? {
        let keys = entries(of: node, allowed: ["ticket"]) {
            "unknown key '\($0)' next to 'ticket' (indent it under ticket)"
        }
        guard let body = keys["ticket"]?.value else { return nil }
        let context = " in a ticket step"
        let fields = entries(of: body, allowed: ["subject", "body"]) { "unknown key '\($0)'\(context)" }
        let subject = required("subject", in: fields, of: body, context: context).flatMap {
            text($0.value, what: "a subject")
        }
        let note = required("body", in: fields, of: body, context: context).flatMap { text($0.value, what: "a body") }
        ticketTexts.append(
            TemplateEntry(
                name: "ticket", nameNode: body, subject: fields["subject"]?.value, body: fields["body"]?.value))
        guard let subject, let note else { return nil }
        return .ticket(FlowTicket(subject: subject, body: note))
    }

    private func unknownStep(_ name: String) -> String {
        if let suggestion = Suggestions.closest(to: name, in: Self.stepNames) {
            return "unknown step '\(name)' — did you mean '\(suggestion)'?"
        }
        return "expected a step (send, survey, ticket, wait, if or exit), found '\(name)'"
    }

    /// `if: EXPRESSION`, `then: [steps]`, optionally `else: [steps]`.
    private mutating func conditionStep(_ node: Node, templates: [TemplateEntry], sent: inout Set<String>)
        -> FlowStep?
    {
        let keys = entries(of: node, allowed: ["if", "then", "else"]) { "unknown key '\($0)' in an if step" }
        var test: FlowCondition?
        if let entry = required("if", in: keys, of: node, context: " before 'then'") { test = condition(entry.value) }
        var yes: [FlowStep]?
        if let entry = required("then", in: keys, of: node, context: " after 'if'") {
            yes = readSteps(entry.value, templates: templates, sent: &sent, allowEmpty: true)
        }
        var no: [FlowStep]? = []
        if let entry = keys["else"] { no = readSteps(entry.value, templates: templates, sent: &sent, allowEmpty: true) }
        guard let test, let yes, let no else { return nil }
        return .condition(test, yes: yes, no: no)
    }

    /// A segment expression; an error in it is placed where it is in the file.
    mutating func condition(_ node: Node) -> FlowCondition? {
        guard let scalar = node.scalar, !node.isNull else {
            fail("expected a segment expression, found \(node.described)", at: node)
            return nil
        }
        do {
            let expression = try SegmentParser.parse(
                scalar.string, currencyDigits: currencyDigits, savedSegment: savedSegment)
            return FlowCondition(source: scalar.string, expression: expression)
        } catch {
            let map = ScalarSourceMap(scalar, in: source)
            fail(error.message, at: map.position(line: error.position.line, column: error.position.column))
            return nil
        }
    }
}
