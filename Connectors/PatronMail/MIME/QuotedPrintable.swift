/// Quoted-printable decoding (RFC 2045 §6.7), lenient: lowercase hex is accepted, invalid `=`
/// sequences are kept literally and trailing whitespace added by transports is dropped.
enum QuotedPrintable {
    static func decode(_ input: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var trimFloor = 0  // trailing-whitespace trimming never reaches decoded bytes or earlier lines
        var i = input.startIndex
        let end = input.endIndex
        while i < end {
            let byte = input[i]
            if byte == 0x3D {  // "="
                if i + 2 < end, let high = ByteScanning.hexValue(input[i + 1]),
                    let low = ByteScanning.hexValue(input[i + 2])
                {
                    out.append(high << 4 | low)
                    trimFloor = out.count
                    i += 3
                    continue
                }
                // A soft line break: "=", optional whitespace, then the line end (or the end of data).
                var j = i + 1
                while j < end && (input[j] == ByteScanning.space || input[j] == ByteScanning.tab) { j += 1 }
                if j == end {
                    i = j
                    continue
                }
                if input[j] == ByteScanning.lf {
                    i = j + 1
                    continue
                }
                if input[j] == ByteScanning.cr {
                    i = (j + 1 < end && input[j + 1] == ByteScanning.lf) ? j + 2 : j + 1
                    continue
                }
                out.append(byte)
                i += 1
                continue
            }
            if byte == ByteScanning.lf || byte == ByteScanning.cr {
                // Trailing whitespace on an encoded line was added in transit: drop it.
                while out.count > trimFloor,
                    out[out.count - 1] == ByteScanning.space || out[out.count - 1] == ByteScanning.tab
                {
                    out.removeLast()
                }
                out.append(byte)
                if byte == ByteScanning.cr, i + 1 < end, input[i + 1] == ByteScanning.lf {
                    out.append(ByteScanning.lf)
                    i += 1
                }
                trimFloor = out.count
                i += 1
                continue
            }
            out.append(byte)
            i += 1
        }
        return out
    }

    /// Decodes the `Q` encoding of RFC 2047 encoded words: quoted-printable with `_` for space.
    static func decodeEncodedWord(_ input: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var i = input.startIndex
        let end = input.endIndex
        while i < end {
            let byte = input[i]
            if byte == 0x5F {  // "_"
                out.append(ByteScanning.space)
            } else if byte == 0x3D, i + 2 < end, let high = ByteScanning.hexValue(input[i + 1]),
                let low = ByteScanning.hexValue(input[i + 2])
            {
                out.append(high << 4 | low)
                i += 3
                continue
            } else {
                out.append(byte)
            }
            i += 1
        }
        return out
    }
}
