import Foundation
import PatronCore

/// Mail kept as files — one message per `.eml` file, or many in an mbox (`From ` lines, mboxrd
/// quoting undone) — as a ``SourceConnector`` of `mail.received` events: a support mailbox's
/// archive brought into tickets (`patron mail import`), and the source the conformance kit
/// checks the mail mapping with. The IMAP fetcher (``MailFetcher``) turns each message into the
/// same event.
///
/// Each event's id is `mail:<Message-ID>` (derived from the bytes when there is none), so a
/// message read again — from another file, or later from the mailbox — is stored once; within
/// one read, a message met a second time is skipped. A message without a `Date` takes the
/// file's modification time. Errors name the file (and, in an mbox, the line of its `From `).
public struct MailFiles: SourceConnector {
    public let source: String
    public let paths: [String]

    public init(paths: [String], source: String = "mail") {
        self.paths = paths
        self.source = source
    }

    public func events() -> AsyncThrowingStream<IngestEvent, any Error> {
        let (paths, source) = (paths, source)
        return AsyncThrowingStream { continuation in
            do {
                var seen = Set<String>()
                for path in paths {
                    for event in try Self.events(at: path, source: source) where seen.insert(event.id).inserted {
                        continuation.yield(event)
                    }
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
    }

    static func events(at path: String, source: String) throws -> [IngestEvent] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PatronError(.io, "cannot read the file", at: InputLocation(file: path))
        }
        let modified =
            (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date)
            .map { Int64($0.timeIntervalSince1970) } ?? 0
        let bytes = [UInt8](data)
        let messages: [(line: Int?, raw: [UInt8])] =
            bytes.starts(with: Array("From ".utf8)) ? Self.mbox(bytes).map { ($0.line, $0.raw) } : [(nil, bytes)]
        return try messages.map { message in
            let location = InputLocation(file: path, line: message.line)
            guard Self.startsWithHeaderField(message.raw) else {
                throw PatronError(
                    .malformedInput, "not a mail message (no header: the first line is no 'Name: value')",
                    at: location)
            }
            let mail = MailMessage(mime: MIMEMessage(parsing: message.raw), raw: message.raw, receivedAt: modified)
            return IngestEvent.mailReceived(mail, source: source, origin: location)
        }
    }

    /// The messages of an mbox: each starts after a `From ` line (at the start of the file or
    /// after a blank line); `>From `, `>>From `, … lose one `>` (mboxrd).
    static func mbox(_ bytes: [UInt8]) -> [(line: Int, raw: [UInt8])] {
        var messages: [(line: Int, raw: [UInt8])] = []
        var current: [UInt8] = []
        var start = 0
        var lineNumber = 0
        var previousBlank = true
        var index = 0
        while index < bytes.count {
            let end = bytes[index...].firstIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? bytes.count
            let line = bytes[index..<end]
            lineNumber += 1
            if previousBlank, line.starts(with: Array("From ".utf8)) {
                if lineNumber > 1 { messages.append((start, Self.trimmingSeparator(current))) }
                current = []
                start = lineNumber
            } else {
                let quotes = line.prefix { $0 == UInt8(ascii: ">") }.count
                if quotes > 0, line.dropFirst(quotes).starts(with: Array("From ".utf8)) {
                    current.append(contentsOf: line.dropFirst())
                } else {
                    current.append(contentsOf: line)
                }
            }
            previousBlank = line.allSatisfy { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }
            index = end
        }
        if lineNumber > 0 { messages.append((start, current)) }
        return messages.filter { !$0.raw.isEmpty }
    }

    /// Whether the first line (after any leading white space, which real exports have) is a
    /// header field: a name of printable ASCII without spaces, then a colon (RFC 5322 §2.2).
    static func startsWithHeaderField(_ bytes: [UInt8]) -> Bool {
        let raw = bytes.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
        let name = raw.prefix { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") }
        return !name.isEmpty && name.count < raw.count && raw[raw.startIndex + name.count] == UInt8(ascii: ":")
    }

    /// A message without the blank line that separated it from the next `From `.
    static func trimmingSeparator(_ raw: [UInt8]) -> [UInt8] {
        var raw = raw
        if raw.last == UInt8(ascii: "\n") { raw.removeLast() }
        if raw.last == UInt8(ascii: "\r") { raw.removeLast() }
        return raw
    }
}
