/// Where text that must be UTF-8 is not: the NDJSON reader and the API refuse such input at the
/// byte, rather than storing U+FFFD in its place.
public enum UTF8Validation {
    /// The 0-based offset of the first byte that does not start a valid UTF-8 sequence, or `nil`
    /// when all of `bytes` is valid UTF-8.
    public static func firstInvalidByte(in bytes: some Collection<UInt8>) -> Int? {
        if String(validating: bytes, as: UTF8.self) != nil { return nil }
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .error: return offset
            case .emptyInput: return nil
            }
        }
    }

    /// The 1-based line and the 1-based byte within it of the first invalid byte, for messages.
    public static func firstInvalidPlace(in bytes: some Collection<UInt8>) -> (line: Int, byte: Int)? {
        guard let offset = firstInvalidByte(in: bytes) else { return nil }
        var line = 1
        var lineStart = 0
        for (index, byte) in bytes.prefix(offset).enumerated() where byte == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        return (line, offset - lineStart + 1)
    }
}
