/// A forgiving RFC 5322 address-list parser (§3.4 plus the obsolete forms seen in practice).
enum MailAddressParser {
    /// One mailbox being read: the words before `<`, the text inside `<>`, and any comments.
    private struct Mailbox {
        var phrase = ""
        var angle: String?
        var comments: [String] = []

        var isEmpty: Bool { phrase.allSatisfy(\.isWhitespace) && angle == nil }
    }

    static func parse(_ value: String) -> [MailAddress] {
        let characters = Array(value)
        var addresses: [MailAddress] = []
        var current = Mailbox()
        var i = 0

        func finish() {
            if let address = makeAddress(current) { addresses.append(address) }
            current = Mailbox()
        }

        while i < characters.count {
            let character = characters[i]
            switch character {
            case "\"":
                let (text, next) = readQuoted(characters, from: i + 1)
                current.phrase += "\"" + text + "\""
                i = next
                continue
            case "(":
                let (text, next) = readComment(characters, from: i + 1)
                current.comments.append(text)
                current.phrase += " "
                i = next
                continue
            case "<":
                var j = i + 1
                var inner = ""
                while j < characters.count, characters[j] != ">" {
                    if characters[j] == "(" {  // comments may sit inside the address too
                        j = readComment(characters, from: j + 1).1
                        continue
                    }
                    inner.append(characters[j])
                    j += 1
                }
                current.angle = inner
                i = j + 1
                continue
            case ",":
                finish()
            case ";":
                finish()
            case ":":
                // A group name ("Team: a@x, b@y;") unless this is inside an address.
                if current.angle == nil, !current.phrase.contains("@" as Character) {
                    current = Mailbox()
                } else {
                    current.phrase.append(character)
                }
            default:
                current.phrase.append(character)
            }
            i += 1
        }
        finish()
        return addresses
    }

    private static func makeAddress(_ mailbox: Mailbox) -> MailAddress? {
        guard !mailbox.isEmpty else { return nil }
        let commentName = mailbox.comments.last.map(collapse).flatMap { $0.isEmpty ? nil : $0 }
        if let angle = mailbox.angle {
            var spec = angle.filter { !$0.isWhitespace }
            if spec.hasPrefix("@"), let colon = spec.lastIndex(of: ":") {  // obsolete source route
                spec = String(spec[spec.index(after: colon)...])
            }
            guard !spec.isEmpty else { return nil }
            let name = displayName(mailbox.phrase)
            return MailAddress(name: name.isEmpty ? commentName : name, address: unquoteLocalPart(spec))
        }
        let words = mailbox.phrase.split(whereSeparator: \.isWhitespace)
        guard !words.isEmpty else { return nil }
        if words.count > 1, let addressWord = words.last(where: { $0.contains("@" as Character) }),
            !mailbox.phrase.contains("\"" as Character)
        {
            // "John Doe jdoe@example.com": a name followed by a bare address.
            let name = words.filter { $0 != addressWord }.joined(separator: " ")
            return MailAddress(name: displayName(name), address: String(addressWord))
        }
        let spec = words.joined()
        return MailAddress(name: commentName, address: unquoteLocalPart(spec))
    }

    /// Unquotes quoted strings, decodes encoded words and collapses whitespace.
    private static func displayName(_ phrase: String) -> String {
        var unquoted = ""
        var inQuotes = false
        var escaped = false
        for character in phrase {
            if escaped {
                unquoted.append(character)
                escaped = false
            } else if character == "\\" && inQuotes {
                escaped = true
            } else if character == "\"" {
                inQuotes.toggle()
            } else {
                unquoted.append(character)
            }
        }
        return collapse(EncodedWordDecoder.decode(unquoted).text)
    }

    /// `"john.doe"@example.com` → `john.doe@example.com` when the quotes are not needed.
    private static func unquoteLocalPart(_ spec: String) -> String {
        guard spec.hasPrefix("\""), let at = spec.lastIndex(of: "@") else { return spec }
        let local = spec[..<at]
        guard local.count >= 2, local.hasSuffix("\"") else { return spec }
        let inner = local.dropFirst().dropLast()
        guard !inner.contains(where: { $0.isWhitespace || $0 == "\"" || $0 == "\\" }) else { return spec }
        return String(inner) + spec[at...]
    }

    private static func collapse(_ text: String) -> String {
        text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    private static func readQuoted(_ characters: [Character], from start: Int) -> (String, Int) {
        var text = ""
        var i = start
        while i < characters.count {
            let character = characters[i]
            if character == "\\", i + 1 < characters.count {
                text.append("\\")
                text.append(characters[i + 1])
                i += 2
                continue
            }
            if character == "\"" { return (text, i + 1) }
            text.append(character)
            i += 1
        }
        return (text, i)
    }

    private static func readComment(_ characters: [Character], from start: Int) -> (String, Int) {
        var text = ""
        var depth = 1
        var i = start
        while i < characters.count {
            let character = characters[i]
            if character == "\\", i + 1 < characters.count {
                text.append(characters[i + 1])
                i += 2
                continue
            }
            if character == "(" {
                depth += 1
            } else if character == ")" {
                depth -= 1
                if depth == 0 { return (text, i + 1) }
            }
            text.append(character)
            i += 1
        }
        return (text, i)
    }
}
