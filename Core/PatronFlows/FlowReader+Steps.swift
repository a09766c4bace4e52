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

    private static let stepNames = ["send", "wait", "if", "exit"]

    private mutating func step(_ node: Node, templates: [TemplateEntry], sent: inout Set<String>) -> FlowStep? {
        if let scalar = node.scalar, !node.isNull {
            if scalar.string == "exit" { return .exit }
            fail(unknownStep(scalar.string), at: node)
            return nil
        }
        guard let mapping = node.mapping, let first = mapping.first?.key.scalar?.string else {
            fail("expected a step (send, wait, if or exit), found \(node.described)", at: node)
            return nil
        }
        if mapping["if"] != nil || mapping["then"] != nil || mapping["else"] != nil {
            return conditionStep(node, templates: templates, sent: &sent)
        }
        switch first {
        case "send":
            let keys = entries(of: node, allowed: ["send"]) { "unknown key '\($0)' in a send step" }
            guard let entry = keys["send"], let name = text(entry.value, what: "a template's name") else { return nil }
            sent.insert(name)
            guard let template = templates.first(where: { $0.name == name }) else {
                let hint = Suggestions.closest(to: name, in: templates.map(\.name)).map { " — did you mean '\($0)'?" }
                fail("no template named '\(name)'\(hint ?? "")", at: entry.value)
                return nil
            }
            guard let channel = template.channel else { return nil }
            return .send(channel: channel, template: name)
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

    private func unknownStep(_ name: String) -> String {
        if let suggestion = Suggestions.closest(to: name, in: Self.stepNames) {
            return "unknown step '\(name)' — did you mean '\(suggestion)'?"
        }
        return "expected a step (send, wait, if or exit), found '\(name)'"
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
