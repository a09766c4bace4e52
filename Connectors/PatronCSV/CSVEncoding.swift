import Foundation
import PatronCore

/// The text encodings CSV files arrive in.
public enum CSVEncoding: String, CaseIterable, Sendable {
    case utf8 = "utf-8"
    case utf16LittleEndian = "utf-16le"
    case utf16BigEndian = "utf-16be"
    /// ISO 8859-1.
    case latin1 = "latin-1"
    /// Windows-1252: Latin-1 with printable characters in 0x80–0x9F (€, „, ™ …).
    case windows1252 = "windows-1252"

    /// Parses an `--encoding` value (`utf8`, `UTF-8`, `latin1`, `iso-8859-1`, `cp1252` …).
    public init?(name: String) {
        switch name.lowercased().replacingOccurrences(of: "_", with: "-") {
        case "utf-8", "utf8": self = .utf8
        case "utf-16le", "utf16le", "utf-16", "utf16": self = .utf16LittleEndian
        case "utf-16be", "utf16be": self = .utf16BigEndian
        case "latin-1", "latin1", "iso-8859-1", "iso8859-1": self = .latin1
        case "windows-1252", "cp1252", "win1252": self = .windows1252
        default: return nil
        }
    }

    /// The encoding a file declares with a byte-order mark, and the mark's length.
    static func byteOrderMark(_ bytes: ArraySlice<UInt8>) -> (CSVEncoding, Int)? {
        let b = Array(bytes.prefix(3))
        if b.count >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF { return (.utf8, 3) }
        if b.count >= 2, b[0] == 0xFF, b[1] == 0xFE { return (.utf16LittleEndian, 2) }
        if b.count >= 2, b[0] == 0xFE, b[1] == 0xFF { return (.utf16BigEndian, 2) }
        return nil
    }

    /// A guess for bytes without a mark: UTF-8 when they are valid UTF-8, else Windows-1252.
    static func guess(_ bytes: ArraySlice<UInt8>) -> CSVEncoding {
        // A chunk may end inside a character: ignore a lead byte at the very end whose sequence
        // is cut short (but not stray continuation bytes: those are no UTF-8 at all).
        var end = bytes.endIndex
        var lead = end
        while lead > bytes.startIndex, end - lead < 4, bytes[lead - 1] & 0xC0 == 0x80 { lead -= 1 }
        if lead > bytes.startIndex {
            let byte = bytes[lead - 1]
            let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
            if byte >= 0xC0, end - (lead - 1) < length { end = lead - 1 }
        }
        return validUTF8(bytes[bytes.startIndex..<end]) ? .utf8 : .windows1252
    }

    static func validUTF8(_ bytes: ArraySlice<UInt8>) -> Bool {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    /// Windows-1252's characters for 0x80–0x9F (undefined positions map to U+FFFD).
    static let windows1252High: [Unicode.Scalar] = [
        "\u{20AC}", "\u{FFFD}", "\u{201A}", "\u{0192}", "\u{201E}", "\u{2026}", "\u{2020}", "\u{2021}",
        "\u{02C6}", "\u{2030}", "\u{0160}", "\u{2039}", "\u{0152}", "\u{FFFD}", "\u{017D}", "\u{FFFD}",
        "\u{FFFD}", "\u{2018}", "\u{2019}", "\u{201C}", "\u{201D}", "\u{2022}", "\u{2013}", "\u{2014}",
        "\u{02DC}", "\u{2122}", "\u{0161}", "\u{203A}", "\u{0153}", "\u{FFFD}", "\u{017E}", "\u{0178}",
    ]
}

/// Turns a file's bytes, chunk by chunk, into UTF-8.
struct CSVTranscoder {
    let encoding: CSVEncoding
    /// An odd byte (UTF-16) or a lone high surrogate carried to the next chunk.
    private var carry: [UInt8] = []

    init(_ encoding: CSVEncoding) { self.encoding = encoding }

    /// Appends the UTF-8 of `chunk` to `output`; `final` flushes what was carried.
    mutating func transcode(_ chunk: ArraySlice<UInt8>, final: Bool, into output: inout [UInt8]) {
        switch encoding {
        case .utf8:
            output.append(contentsOf: chunk)
        case .latin1, .windows1252:
            output.reserveCapacity(output.count + chunk.count + chunk.count / 8)
            for byte in chunk {
                if byte < 0x80 {
                    output.append(byte)
                } else {
                    let scalar =
                        encoding == .windows1252 && byte < 0xA0
                        ? CSVEncoding.windows1252High[Int(byte - 0x80)] : Unicode.Scalar(byte)
                    output.append(contentsOf: Array(String(Character(scalar)).utf8))
                }
            }
        case .utf16LittleEndian, .utf16BigEndian:
            var bytes = carry + chunk
            carry = []
            if bytes.count % 2 == 1 {
                carry = [bytes.removeLast()]
            }
            var units = [UInt16](repeating: 0, count: bytes.count / 2)
            for i in units.indices {
                let (a, b) = (UInt16(bytes[2 * i]), UInt16(bytes[2 * i + 1]))
                units[i] = encoding == .utf16LittleEndian ? a | b << 8 : a << 8 | b
            }
            // Keep a trailing high surrogate for its partner in the next chunk.
            if !final, let last = units.last, UTF16.isLeadSurrogate(last) {
                units.removeLast()
                carry = Array(bytes.suffix(2)) + carry
            }
            output.append(contentsOf: String(decoding: units, as: UTF16.self).utf8)
        }
    }
}
