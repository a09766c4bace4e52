#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Byte-level helpers shared by the MIME parsers; they work on indices so no line is copied.
enum ByteScanning {
    static let lf: UInt8 = 0x0A
    static let cr: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let hyphen: UInt8 = 0x2D
    static let colon: UInt8 = 0x3A

    /// The index of the next LF at or after `start`, or `end` when there is none.
    static func nextLineFeed(in bytes: [UInt8], from start: Int, to end: Int) -> Int {
        guard start < end else { return end }
        return bytes.withUnsafeBufferPointer { buffer -> Int in
            guard let base = buffer.baseAddress else { return end }
            guard let hit = memchr(base + start, Int32(lf), end - start) else { return end }
            return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }
    }

    /// The end of the line content that ends at `lineFeed` (drops a CR before the LF).
    static func contentEnd(of lineStart: Int, lineFeed: Int, in bytes: [UInt8]) -> Int {
        var end = lineFeed
        if end > lineStart && bytes[end - 1] == cr { end -= 1 }
        return end
    }

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == space || byte == tab || byte == cr || byte == lf
    }

    /// Whether every byte is 7-bit ASCII.
    static func isASCII<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        for byte in bytes where byte >= 0x80 { return false }
        return true
    }

    /// The bytes as a String if they are valid UTF-8, else `nil`. (`String(validating:as:)` would
    /// do, but needs macOS 15.) Decoding repairs invalid input, so unchanged bytes mean valid input.
    static func validUTF8String(_ bytes: [UInt8]) -> String? {
        var text = String(decoding: bytes, as: UTF8.self)
        let unchanged = text.withUTF8 { decoded -> Bool in
            guard decoded.count == bytes.count else { return false }
            guard !decoded.isEmpty, let decodedBase = decoded.baseAddress else { return true }
            return bytes.withUnsafeBufferPointer { original in
                guard let originalBase = original.baseAddress else { return false }
                return memcmp(decodedBase, originalBase, decoded.count) == 0
            }
        }
        return unchanged ? text : nil
    }

    /// The value of an ASCII hex digit, either case.
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x41...0x46: return byte - 0x41 + 10
        case 0x61...0x66: return byte - 0x61 + 10
        default: return nil
        }
    }

    /// ASCII case-insensitive equality without allocating lowercased copies.
    static func equalsIgnoringCase(_ lhs: String, _ rhs: String) -> Bool {
        let a = lhs.utf8
        let b = rhs.utf8
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) where x != y {
            let lx = (x >= 0x41 && x <= 0x5A) ? x | 0x20 : x
            let ly = (y >= 0x41 && y <= 0x5A) ? y | 0x20 : y
            if lx != ly { return false }
        }
        return true
    }

    /// Replaces CRLF (and lone CR) line ends with LF.
    static func normalizingLineEnds(_ text: String) -> String {
        var text = text
        return text.withUTF8 { utf8 -> String in
            guard utf8.contains(cr) else { return String(decoding: utf8, as: UTF8.self) }
            var out: [UInt8] = []
            out.reserveCapacity(utf8.count)
            var i = 0
            while i < utf8.count {
                let byte = utf8[i]
                if byte == cr {
                    out.append(lf)
                    if i + 1 < utf8.count && utf8[i + 1] == lf { i += 1 }
                } else {
                    out.append(byte)
                }
                i += 1
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// The text without surrounding whitespace (and without any of `extra` at the ends).
    static func trimmed<S: StringProtocol>(_ text: S, dropping extra: String = "") -> String {
        let isTrimmed: (Character) -> Bool = { $0.isWhitespace || extra.contains($0) }
        guard let start = text.firstIndex(where: { !isTrimmed($0) }) else { return "" }
        let end = text.lastIndex(where: { !isTrimmed($0) })!
        return String(text[start...end])
    }

    /// Whether the text holds `=?`, the start of an RFC 2047 encoded word.
    static func mayContainEncodedWord(_ text: String) -> Bool {
        var previous: UInt8 = 0
        for byte in text.utf8 {
            if byte == 0x3F && previous == 0x3D { return true }
            previous = byte
        }
        return false
    }

    /// The text without leading and trailing whitespace and newlines; cheaper than Foundation's
    /// `trimmingCharacters(in:)` on long bodies because it only looks at the ends.
    static func trimmingWhitespace(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }
}
