/// Lenient base64 decoding: whitespace and stray characters are skipped, missing padding is
/// tolerated, and padding in the middle ends one run so concatenated blobs still decode.
enum Base64Decoder {
    private static let invalid: UInt8 = 0xFF

    private static let table: [UInt8] = {
        var table = [UInt8](repeating: invalid, count: 256)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        for (value, symbol) in alphabet.enumerated() { table[Int(symbol)] = UInt8(value) }
        return table
    }()

    static func decode(_ input: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(input.count / 4 * 3 + 3)
        let table = self.table
        var accumulator: UInt32 = 0
        var count = 0
        table.withUnsafeBufferPointer { table in
            for byte in input {
                let value = table[Int(byte)]
                if value == invalid {
                    if byte == 0x3D {  // "=": flush a partial quantum
                        flush(&accumulator, &count, into: &out)
                    }
                    continue
                }
                accumulator = accumulator << 6 | UInt32(value)
                count += 1
                if count == 4 {
                    out.append(UInt8(truncatingIfNeeded: accumulator >> 16))
                    out.append(UInt8(truncatingIfNeeded: accumulator >> 8))
                    out.append(UInt8(truncatingIfNeeded: accumulator))
                    accumulator = 0
                    count = 0
                }
            }
        }
        flush(&accumulator, &count, into: &out)
        return out
    }

    private static func flush(_ accumulator: inout UInt32, _ count: inout Int, into out: inout [UInt8]) {
        switch count {
        case 2:
            out.append(UInt8(truncatingIfNeeded: accumulator >> 4))
        case 3:
            out.append(UInt8(truncatingIfNeeded: accumulator >> 10))
            out.append(UInt8(truncatingIfNeeded: accumulator >> 2))
        default:
            break
        }
        accumulator = 0
        count = 0
    }
}
