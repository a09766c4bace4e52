import Foundation
import PatronCore

/// How to read a CSV file; what is left `nil` is detected.
public struct CSVOptions: Sendable, Hashable {
    /// The text encoding; `nil`: from a byte-order mark, else UTF-8 when valid, else Windows-1252.
    public var encoding: CSVEncoding?
    /// The field delimiter; `nil`: sniffed from the header among `,` `;` and tab.
    public var delimiter: UInt8?

    public init(encoding: CSVEncoding? = nil, delimiter: UInt8? = nil) {
        self.encoding = encoding
        self.delimiter = delimiter
    }
}

/// A streaming RFC 4180 reader: UTF-8 with or without BOM, UTF-16 with BOM, Latin-1 and
/// Windows-1252; `,` `;` or tab; quoted fields with delimiters, doubled quotes and line breaks;
/// LF, CRLF and CR line ends; blank lines skipped. Memory stays flat in the file size.
///
/// The first non-blank record is the header; every later record must have as many fields.
/// Ragged rows, NUL bytes, an unterminated quote and invalid UTF-8 are errors naming the line
/// and column.
public final class CSVReader {
    /// The name in error messages.
    public let name: String
    public private(set) var encoding: CSVEncoding
    public private(set) var delimiter: UInt8
    public private(set) var header: [String] = []
    /// The line on which the record last returned starts (1-based, counting every line break).
    public private(set) var recordLine = 0
    /// Raw bytes read from the file so far (up to a chunk ahead of the records returned).
    public private(set) var bytesRead: Int64 = 0
    /// Bytes of the buffer's encoding appended so far (to relate the buffer to the file).
    private var transcodedBytes: Int64 = 0

    /// Raw bytes of the file the records returned so far took up, for progress and ETA: the
    /// bytes read less what still waits in the buffer (through the transcoder's ratio).
    public var bytesConsumed: Int64 {
        guard transcodedBytes > 0 else { return 0 }
        let waiting = Double(buffer.count - position) * Double(bytesRead) / Double(transcodedBytes)
        return max(0, bytesRead - Int64(waiting))
    }

    private let handle: FileHandle
    private let ownsHandle: Bool
    private var transcoder: CSVTranscoder
    private var buffer: [UInt8] = []
    private var position = 0
    private var line = 1
    private var inputDone = false
    private var validateUTF8: Bool
    // The record being read: field bytes back to back, where each ends, where each starts in the buffer.
    private var scratch: [UInt8] = []
    private var ends: [Int] = []
    private var starts: [Int] = []

    static let maxRecordBytes = 64 << 20
    /// Bytes read at a time (tests use tiny chunks to split every construct).
    private let chunkSize: Int

    /// Opens `path` (or standard input for `-`) and reads the header.
    public init(path: String, options: CSVOptions = CSVOptions(), chunkSize: Int? = nil) throws(PatronError) {
        self.chunkSize = max(1, chunkSize ?? 1 << 20)
        (handle, name, ownsHandle) = try LineReader.open(path)
        // Encoding: a byte-order mark wins, then the option, then a guess from the first chunk.
        var first = try Self.read(handle, name: name, count: self.chunkSize)
        // A mark needs three bytes, a guess a fair sample: the first 64 KiB (or the whole file).
        while first.count < 1 << 16 {
            let more = try Self.read(handle, name: name, count: self.chunkSize)
            if more.isEmpty { break }
            first += more
        }
        bytesRead = Int64(first.count)
        var encoding = options.encoding ?? .utf8
        if let (marked, length) = CSVEncoding.byteOrderMark(first[...]) {
            encoding = marked
            first.removeFirst(length)
        } else if options.encoding == nil {
            encoding = CSVEncoding.guess(first[...])
        }
        self.encoding = encoding
        transcoder = CSVTranscoder(encoding)
        validateUTF8 = encoding == .utf8
        delimiter = options.delimiter ?? UInt8(ascii: ",")
        inputDone = first.isEmpty
        try append(first)
        if options.delimiter == nil { delimiter = sniffDelimiter() }
        guard let fields = try next(checkingWidth: false) else {
            throw PatronError(.malformedInput, "empty file; expected a header line", at: InputLocation(file: name))
        }
        header = fields
    }

    deinit {
        if ownsHandle { try? handle.close() }
    }

    /// The next record's fields, or `nil` at the end.
    public func next() throws(PatronError) -> [String]? { try next(checkingWidth: true) }

    /// Hands the next record to `body` without making strings (see ``CSVRow``); `nil` at the end.
    public func nextRow<R>(_ body: (CSVRow) -> R) throws(PatronError) -> R? {
        guard try advance(checkingWidth: true) else { return nil }
        return scratch.withUnsafeBufferPointer { body(CSVRow(bytes: $0, ends: ends)) }
    }

    private func next(checkingWidth: Bool) throws(PatronError) -> [String]? {
        guard try advance(checkingWidth: checkingWidth) else { return nil }
        return scratch.withUnsafeBufferPointer { bytes in CSVRow(bytes: bytes, ends: ends).strings }
    }

    // MARK: Parsing

    private enum Step {
        case record(next: Int, lines: Int)
        case blank(next: Int, lines: Int)
        case needMore
        case failure(String, at: Int)
    }

    /// Reads the next non-blank record into `scratch`/`ends`; false at the end of input.
    private func advance(checkingWidth: Bool) throws(PatronError) -> Bool {
        while true {
            if position >= buffer.count && inputDone { return false }
            let atEnd = inputDone
            let (from, delimiter) = (position, self.delimiter)
            // The parse works on locals: class properties would be checked for exclusive access
            // on every byte.
            var fieldBytes: [UInt8] = []
            var fieldEnds: [Int] = []
            var fieldStarts: [Int] = []
            swap(&fieldBytes, &scratch)
            swap(&fieldEnds, &ends)
            swap(&fieldStarts, &starts)
            let step = buffer.withUnsafeBufferPointer {
                Self.parse(
                    $0, from: from, atEnd: atEnd, delimiter: delimiter, scratch: &fieldBytes, ends: &fieldEnds,
                    starts: &fieldStarts)
            }
            swap(&fieldBytes, &scratch)
            swap(&fieldEnds, &ends)
            swap(&fieldStarts, &starts)
            switch step {
            case .record(let next, let lines):
                recordLine = line
                position = next
                line += lines
                if checkingWidth && ends.count != header.count {
                    let column = ends.count > header.count ? column(ofBufferIndex: starts[header.count]) : nil
                    throw PatronError(
                        .malformedInput,
                        "\(ends.count) fields where the header has \(header.count) (\(header.joined(separator: ", ")))",
                        at: InputLocation(file: name, line: recordLine, field: column.map { "column \($0)" }))
                }
                return true
            case .blank(let next, let lines):
                position = next
                line += lines
            case .needMore:
                guard buffer.count - position < Self.maxRecordBytes else {
                    throw PatronError(
                        .malformedInput, "a record longer than 64 MiB (an unterminated quote?)",
                        at: InputLocation(file: name, line: line))
                }
                try refill()
            case .failure(let message, let index):
                let lineNumber = line + newlines(from: position, to: index)
                throw PatronError(
                    .malformedInput, message,
                    at: InputLocation(file: name, line: lineNumber, field: "column \(column(ofBufferIndex: index))"))
            }
        }
    }

    private static func parse(
        _ p: UnsafeBufferPointer<UInt8>, from start: Int, atEnd: Bool, delimiter: UInt8, scratch: inout [UInt8],
        ends: inout [Int], starts: inout [Int]
    ) -> Step {
        let quote = UInt8(ascii: "\"")
        let lf = UInt8(10)
        let cr = UInt8(13)
        let n = p.count
        scratch.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        starts.removeAll(keepingCapacity: true)
        var i = start
        var lines = 0
        // A line with nothing on it.
        if i < n, p[i] == lf || p[i] == cr {
            if p[i] == cr {
                if i + 1 < n { return .blank(next: i + (p[i + 1] == lf ? 2 : 1), lines: 1) }
                return atEnd ? .blank(next: i + 1, lines: 1) : .needMore
            }
            return .blank(next: i + 1, lines: 1)
        }
        while true {
            starts.append(i)
            if i < n, p[i] == quote {
                let opened = i
                i += 1
                while true {
                    var j = i
                    while j < n, p[j] != quote, p[j] != 0, p[j] != lf, p[j] != cr { j += 1 }
                    if j > i { scratch.append(contentsOf: UnsafeBufferPointer(rebasing: p[i..<j])) }
                    i = j
                    if i >= n {
                        return atEnd
                            ? .failure("unterminated quoted field (the quote opens here)", at: opened) : .needMore
                    }
                    let c = p[i]
                    if c == quote {
                        if i + 1 < n {
                            if p[i + 1] == quote {
                                scratch.append(quote)
                                i += 2
                                continue
                            }
                            i += 1
                            break
                        }
                        if atEnd {
                            i += 1
                            break
                        }
                        return .needMore
                    }
                    if c == 0 { return .failure("NUL byte", at: i) }
                    // A line break inside the field is kept as it is.
                    if c == cr {
                        if i + 1 >= n && !atEnd { return .needMore }
                        if !(i + 1 < n && p[i + 1] == lf) { lines += 1 }
                    } else {
                        lines += 1
                    }
                    scratch.append(c)
                    i += 1
                }
            }
            // Unquoted text (or text after a closing quote, kept as is).
            var j = i
            while j < n, p[j] != delimiter, p[j] != lf, p[j] != cr, p[j] != 0 { j += 1 }
            if j > i { scratch.append(contentsOf: UnsafeBufferPointer(rebasing: p[i..<j])) }
            i = j
            if i < n, p[i] == 0 { return .failure("NUL byte", at: i) }
            ends.append(scratch.count)
            if i >= n { return atEnd ? .record(next: n, lines: lines) : .needMore }
            let c = p[i]
            if c == delimiter {
                i += 1
                continue
            }
            if c == cr {
                if i + 1 < n {
                    i += p[i + 1] == lf ? 2 : 1
                } else if atEnd {
                    i += 1
                } else {
                    return .needMore
                }
            } else {
                i += 1
            }
            return .record(next: i, lines: lines + 1)
        }
    }

    /// The delimiter among `,` `;` and tab that the first line (outside quotes) uses most.
    private func sniffDelimiter() -> UInt8 {
        var counts: [UInt8: Int] = [UInt8(ascii: ","): 0, UInt8(ascii: ";"): 0, 9: 0]
        var quoted = false
        var seenText = false
        for byte in buffer[position...] {
            if byte == UInt8(ascii: "\"") { quoted.toggle() }
            if !quoted && (byte == 10 || byte == 13) {
                if seenText { break }
                continue
            }
            seenText = true
            if !quoted, counts[byte] != nil { counts[byte]! += 1 }
        }
        let best = counts.max { a, b in a.value < b.value || (a.value == b.value && a.key != UInt8(ascii: ",")) }
        return (best?.value ?? 0) > 0 ? best!.key : UInt8(ascii: ",")
    }

    // MARK: Input

    private static func read(_ handle: FileHandle, name: String, count: Int) throws(PatronError) -> [UInt8] {
        do {
            return try handle.read(upToCount: count).map { [UInt8]($0) } ?? []
        } catch {
            throw PatronError(.io, "read failed: \(error.localizedDescription)", at: InputLocation(file: name))
        }
    }

    private func refill() throws(PatronError) {
        if position > 0 {
            buffer.removeSubrange(0..<position)
            position = 0
        }
        let chunk = try Self.read(handle, name: name, count: chunkSize)
        bytesRead += Int64(chunk.count)
        if chunk.isEmpty { inputDone = true }
        try append(chunk)
    }

    private func append(_ raw: [UInt8]) throws(PatronError) {
        let before = buffer.count
        transcoder.transcode(raw[...], final: inputDone, into: &buffer)
        transcodedBytes += Int64(buffer.count - before)
        guard validateUTF8 else { return }
        // Check the new bytes (from the start of any sequence the last chunk left incomplete).
        var from = before
        var back = 0
        while back < 3, from > position, buffer[from - 1] & 0xC0 == 0x80 {
            from -= 1
            back += 1
        }
        if from > position, buffer[from - 1] >= 0xC0 { from -= 1 }
        var to = buffer.count
        if !inputDone {
            var tail = 0
            while tail < 3, to > from, buffer[to - 1] & 0xC0 == 0x80 {
                to -= 1
                tail += 1
            }
            if to > from, buffer[to - 1] >= 0xC0 { to -= 1 } else { to = buffer.count }
        }
        if let bad = Self.firstInvalidUTF8(buffer, from: from, to: to) {
            throw PatronError(
                .malformedInput,
                "not valid UTF-8 (pass --encoding windows-1252 or latin-1 for files from older spreadsheets)",
                at: InputLocation(
                    file: name, line: line + newlines(from: position, to: bad),
                    field: "column \(column(ofBufferIndex: bad))"))
        }
    }

    /// The index of the first byte of `buffer[from..<to]` that is not well-formed UTF-8.
    static func firstInvalidUTF8(_ buffer: [UInt8], from: Int, to: Int) -> Int? {
        var i = from
        // ASCII, eight bytes at a time.
        let ascii = buffer.withUnsafeBytes { raw -> Int in
            var j = from
            while j + 8 <= to {
                if raw.loadUnaligned(fromByteOffset: j, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { break }
                j += 8
            }
            return j
        }
        i = ascii
        while i < to {
            let b = buffer[i]
            if b < 0x80 {
                i += 1
                continue
            }
            let length: Int
            if b >= 0xC2 && b <= 0xDF {
                length = 2
            } else if b >= 0xE0 && b <= 0xEF {
                length = 3
            } else if b >= 0xF0 && b <= 0xF4 {
                length = 4
            } else {
                return i
            }
            guard i + length <= to else { return i }
            if !CSVEncoding.validUTF8(buffer[i..<(i + length)]) { return i }
            i += length
        }
        return nil
    }

    private func newlines(from: Int, to: Int) -> Int {
        var count = 0
        var i = from
        while i < min(to, buffer.count) {
            if buffer[i] == 10 || (buffer[i] == 13 && !(i + 1 < buffer.count && buffer[i + 1] == 10)) { count += 1 }
            i += 1
        }
        return count
    }

    /// The 1-based character column of a buffer position within its line.
    private func column(ofBufferIndex index: Int) -> Int {
        var start = min(index, buffer.count)
        while start > 0, buffer[start - 1] != 10, buffer[start - 1] != 13 { start -= 1 }
        return buffer[start..<min(index, buffer.count)].reduce(1) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
    }
}

/// One record's fields as UTF-8 bytes, valid only inside the call that hands it out.
public struct CSVRow {
    let bytes: UnsafeBufferPointer<UInt8>
    let ends: [Int]

    /// The number of fields.
    public var count: Int { ends.count }

    /// Field `index`'s bytes.
    public func field(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        let start = index == 0 ? 0 : ends[index - 1]
        return UnsafeBufferPointer(rebasing: bytes[start..<ends[index]])
    }

    /// Field `index` as a string.
    public func string(_ index: Int) -> String { String(decoding: field(index), as: UTF8.self) }

    /// Every field as a string.
    public var strings: [String] { (0..<count).map(string) }
}
