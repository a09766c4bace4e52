/// Splits a header block into unfolded fields and finds where the body starts.
enum HeaderBlockParser {
    struct Result {
        var fields: [MIMEHeaderField]
        var bodyStart: Int
        var issues: [ParseIssue]
    }

    /// Parses the header block at the start of `range`. An mbox `From ` line is skipped when
    /// `allowsEnvelopeLine` is set, and so are whitespace-only lines before the first field. A line
    /// that is neither a field nor a continuation ends the block (the body starts there).
    static func parse(_ bytes: [UInt8], range: Range<Int>, allowsEnvelopeLine: Bool) -> Result {
        var fields: [MIMEHeaderField] = []
        var issues: [ParseIssue] = []
        var pendingName: Range<Int>?
        var pendingValue: [UInt8] = []
        let end = range.upperBound
        var i = range.lowerBound

        func flush() {
            guard let name = pendingName else { return }
            fields.append(makeField(bytes, name: name, value: pendingValue))
            pendingName = nil
            pendingValue.removeAll(keepingCapacity: true)
        }

        if allowsEnvelopeLine, end - i >= 5, bytes[i..<(i + 5)].elementsEqual("From ".utf8) {
            i = min(ByteScanning.nextLineFeed(in: bytes, from: i, to: end) + 1, end)
        }
        while i < end {
            let lineFeed = ByteScanning.nextLineFeed(in: bytes, from: i, to: end)
            let contentEnd = ByteScanning.contentEnd(of: i, lineFeed: lineFeed, in: bytes)
            let next = min(lineFeed + 1, end)
            if contentEnd == i {  // the blank line
                flush()
                return Result(fields: fields, bodyStart: next, issues: issues)
            }
            let first = bytes[i]
            if first == ByteScanning.space || first == ByteScanning.tab {
                if pendingName != nil {
                    pendingValue.append(contentsOf: bytes[i..<contentEnd])
                } else if !bytes[i..<contentEnd].allSatisfy(ByteScanning.isWhitespace) {
                    issues.append(ParseIssue(kind: .malformedHeader, detail: "continuation line without a field"))
                }
                i = next
                continue
            }
            guard let colon = fieldColon(bytes, from: i, to: contentEnd) else {
                flush()
                issues.append(ParseIssue(kind: .malformedHeader, detail: "header block not ended by a blank line"))
                return Result(fields: fields, bodyStart: i, issues: issues)
            }
            flush()
            var nameEnd = colon
            while nameEnd > i, bytes[nameEnd - 1] == ByteScanning.space || bytes[nameEnd - 1] == ByteScanning.tab {
                nameEnd -= 1
            }
            pendingName = i..<nameEnd
            pendingValue.append(contentsOf: bytes[(colon + 1)..<contentEnd])
            i = next
        }
        flush()
        return Result(fields: fields, bodyStart: end, issues: issues)
    }

    /// The colon ending a valid field name on this line, if the line is a field.
    private static func fieldColon(_ bytes: [UInt8], from start: Int, to end: Int) -> Int? {
        var j = start
        var sawSpace = false
        while j < end {
            let byte = bytes[j]
            if byte == ByteScanning.colon { return j > start ? j : nil }
            if byte == ByteScanning.space || byte == ByteScanning.tab {
                sawSpace = true  // only allowed between the name and the colon
            } else if byte < 33 || byte > 126 || sawSpace {
                return nil
            }
            j += 1
        }
        return nil
    }

    private static func makeField(_ bytes: [UInt8], name: Range<Int>, value: [UInt8]) -> MIMEHeaderField {
        var start = 0
        var end = value.count
        while start < end, ByteScanning.isWhitespace(value[start]) { start += 1 }
        while end > start, ByteScanning.isWhitespace(value[end - 1]) { end -= 1 }
        var trimmed = Array(value[start..<end])
        // Control characters (a stray NUL, a CR inside a line) carry nothing readable.
        trimmed.removeAll { $0 < 0x20 && $0 != ByteScanning.tab }
        let nameText = String(decoding: bytes[name], as: UTF8.self)
        let valueText =
            ByteScanning.isASCII(trimmed)
            ? String(decoding: trimmed, as: UTF8.self) : MIMECharset.decodeUnlabelled(trimmed)
        return MIMEHeaderField(name: nameText, rawValue: valueText)
    }
}
