import Foundation

/// Reads a file (or standard input) line by line in large chunks, with 1-based line numbers.
/// `\n` and `\r\n` both end a line; a missing final newline is fine.
public final class LineReader {
    /// The name used in error messages (`<stdin>` for standard input).
    public let name: String
    /// The number of the line last returned.
    public private(set) var lineNumber = 0
    /// Bytes consumed so far, for progress.
    public private(set) var bytesRead: Int64 = 0

    private let handle: FileHandle
    private let ownsHandle: Bool
    private var buffer: [UInt8] = []
    private var start = 0
    private var eof = false
    private var atStart = true

    /// Opens `path`, or standard input for `-`.
    public init(path: String) throws(PatronError) {
        (handle, name, ownsHandle) = try Self.open(path)
    }

    /// Opens `path` for reading, or standard input for `-`: the handle, the name for messages
    /// (`<stdin>`), and whether the caller must close it.
    public static func open(_ path: String) throws(PatronError) -> (FileHandle, name: String, owned: Bool) {
        if path == "-" { return (FileHandle.standardInput, "<stdin>", false) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
            let handle = FileHandle(forReadingAtPath: path)
        else {
            throw PatronError(.io, "cannot open file (no such file, or a directory)", at: InputLocation(file: path))
        }
        return (handle, path, true)
    }

    deinit {
        if ownsHandle { try? handle.close() }
    }

    /// The next line without its terminator, or `nil` at the end.
    public func next() throws(PatronError) -> Substring? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > start, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = Self.string(buffer[start..<end])
                bytesRead += Int64(newline + 1 - start)
                start = newline + 1
                lineNumber += 1
                return line
            }
            if eof {
                guard start < buffer.count else { return nil }
                var end = buffer.count
                if buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = Self.string(buffer[start..<end])
                bytesRead += Int64(buffer.count - start)
                start = buffer.count
                lineNumber += 1
                return line
            }
            try fill()
        }
    }

    /// Like ``next()``, but hands the line's bytes (without terminator) to `body` instead of
    /// making a `String` — for readers of millions of short lines. `nil` at the end.
    public func nextLine<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) throws(PatronError) -> R? {
        while true {
            let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n"))
            if newline != nil || eof {
                guard newline != nil || start < buffer.count else { return nil }
                let stop = newline ?? buffer.count
                var end = stop
                if end > start, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let (from, to) = (start, end)
                bytesRead += Int64(min(stop + 1, buffer.count) - start)
                start = min(stop + 1, buffer.count)
                lineNumber += 1
                return buffer.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[from..<to])) }
            }
            try fill()
        }
    }

    private func fill() throws(PatronError) {
        if start > 0 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        let chunk: Data?
        do {
            chunk = try handle.read(upToCount: 1 << 20)
        } catch {
            throw PatronError(.io, "read failed: \(error.localizedDescription)", at: InputLocation(file: name))
        }
        if let chunk, !chunk.isEmpty {
            buffer.append(contentsOf: chunk)
            // A UTF-8 byte order mark (spreadsheet exports write one) is not part of line 1.
            if atStart, buffer.count >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF {
                buffer.removeFirst(3)
                bytesRead += 3
            }
            atStart = false
        } else {
            eof = true
        }
    }

    private static func string(_ bytes: ArraySlice<UInt8>) -> Substring {
        Substring(String(decoding: bytes, as: UTF8.self))
    }
}
