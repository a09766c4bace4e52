/// The Content-Transfer-Encoding of a part (RFC 2045 §6).
public enum MIMETransferEncoding: Sendable, Hashable, CustomStringConvertible {
    case sevenBit
    case eightBit
    case binary
    case quotedPrintable
    case base64
    /// An encoding the parser does not know; the part keeps its raw bytes.
    case other(String)

    /// Reads a header value; `nil` or empty means 7bit. Misspellings such as `quoted printable`
    /// are understood and flagged through `isNonstandard`.
    static func parse(_ headerValue: String?) -> (encoding: MIMETransferEncoding, isNonstandard: Bool) {
        guard let headerValue else { return (.sevenBit, false) }
        var label = headerValue.lowercased()
        if let semicolon = label.firstIndex(of: ";") { label = String(label[..<semicolon]) }
        label = ByteScanning.trimmed(label, dropping: "\"'")
        switch label {
        case "", "7bit": return (.sevenBit, false)
        case "8bit": return (.eightBit, false)
        case "binary": return (.binary, false)
        case "quoted-printable": return (.quotedPrintable, false)
        case "base64": return (.base64, false)
        default: break
        }
        let squeezed = label.filter { $0.isLetter || $0.isNumber }
        switch squeezed {
        case "quotedprintable", "qp": return (.quotedPrintable, true)
        case "base64", "b64": return (.base64, true)
        case "7bit", "7", "ascii", "usascii": return (.sevenBit, true)
        case "8bit", "8": return (.eightBit, true)
        default: return (.other(label), false)
        }
    }

    /// Removes this transfer encoding from a body.
    func decode(_ body: ArraySlice<UInt8>) -> [UInt8] {
        switch self {
        case .quotedPrintable: return QuotedPrintable.decode(body)
        case .base64: return Base64Decoder.decode(body)
        case .sevenBit, .eightBit, .binary, .other: return Array(body)
        }
    }

    public var description: String {
        switch self {
        case .sevenBit: return "7bit"
        case .eightBit: return "8bit"
        case .binary: return "binary"
        case .quotedPrintable: return "quoted-printable"
        case .base64: return "base64"
        case .other(let label): return label
        }
    }
}
