/// One `{{…}}` tag of a Mustache template, as the checker reads it.
struct TemplateTag: Hashable {
    enum Kind: Hashable {
        /// `{{name}}`, `{{{name}}}`, `{{&name}}`.
        case variable
        /// `{{#name}}`.
        case section
        /// `{{^name}}`.
        case invertedSection
        /// `{{/name}}`.
        case close
        /// `{{!…}}`.
        case comment
        /// `{{>name}}`; `{{<name}}…{{/name}}` (a parent, which opens a section).
        case partial(opensSection: Bool)
        /// `{{$name}}…{{/name}}`.
        case block
        /// `{{=<% %>=}}`.
        case delimiters
        /// `{{%PRAGMA}}`.
        case pragma
    }

    var kind: Kind
    /// The name inside, trimmed.
    var name: String
    /// Offset of `{{` in the template's characters.
    var offset: Int

    /// The tags of `text` in order, stopping at a tag without its end (then `unclosedAt` is its
    /// offset) or after a change of delimiters (nothing after it can be read as `{{…}}`).
    static func scan(_ text: [Character]) -> (tags: [TemplateTag], unclosedAt: Int?) {
        var tags: [TemplateTag] = []
        var index = 0
        while let open = find(["{", "{"], in: text, from: index) {
            var contentStart = open + 2
            var closing: [Character] = ["}", "}"]
            var kind = Kind.variable
            switch contentStart < text.count ? text[contentStart] : " " {
            case "{": closing = ["}", "}", "}"]
            case "&": break
            case "#": kind = .section
            case "^": kind = .invertedSection
            case "/": kind = .close
            case "!": kind = .comment
            case ">": kind = .partial(opensSection: false)
            case "<": kind = .partial(opensSection: true)
            case "$": kind = .block
            case "=":
                kind = .delimiters
                closing = ["=", "}", "}"]
            case "%": kind = .pragma
            default: contentStart -= 1
            }
            contentStart += 1
            guard let close = find(closing, in: text, from: contentStart) else { return (tags, open) }
            let name = String(text[contentStart..<close]).trimmingWhitespace()
            tags.append(TemplateTag(kind: kind, name: name, offset: open))
            if kind == .delimiters { break }
            index = close + closing.count
        }
        return (tags, nil)
    }

    private static func find(_ needle: [Character], in text: [Character], from start: Int) -> Int? {
        guard needle.count <= text.count else { return nil }
        var index = start
        while index + needle.count <= text.count {
            if text[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}

extension String {
    func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
