import Mustache
import PatronCore

/// Checks a message template without rendering it: every tag must be well formed, name a
/// ``TemplateField`` (or, inside a section over a list, one of its items' fields) that the flow's
/// triggers all provide, and nothing beyond what ``MustacheRenderer`` supports may be used.
/// Inverted sections and branches a customer may never see are checked all the same.
struct TemplateChecker {
    /// A problem at a character offset of the template.
    struct Issue: Hashable {
        var offset: Int
        var message: String
    }

    /// The flow's triggers: by name for messages, and the scope each provides.
    var triggers: [(kind: String, scope: TemplateScope)]
    /// Whether a survey step sends the template (the `survey.*` fields are there).
    var survey = false

    private struct OpenSection {
        var name: String
        var itemFields: [String]
        var offset: Int
    }

    private static let nameCharacters = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-_?*")

    /// Every problem of `text`, in order.
    func check(_ text: String) -> [Issue] {
        let characters = Array(text)
        let (tags, unclosedAt) = TemplateTag.scan(characters)
        var issues: [Issue] = []
        var malformed = false
        var stack: [OpenSection] = []
        for tag in tags {
            func report(_ message: String, syntax: Bool = false) {
                issues.append(Issue(offset: tag.offset, message: message))
                malformed = malformed || syntax
            }
            switch tag.kind {
            case .comment: continue
            case .partial(let opensSection):
                report("partials are not supported ('\(tag.name)')")
                if opensSection { stack.append(OpenSection(name: tag.name, itemFields: [], offset: tag.offset)) }
            case .block:
                report("blocks are not supported ('\(tag.name)')")
                stack.append(OpenSection(name: tag.name, itemFields: [], offset: tag.offset))
            case .delimiters: report("changing the delimiters is not supported", syntax: true)
            case .pragma: report("pragmas are not supported ('\(tag.name)')")
            case .close:
                if stack.last?.name == tag.name {
                    stack.removeLast()
                } else if let open = stack.lastIndex(where: { $0.name == tag.name }) {
                    report(
                        "'{{/\(tag.name)}}' closes a section while '{{#\(stack[stack.count - 1].name)}}' is still open",
                        syntax: true)
                    stack.removeSubrange(open...)
                } else {
                    report("'{{/\(tag.name)}}' closes no open section", syntax: true)
                }
            case .variable, .section, .invertedSection:
                let (itemFields, problem) = resolve(tag.name, in: stack, asSection: tag.kind != .variable)
                if let problem { report(problem.message, syntax: problem.isSyntax) }
                if tag.kind != .variable {
                    stack.append(OpenSection(name: tag.name, itemFields: itemFields, offset: tag.offset))
                }
            }
        }
        if let unclosedAt {
            issues.append(Issue(offset: unclosedAt, message: "'{{' without its closing '}}'"))
            malformed = true
        } else {
            for open in stack.reversed() {
                issues.append(Issue(offset: open.offset, message: "section '{{#\(open.name)}}' is never closed"))
                malformed = true
            }
        }
        if !malformed, let problem = Self.parserProblem(text, characters) { issues.append(problem) }
        return issues.sorted { ($0.offset, $0.message) < ($1.offset, $1.message) }
    }

    private struct Problem {
        var message: String
        var isSyntax = false
    }

    /// The item fields a section over `name` provides (also when it is out of scope, so its
    /// items are not reported again), and why `name` cannot be used here, if it cannot.
    private func resolve(_ name: String, in stack: [OpenSection], asSection: Bool) -> ([String], Problem?) {
        guard !name.isEmpty else { return ([], Problem(message: "empty tag", isSyntax: true)) }
        if name.contains("(") {
            return ([], Problem(message: "transforms like '\(name)' are not supported", isSyntax: true))
        }
        guard name.allSatisfy(Self.nameCharacters.contains) else {
            return ([], Problem(message: "'\(name)' is not a valid tag name", isSyntax: true))
        }
        if name == "." {
            return ([], stack.isEmpty ? Problem(message: "'{{.}}' is only meaningful inside a section") : nil)
        }
        let itemFields = stack.flatMap(\.itemFields)
        if itemFields.contains(name.hasPrefix(".") ? String(name.dropFirst()) : name) { return ([], nil) }
        guard let field = TemplateField.named(name) else {
            let candidates = TemplateField.catalogue.map(\.name) + itemFields
            let hint = Suggestions.closest(to: name, in: candidates).map { " — did you mean '\($0)'?" } ?? ""
            return ([], Problem(message: "unknown template field '\(name)'\(hint)"))
        }
        if field.scope == .survey {
            if !survey {
                return (
                    field.itemFields, Problem(message: "'\(name)' is only available in a template a survey step sends")
                )
            }
        } else if let trigger = triggers.first(where: { !field.isAvailable(in: $0.scope) }) {
            return (
                field.itemFields, Problem(message: "'\(name)' is not available in a flow triggered by \(trigger.kind)")
            )
        }
        if !asSection, !field.itemFields.isEmpty {
            return ([], Problem(message: "'\(name)' is a list: go through it with {{#\(name)}}…{{/\(name)}}"))
        }
        return (field.itemFields, nil)
    }

    /// What swift-mustache's own parser rejects that the scan above let through.
    private static func parserProblem(_ text: String, _ characters: [Character]) -> Issue? {
        do {
            _ = try MustacheTemplate(string: text)
            return nil
        } catch let error as MustacheTemplate.ParserError {
            var offset = 0
            var line = 1
            while line < error.context.lineNumber, offset < characters.count {
                if characters[offset].isNewline { line += 1 }
                offset += 1
            }
            return Issue(
                offset: offset + error.context.columnNumber - 1,
                message: "template syntax error: \(TemplateSyntaxError.explain(error.error))")
        } catch {
            return Issue(offset: 0, message: "template syntax error: \(error)")
        }
    }
}
