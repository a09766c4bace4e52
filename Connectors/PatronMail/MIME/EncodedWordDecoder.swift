/// Decodes RFC 2047 encoded words (`=?charset?B|Q?text?=`) in header text.
///
/// Adjacent encoded words separated only by whitespace are joined (their bytes are concatenated
/// before charset decoding, so a character split across two words survives). An RFC 2231
/// `*language` suffix on the charset is ignored. Anything that is not a well-formed encoded word is
/// kept literally.
enum EncodedWordDecoder {
    struct Result {
        var text: String
        var issues: [ParseIssue]
    }

    private struct Word {
        var charset: String
        var bytes: [UInt8]
        var end: Int
        var issue: ParseIssue?
    }

    static func decode(_ input: String) -> Result {
        guard ByteScanning.mayContainEncodedWord(input) else { return Result(text: input, issues: []) }
        let bytes = Array(input.utf8)
        let count = bytes.count
        var out: [UInt8] = []
        out.reserveCapacity(count)
        var issues: [ParseIssue] = []
        var pending: (charset: String, bytes: [UInt8])?
        var literalStart = 0
        var i = 0

        func flushPending() {
            guard let word = pending else { return }
            let decoded = MIMECharset.decode(word.bytes, label: word.charset)
            if let problem = decoded.problem {
                let kind: MIMEParseWarning.Kind =
                    problem.kind == .unknownCharset ? .unknownCharset : .invalidEncodedWord
                issues.append(ParseIssue(kind: kind, detail: "encoded word: \(problem.detail)"))
            }
            out.append(contentsOf: decoded.text.utf8)
            pending = nil
        }

        while i + 1 < count {
            guard bytes[i] == 0x3D, bytes[i + 1] == 0x3F, let word = parseWord(bytes, at: i) else {
                i += 1
                continue
            }
            let literal = bytes[literalStart..<i]
            if pending == nil || !literal.allSatisfy(ByteScanning.isWhitespace) {
                flushPending()
                out.append(contentsOf: literal)
            }
            if let issue = word.issue { issues.append(issue) }
            if let current = pending, current.charset == word.charset {
                pending = (current.charset, current.bytes + word.bytes)
            } else {
                flushPending()
                pending = (word.charset, word.bytes)
            }
            i = word.end
            literalStart = i
        }
        flushPending()
        out.append(contentsOf: bytes[literalStart..<count])
        return Result(text: String(decoding: out, as: UTF8.self), issues: issues)
    }

    /// Parses the encoded word starting at `start` ("=?"), or `nil` if it is not one.
    private static func parseWord(_ bytes: [UInt8], at start: Int) -> Word? {
        let count = bytes.count
        var j = start + 2
        while j < count, bytes[j] != 0x3F, !ByteScanning.isWhitespace(bytes[j]), j - start < 80 { j += 1 }
        guard j < count, bytes[j] == 0x3F, j > start + 2, j + 2 < count, bytes[j + 2] == 0x3F else { return nil }
        let charset = MIMECharset.normalize(String(decoding: bytes[(start + 2)..<j], as: UTF8.self))
        let encoding = bytes[j + 1] | 0x20
        guard encoding == 0x62 || encoding == 0x71, !charset.isEmpty else { return nil }  // "b" or "q"
        let textStart = j + 3
        var k = textStart
        while k + 1 < count, !(bytes[k] == 0x3F && bytes[k + 1] == 0x3D) {
            if ByteScanning.isWhitespace(bytes[k]) { return nil }
            k += 1
        }
        guard k + 1 < count else { return nil }
        let text = bytes[textStart..<k]
        var issue: ParseIssue?
        let decoded: [UInt8]
        if encoding == 0x62 {
            decoded = Base64Decoder.decode(text)
            if !text.allSatisfy(isBase64Symbol) || text.count % 4 == 1 {
                issue = ParseIssue(
                    kind: .invalidEncodedWord,
                    detail: "bad base64 in \(String(decoding: bytes[start..<(k + 2)], as: UTF8.self))")
            }
        } else {
            decoded = QuotedPrintable.decodeEncodedWord(text)
        }
        return Word(charset: charset, bytes: decoded, end: k + 2, issue: issue)
    }

    private static func isBase64Symbol(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0x2B, 0x2F, 0x3D: return true
        default: return false
        }
    }
}
