/// How an SMS body is encoded and split into segments (the unit carriers bill by).
///
/// Twilio's rules: GSM-7 when every character allows it, else UCS-2; one SMS holds 160 septets
/// or 70 UTF-16 code units, a longer message is sent in parts of 153 or 67. A part boundary
/// never splits a GSM escape pair or a UTF-16 surrogate pair, so a part may hold one unit fewer.
public struct SMSSegments: Hashable, Sendable {
    /// The encoding the body is sent in.
    public let encoding: SMSEncoding
    /// Number of SMS segments billed (1 for an empty body).
    public let count: Int
    /// Units per segment, in order: septets for GSM-7, UTF-16 code units for UCS-2.
    public let segmentLengths: [Int]
    /// Total units: septets for GSM-7 (extension characters count 2), UTF-16 code units for UCS-2.
    public let codeUnitCount: Int
    /// User-perceived characters (grapheme clusters), as a person would count them.
    public let characterCount: Int
    /// Unicode scalars in the body.
    public let unicodeScalarCount: Int
    /// The characters that forced UCS-2, each once, in order of appearance (empty for GSM-7).
    public let nonGSM7Characters: [Character]

    /// Computes the encoding and segments of `body`.
    public init(_ body: String) {
        let encoding = SMSEncoding.encoding(for: body)
        let units = body.unicodeScalars.map { scalar in
            encoding == .gsm7 ? SMSEncoding.gsm7Septets(scalar) ?? 1 : scalar.utf16.count
        }
        let total = units.reduce(0, +)
        var lengths: [Int] = []
        if total <= encoding.singleSegmentCapacity {
            lengths = [total]
        } else {
            var current = 0
            for unit in units {
                if current + unit > encoding.multipartSegmentCapacity {
                    lengths.append(current)
                    current = 0
                }
                current += unit
            }
            lengths.append(current)
        }
        var seen = Set<Character>()
        self.encoding = encoding
        self.count = lengths.count
        self.segmentLengths = lengths
        self.codeUnitCount = total
        self.characterCount = body.count
        self.unicodeScalarCount = body.unicodeScalars.count
        self.nonGSM7Characters = Array(body).filter { character in
            !character.unicodeScalars.allSatisfy { SMSEncoding.gsm7Septets($0) != nil }
                && seen.insert(character).inserted
        }
    }

    /// Size of the text in bits, without the concatenation headers.
    public var messageSizeInBits: Int { codeUnitCount * encoding.bitsPerUnit }

    /// Size on the wire in bits: the text plus a 48-bit user data header per part when there is more than one.
    public var totalSizeInBits: Int { messageSizeInBits + (count > 1 ? count * 48 : 0) }
}
