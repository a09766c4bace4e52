import Foundation

/// The encoders outgoing mail needs: quoted-printable bodies (RFC 2045 §6.7) and RFC 2047
/// encoded words for header text.
enum MIMEEncoding {
    private static let hex = Array("0123456789ABCDEF".utf8)

    /// Quoted-printable of `text` as UTF-8, lines joined with CRLF, no encoded line over 76.
    static func quotedPrintable(_ text: String) -> String {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        return normalized.split(separator: "\n", omittingEmptySubsequences: false)
            .map { encodeLine(Array($0.utf8)) }
            .joined(separator: "\r\n")
    }

    private static func encodeLine(_ bytes: [UInt8]) -> String {
        var lines: [String] = []
        var current: [UInt8] = []
        for (index, byte) in bytes.enumerated() {
            let isLast = index == bytes.count - 1
            let literal =
                (byte >= 33 && byte <= 126 && byte != 0x3D) || ((byte == 0x20 || byte == 0x09) && !isLast)
            let token: [UInt8] = literal ? [byte] : [0x3D, hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            // Keep room for the soft break "=" (75 + 1 = 76).
            if current.count + token.count > 75 {
                lines.append(String(decoding: current, as: UTF8.self) + "=")
                current = []
            }
            current += token
        }
        lines.append(String(decoding: current, as: UTF8.self))
        return lines.joined(separator: "\r\n")
    }

    /// Header text for an unstructured field (Subject): as is when it is printable ASCII,
    /// else UTF-8 "B" encoded words of at most 75 characters, folded with CRLF SP.
    static func headerText(_ text: String) -> String {
        let clean = text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        if clean.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) && !clean.contains("=?") {
            return fold(clean)
        }
        return encodedWords(clean, firstLineUsed: 9).joined(separator: "\r\n ")
    }

    /// A display name for an address header: an atom phrase, a quoted string, or encoded words.
    static func displayName(_ name: String) -> String {
        let clean = name.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        guard clean.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }), !clean.contains("=?") else {
            return encodedWords(clean, firstLineUsed: 6).joined(separator: "\r\n ")
        }
        let atext = Set("!#$%&'*+-/=?^_`{|}~ ".unicodeScalars)
        if clean.unicodeScalars.allSatisfy({
            $0.properties.isAlphabetic || ("0"..."9").contains($0) || atext.contains($0)
        }) {
            return clean
        }
        return "\"" + clean.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            + "\""
    }

    /// `=?UTF-8?B?…?=` words, never splitting a character, each at most 75 characters and each
    /// fitting a 78-character line after a leading space (the first after `firstLineUsed`
    /// characters such as `Subject: `).
    static func encodedWords(_ text: String, firstLineUsed: Int = 1) -> [String] {
        // A word of n bytes is 12 + 4·⌈n/3⌉ characters; 45 bytes make the 72-character maximum.
        func limit(_ used: Int) -> Int { min(45, (78 - used - 12) / 4 * 3) }
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > limit(words.isEmpty ? firstLineUsed : 1) && !chunk.isEmpty {
                words.append(encodedWord(chunk))
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append(encodedWord(chunk)) }
        return words
    }

    private static func encodedWord(_ bytes: [UInt8]) -> String {
        "=?UTF-8?B?" + Data(bytes).base64EncodedString() + "?="
    }

    /// Folds ASCII header text at spaces so lines stay near 78 (and always under 998).
    static func fold(_ text: String, firstLineUsed: Int = 10) -> String {
        var lines: [String] = []
        var line = ""
        var limit = 78 - firstLineUsed
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            if !line.isEmpty && line.count + 1 + word.count > limit {
                lines.append(line)
                line = String(word)
                limit = 77
            } else {
                line += line.isEmpty && lines.isEmpty ? String(word) : " " + word
            }
        }
        lines.append(line)
        return lines.joined(separator: "\r\n ")
    }
}
