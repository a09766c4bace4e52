import PatronCore
import Yams

extension FlowReader {
    /// `templates:`, a map from name to `{ channel, subject, body }`.
    mutating func readTemplates(_ node: Node) -> [TemplateEntry] {
        guard let mapping = node.mapping else {
            if !node.isNull { fail("expected a map of templates by name, found \(node.described)", at: node) }
            return []
        }
        return mapping.compactMap { key, value in readTemplate(key, value) }
    }

    private mutating func readTemplate(_ key: Node, _ value: Node) -> TemplateEntry? {
        guard let name = key.scalar?.string, !key.isNull else {
            fail("a template's name must be a plain name, found \(key.described)", at: key)
            return nil
        }
        let context = " in template '\(name)'"
        guard value.mapping != nil else {
            fail("expected a template (a map with channel, subject and body), found \(value.described)", at: value)
            return TemplateEntry(name: name, nameNode: key)
        }
        let keys = entries(of: value, allowed: ["channel", "subject", "body"]) { "unknown key '\($0)'\(context)" }
        var entry = TemplateEntry(name: name, nameNode: key, subject: keys["subject"]?.value, body: keys["body"]?.value)
        let names = channels.channels.map(\.rawValue)
        var descriptor: ChannelDescriptor?
        if let channelNode = required("channel", in: keys, of: key, context: context)?.value,
            let channel = text(channelNode, what: "a channel (\(names.joined(separator: ", ")))")
        {
            descriptor = ConsentChannel(rawValue: channel).flatMap { channels[$0] }
            entry.channel = descriptor?.channel
            if descriptor == nil { fail(Suggestions.unknown("channel", channel, choices: names), at: channelNode) }
        }
        let subject = keys["subject"].flatMap { text($0.value, what: "a subject") }
        switch (descriptor?.hasSubject, keys["subject"]) {
        case (false, let subjectEntry?):
            fail("a message on \(descriptor?.channel.rawValue ?? "") has no subject", at: subjectEntry.key)
        case (true, nil):
            fail(
                "missing key 'subject'\(context) (a message on \(descriptor?.channel.rawValue ?? "") needs one)",
                at: key)
        default: break
        }
        let bodyNode = required("body", in: keys, of: key, context: context)
        let body = bodyNode.flatMap { text($0.value, what: "a body") }
        if let limit = descriptor?.maxBodyLength, let body, !body.contains("{{"), body.count > limit, let bodyNode {
            fail(
                "the body is \(body.count) characters; \(descriptor?.channel.rawValue ?? "") takes at most \(limit)",
                at: bodyNode.value)
        }
        if let descriptor, let body, descriptor.hasSubject ? subject != nil : keys["subject"] == nil {
            entry.template = FlowTemplate(channel: descriptor.channel, subject: subject, body: body)
        }
        return entry
    }

    /// Checks the subject's and the body's tags against the template fields the flow's triggers
    /// provide (and, in a template a survey step sends, the `survey.*` fields).
    mutating func checkContent(of entry: TemplateEntry, scopes: [(kind: String, scope: TemplateScope)], survey: Bool) {
        let checker = TemplateChecker(triggers: scopes, survey: survey)
        for node in [entry.subject, entry.body] {
            guard let scalar = node?.scalar else { continue }
            let issues = checker.check(scalar.string)
            guard !issues.isEmpty else { continue }
            let map = ScalarSourceMap(scalar, in: source)
            for issue in issues { fail(issue.message, at: map.position(atOffset: issue.offset)) }
        }
    }
}
