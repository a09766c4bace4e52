/// Parses structured header values of the form `value; name=token; name="quoted"` (RFC 2045),
/// including RFC 2231 extended parameters: `name*=charset'lang'%XX`, and continuations
/// `name*0=`, `name*1*=` … which are joined before charset decoding.
enum MIMEParameterParser {
    struct Result {
        /// The leading value (`text/plain`, `attachment`), trimmed, case preserved.
        var value: String
        /// Parameter values keyed by lowercased name.
        var parameters: [String: String]
        var issues: [ParseIssue]
    }

    private struct Section {
        var index: Int
        var value: String
        var isEncoded: Bool
    }

    static func parse(_ header: String) -> Result {
        let segments = splitSegments(header)
        var result = Result(value: segments.first.map(stripComments) ?? "", parameters: [:], issues: [])
        result.value = ByteScanning.trimmed(result.value)
        var sectioned: [String: [Section]] = [:]
        for segment in segments.dropFirst() {
            guard let equals = segment.firstIndex(of: "=") else { continue }
            var name = ByteScanning.trimmed(segment[..<equals]).lowercased()
            guard !name.isEmpty else { continue }
            let value = unquote(segment[segment.index(after: equals)...])
            var isEncoded = false
            if name.hasSuffix("*") {
                isEncoded = true
                name.removeLast()
            }
            if let star = name.firstIndex(of: "*"), let index = Int(name[name.index(after: star)...]) {
                let base = String(name[..<star])
                sectioned[base, default: []].append(Section(index: index, value: value, isEncoded: isEncoded))
            } else if isEncoded {
                sectioned[name, default: []].append(Section(index: 0, value: value, isEncoded: true))
            } else if result.parameters[name] == nil {
                result.parameters[name] = value
            }
        }
        // RFC 2231 values win over plain ones.
        for (name, sections) in sectioned {
            let (value, issue) = assemble(sections.sorted { $0.index < $1.index })
            result.parameters[name] = value
            if let issue { result.issues.append(issue) }
        }
        return result
    }

    /// Joins RFC 2231 sections; the first encoded section carries `charset'language'`.
    private static func assemble(_ sections: [Section]) -> (String, ParseIssue?) {
        var charset: String?
        var bytes: [UInt8] = []
        for (position, section) in sections.enumerated() {
            guard section.isEncoded else {
                bytes.append(contentsOf: section.value.utf8)
                continue
            }
            var text = Substring(section.value)
            if position == 0 {
                let parts = text.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
                if parts.count == 3 {
                    charset = String(parts[0])
                    text = parts[2]
                }
            }
            bytes.append(contentsOf: percentDecode(text))
        }
        guard let charset, !charset.isEmpty else { return (MIMECharset.decodeUnlabelled(bytes), nil) }
        let decoded = MIMECharset.decode(bytes, label: charset)
        return (decoded.text, decoded.problem)
    }

    private static func percentDecode(_ text: Substring) -> [UInt8] {
        let input = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var i = 0
        while i < input.count {
            if input[i] == 0x25, i + 2 < input.count,  // "%"
                let high = ByteScanning.hexValue(input[i + 1]), let low = ByteScanning.hexValue(input[i + 2])
            {
                out.append(high << 4 | low)
                i += 3
            } else {
                out.append(input[i])
                i += 1
            }
        }
        return out
    }

    /// Splits on `;` outside quoted strings and comments.
    private static func splitSegments(_ header: String) -> [Substring] {
        var segments: [Substring] = []
        var segmentStart = header.startIndex
        var inQuotes = false
        var commentDepth = 0
        var escaped = false
        var index = header.startIndex
        while index < header.endIndex {
            let character = header[index]
            if escaped {
                escaped = false
            } else if character == "\\" && (inQuotes || commentDepth > 0) {
                escaped = true
            } else if inQuotes {
                if character == "\"" { inQuotes = false }
            } else if character == "\"" && commentDepth == 0 {
                inQuotes = true
            } else if character == "(" {
                commentDepth += 1
            } else if character == ")" && commentDepth > 0 {
                commentDepth -= 1
            } else if character == ";" && commentDepth == 0 {
                segments.append(header[segmentStart..<index])
                segmentStart = header.index(after: index)
            }
            index = header.index(after: index)
        }
        segments.append(header[segmentStart...])
        return segments
    }

    /// A token or quoted-string value; an unterminated quote runs to the end.
    private static func unquote(_ raw: Substring) -> String {
        let trimmed = ByteScanning.trimmed(raw)
        guard trimmed.first == "\"" else { return trimmed }
        var out = ""
        var escaped = false
        for character in trimmed.dropFirst() {
            if escaped {
                out.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "\"" {
                break
            } else {
                out.append(character)
            }
        }
        return out
    }

    private static func stripComments(_ text: Substring) -> String {
        guard text.contains("(" as Character) else { return ByteScanning.trimmed(text) }
        var out = ""
        var depth = 0
        for character in text {
            if character == "(" {
                depth += 1
            } else if character == ")" && depth > 0 {
                depth -= 1
            } else if depth == 0 {
                out.append(character)
            }
        }
        return ByteScanning.trimmed(out)
    }
}
