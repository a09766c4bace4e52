/// Reads the machine-readable parts of reports (`message/delivery-status`,
/// `message/feedback-report`): groups of header-style fields separated by blank lines.
enum ReportFieldBlocks {
    static func parse(_ text: String) -> [MIMEHeaders] {
        let bytes = Array(text.utf8)
        var blocks: [MIMEHeaders] = []
        var i = 0
        while i < bytes.count {
            let lineFeed = ByteScanning.nextLineFeed(in: bytes, from: i, to: bytes.count)
            if bytes[i..<ByteScanning.contentEnd(of: i, lineFeed: lineFeed, in: bytes)]
                .allSatisfy(ByteScanning.isWhitespace)
            {
                i = lineFeed + 1
                continue
            }
            let block = HeaderBlockParser.parse(bytes, range: i..<bytes.count, allowsEnvelopeLine: false)
            if !block.fields.isEmpty { blocks.append(MIMEHeaders(block.fields)) }
            i = block.bodyStart > i ? block.bodyStart : lineFeed + 1
        }
        return blocks
    }

    /// The value after a `type;` prefix (`rfc822; a@b` → `a@b`, `smtp; 550 …` → `550 …`),
    /// with folding whitespace collapsed.
    static func typedValue(_ value: String?) -> String? {
        guard let value else { return nil }
        var payload = value[...]
        if let semicolon = value.firstIndex(of: ";"), value.distance(from: value.startIndex, to: semicolon) <= 20,
            !value[..<semicolon].contains(where: \.isWhitespace)
        {
            payload = value[value.index(after: semicolon)...]
        }
        let collapsed = payload.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return collapsed.isEmpty ? nil : collapsed
    }

    /// An address field such as `rfc822; <user@example.com>` as a bare, domain-lowercased address.
    static func address(_ value: String?) -> String? {
        guard let payload = typedValue(value) else { return nil }
        let cleaned = payload.filter { !"<>\"".contains($0) && !$0.isWhitespace }
        guard !cleaned.isEmpty else { return nil }
        return MailAddress(address: cleaned).address
    }
}
