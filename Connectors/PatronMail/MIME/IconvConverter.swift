#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Converts bytes in one charset to UTF-8 with the C library's iconv.
///
/// The type owns its conversion descriptor and closes it on deinit; no pointer leaves it.
/// It is meant to live for one conversion, inside one function, so it is not `Sendable`.
final class IconvConverter {
    private let descriptor: iconv_t

    /// Opens a converter from `charset` (an iconv name such as `CP932`), or `nil` if iconv
    /// does not know it.
    init?(from charset: String) {
        guard let descriptor = iconv_open("UTF-8", charset), descriptor != iconv_t(bitPattern: -1) else {
            return nil
        }
        self.descriptor = descriptor
    }

    deinit {
        iconv_close(descriptor)
    }

    /// The converted UTF-8 bytes, with U+FFFD for each byte iconv rejects, and the number of
    /// rejected sequences.
    func convert(_ input: [UInt8]) -> (utf8: [UInt8], invalidSequences: Int) {
        var output: [UInt8] = []
        output.reserveCapacity(input.count * 2 + 16)
        var invalidSequences = 0
        let chunkSize = 16 * 1024
        let chunk = UnsafeMutablePointer<CChar>.allocate(capacity: chunkSize)
        defer { chunk.deallocate() }

        func drain(_ outPointer: UnsafeMutablePointer<CChar>?) {
            guard let outPointer else { return }
            let produced = chunk.distance(to: outPointer)
            chunk.withMemoryRebound(to: UInt8.self, capacity: produced) { bytes in
                output.append(contentsOf: UnsafeBufferPointer(start: bytes, count: produced))
            }
        }

        input.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            var inPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(mutating: base)
                .assumingMemoryBound(to: CChar.self)
            var inLeft = buffer.count
            while inLeft > 0 {
                var outPointer: UnsafeMutablePointer<CChar>? = chunk
                var outLeft = chunkSize
                let result = iconv(descriptor, &inPointer, &inLeft, &outPointer, &outLeft)
                let failure = result == -1 ? errno : 0
                drain(outPointer)
                if result != -1 || failure == E2BIG { continue }
                invalidSequences += 1
                output.append(contentsOf: [0xEF, 0xBF, 0xBD])
                if failure == EILSEQ, inLeft > 0 {
                    inPointer = inPointer.map { $0 + 1 }
                    inLeft -= 1
                } else {
                    break  // EINVAL: a truncated sequence at the end
                }
            }
        }
        // Let stateful encodings (ISO-2022-JP) emit what they still hold.
        var outPointer: UnsafeMutablePointer<CChar>? = chunk
        var outLeft = chunkSize
        _ = iconv(descriptor, nil, nil, &outPointer, &outLeft)
        drain(outPointer)
        return (output, invalidSequences)
    }
}
