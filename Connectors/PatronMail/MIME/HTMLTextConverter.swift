/// Turns an HTML body into readable plain text for previews, search and ticket bodies.
///
/// `script`, `style`, `head` and comments are dropped, block elements and `<br>` become line
/// breaks, entities (named and numeric) are decoded, and whitespace is collapsed except inside
/// `<pre>`. It is not a full HTML parser: it aims at mail bodies, not at arbitrary documents.
/// It works on UTF-8 bytes, so large bodies convert quickly.
enum HTMLTextConverter {
    private static let skippedElements: Set<String> = ["script", "style", "head", "title", "template", "noscript"]
    private static let paragraphElements: Set<String> = [
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "pre",
    ]
    private static let blockElements: Set<String> = [
        "div", "tr", "ul", "ol", "li", "hr", "section", "article", "header", "footer", "nav", "aside", "dl",
        "dt", "dd", "form", "fieldset", "address", "center", "body", "html", "tbody", "thead", "tfoot",
        "caption", "figure", "main", "details", "summary",
    ]

    private static let lessThan = UInt8(ascii: "<")
    private static let greaterThan = UInt8(ascii: ">")
    private static let ampersand = UInt8(ascii: "&")
    private static let slash = UInt8(ascii: "/")

    static func text(fromHTML html: String) -> String {
        let input = Array(html.utf8)
        var builder = TextBuilder(capacity: input.count)
        var i = 0
        while i < input.count {
            let byte = input[i]
            if byte == lessThan {
                i = consumeMarkup(input, at: i, into: &builder)
            } else if byte == ampersand {
                let (decoded, next) = HTMLEntities.decode(input, at: i)
                builder.append(decoded)
                i = next
            } else {
                builder.append(byte)
                i += 1
            }
        }
        return builder.result()
    }

    /// Handles the tag, comment or declaration starting at `start`; returns the index after it.
    private static func consumeMarkup(_ input: [UInt8], at start: Int, into builder: inout TextBuilder) -> Int {
        let count = input.count
        if matches(input, at: start, Array("<!--".utf8)) {
            return index(after: Array("-->".utf8), in: input, from: start + 4) ?? count
        }
        var j = start + 1
        let isClosing = j < count && input[j] == slash
        if isClosing { j += 1 }
        guard j < count, isLetter(input[j]) || input[j] == UInt8(ascii: "!") || input[j] == UInt8(ascii: "?") else {
            builder.append(lessThan)  // a lone "<" in text
            return start + 1
        }
        let nameStart = j
        while j < count, isLetter(input[j]) || (input[j] >= 0x30 && input[j] <= 0x39) { j += 1 }
        // Tag names are short ASCII, so this stays a small (unallocated) string.
        let rawName = input[nameStart..<j]
        let name =
            rawName.contains(where: { $0 >= 0x41 && $0 <= 0x5A })
            ? String(decoding: rawName.map { $0 | 0x20 }, as: UTF8.self) : String(decoding: rawName, as: UTF8.self)
        let tagEnd = endOfTag(input, from: j)
        if !isClosing && skippedElements.contains(name) {
            let closing = Array("</\(name)".utf8)
            return index(after: closing, in: input, from: tagEnd, caseInsensitive: true)
                .map { endOfTag(input, from: $0) } ?? count
        }
        switch name {
        case "br":
            builder.lineBreak()
        case "td", "th":
            if isClosing { builder.append(UInt8(ascii: " ")) }
        case "img":
            if let alt = attribute(Array("alt".utf8), in: input[j..<min(tagEnd, count)]) { builder.append(alt) }
        default:
            if paragraphElements.contains(name) {
                builder.paragraph()
                if name == "pre" { builder.preformatted = !isClosing }
            } else if blockElements.contains(name) {
                builder.blockBoundary()
            }
        }
        return tagEnd
    }

    /// The index after the `>` that closes a tag, skipping quoted attribute values.
    private static func endOfTag(_ input: [UInt8], from start: Int) -> Int {
        var quote: UInt8?
        var j = start
        while j < input.count {
            let byte = input[j]
            if let open = quote {
                if byte == open { quote = nil }
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                quote = byte
            } else if byte == greaterThan {
                return j + 1
            }
            j += 1
        }
        return input.count
    }

    /// The value of an attribute in the bytes of a tag, as written.
    private static func attribute(_ name: [UInt8], in tag: ArraySlice<UInt8>) -> [UInt8]? {
        let bytes = Array(tag)
        guard let afterName = index(after: name + [UInt8(ascii: "=")], in: bytes, from: 0, caseInsensitive: true),
            afterName < bytes.count
        else { return nil }
        let quote = bytes[afterName]
        if quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") {
            let valueStart = afterName + 1
            let valueEnd = bytes[valueStart...].firstIndex(of: quote) ?? bytes.count
            return Array(bytes[valueStart..<valueEnd])
        }
        let valueEnd = bytes[afterName...].firstIndex { $0 <= 0x20 || $0 == greaterThan } ?? bytes.count
        return Array(bytes[afterName..<valueEnd])
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A
    }

    private static func matches(_ input: [UInt8], at start: Int, _ literal: [UInt8], caseInsensitive: Bool = false)
        -> Bool
    {
        guard start + literal.count <= input.count else { return false }
        for (offset, expected) in literal.enumerated() {
            let actual = input[start + offset]
            if actual == expected { continue }
            if caseInsensitive, isLetter(actual), actual | 0x20 == expected | 0x20 { continue }
            return false
        }
        return true
    }

    private static func index(after literal: [UInt8], in input: [UInt8], from start: Int, caseInsensitive: Bool = false)
        -> Int?
    {
        guard let first = literal.first else { return start }
        var j = start
        while j + literal.count <= input.count {
            let byte = input[j]
            if (byte == first || (caseInsensitive && byte | 0x20 == first | 0x20))
                && matches(input, at: j, literal, caseInsensitive: caseInsensitive)
            {
                return j + literal.count
            }
            j += 1
        }
        return nil
    }
}

/// Accumulates UTF-8 text with HTML whitespace rules: runs of whitespace become one space,
/// explicit breaks are kept (at most one blank line in a row), and lines outside `<pre>` are trimmed.
private struct TextBuilder {
    private var output: [UInt8] = []
    private var lineStart = 0
    private var pendingSpace = false
    private var blankLines = 0
    var preformatted = false

    init(capacity: Int) {
        output.reserveCapacity(capacity / 2)
    }

    private var currentLineIsEmpty: Bool { output.count == lineStart }

    mutating func append(_ bytes: [UInt8]) {
        for byte in bytes { append(byte) }
    }

    mutating func append(_ byte: UInt8) {
        if byte == 0xA0, !preformatted, output.last == 0xC2, output.count > lineStart {
            output.removeLast()  // U+00A0 (C2 A0) collapses like a space
            if output.count > lineStart, output.last == ByteScanning.space { output.removeLast() }
            pendingSpace = true
            return
        }
        if preformatted {
            if byte == ByteScanning.lf {
                endLine()
            } else if byte != ByteScanning.cr {
                output.append(byte)
            }
            return
        }
        switch byte {
        case ByteScanning.space, ByteScanning.tab, ByteScanning.cr, ByteScanning.lf, 0x0C:
            pendingSpace = true
        default:
            if pendingSpace && !currentLineIsEmpty { output.append(ByteScanning.space) }
            pendingSpace = false
            output.append(byte)
        }
    }

    mutating func lineBreak() {
        endLine()
    }

    /// The edge of a block element: starts a new line unless the current one is still empty.
    mutating func blockBoundary() {
        if !currentLineIsEmpty { endLine() }
    }

    /// Ends the current paragraph with one blank line.
    mutating func paragraph() {
        if !currentLineIsEmpty { endLine() }
        if blankLines == 0 && !output.isEmpty { endLine() }
    }

    private mutating func endLine() {
        if !preformatted {
            while output.count > lineStart, output[output.count - 1] == ByteScanning.space { output.removeLast() }
        }
        pendingSpace = false
        if output.count == lineStart {
            // An empty line: keep at most one in a row, and none at the start.
            guard blankLines == 0, !output.isEmpty else { return }
            blankLines += 1
        } else {
            blankLines = 0
        }
        output.append(ByteScanning.lf)
        lineStart = output.count
    }

    func result() -> String {
        var end = output.count
        while end > 0, output[end - 1] == ByteScanning.lf || output[end - 1] == ByteScanning.space { end -= 1 }
        return String(decoding: output[..<end], as: UTF8.self)
    }
}
