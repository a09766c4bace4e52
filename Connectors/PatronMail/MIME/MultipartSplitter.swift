/// Finds the body parts of a multipart entity (RFC 2046 §5.1.1).
///
/// The preamble and epilogue are dropped, transport padding after a boundary is allowed, and
/// the line break before each delimiter belongs to the delimiter. Works on indices only.
enum MultipartSplitter {
    struct Result {
        var parts: [Range<Int>]
        var foundCloseDelimiter: Bool
    }

    private enum Delimiter {
        case open
        case close
    }

    static func split(_ bytes: [UInt8], range: Range<Int>, boundary: [UInt8]) -> Result {
        var parts: [Range<Int>] = []
        var partStart: Int?
        var lineStart = range.lowerBound
        let end = range.upperBound
        while lineStart < end {
            let lineFeed = ByteScanning.nextLineFeed(in: bytes, from: lineStart, to: end)
            if let delimiter = delimiter(bytes, at: lineStart, lineFeed: lineFeed, boundary: boundary) {
                if let start = partStart {
                    parts.append(start..<contentEnd(bytes, partStart: start, delimiterStart: lineStart))
                }
                if case .close = delimiter { return Result(parts: parts, foundCloseDelimiter: true) }
                partStart = min(lineFeed + 1, end)
            }
            lineStart = lineFeed + 1
        }
        if let start = partStart { parts.append(start..<end) }
        return Result(parts: parts, foundCloseDelimiter: false)
    }

    private static func delimiter(_ bytes: [UInt8], at start: Int, lineFeed: Int, boundary: [UInt8]) -> Delimiter? {
        let lineEnd = ByteScanning.contentEnd(of: start, lineFeed: lineFeed, in: bytes)
        let boundaryEnd = start + 2 + boundary.count
        guard boundaryEnd <= lineEnd, bytes[start] == ByteScanning.hyphen, bytes[start + 1] == ByteScanning.hyphen,
            bytes[(start + 2)..<boundaryEnd].elementsEqual(boundary)
        else { return nil }
        var position = boundaryEnd
        var kind = Delimiter.open
        if position + 2 <= lineEnd, bytes[position] == ByteScanning.hyphen,
            bytes[position + 1] == ByteScanning.hyphen
        {
            kind = .close
            position += 2
        }
        while position < lineEnd {
            let byte = bytes[position]
            guard byte == ByteScanning.space || byte == ByteScanning.tab || byte == ByteScanning.cr else { return nil }
            position += 1
        }
        return kind
    }

    /// The end of a part: the CRLF (or LF) before the delimiter line is not content.
    private static func contentEnd(_ bytes: [UInt8], partStart: Int, delimiterStart: Int) -> Int {
        var end = delimiterStart
        if end > partStart, bytes[end - 1] == ByteScanning.lf {
            end -= 1
            if end > partStart, bytes[end - 1] == ByteScanning.cr { end -= 1 }
        }
        return end
    }
}
