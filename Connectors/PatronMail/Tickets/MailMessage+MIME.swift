import Foundation
import PatronCore

extension MailMessage {
    /// The kernel's view of a parsed message. A message without a Message-ID gets one derived
    /// from its bytes (so a refetch is still recognised); without a Date, `receivedAt` is used.
    public init(mime: MIMEMessage, raw: [UInt8], receivedAt: Int64, direction: Direction = .inbound) {
        let kind: Kind
        // A report's addresses may come from body text: one with a control character is no
        // address (and a NUL would be refused by PostgreSQL when looked up).
        func addresses(_ list: [String]) -> [String] {
            list.filter { !$0.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F } }
        }
        if let report = mime.deliveryStatus {
            let failed = addresses(report.failedRecipients)
            kind = failed.isEmpty ? .autoReply : .bounce(failed: failed)
        } else if let feedback = mime.feedbackReport {
            kind = .complaint(recipients: addresses(feedback.originalRecipients))
        } else if mime.isAutoReply {
            kind = .autoReply
        } else {
            kind = .message
        }
        let importance = (mime.headers["Importance"] ?? "").lowercased()
        let xPriority = (mime.headers["X-Priority"] ?? "").trimmingCharacters(in: .whitespaces)
        let priority: TicketPriority =
            importance.contains("high") || xPriority.hasPrefix("1") || xPriority.hasPrefix("2")
            ? .high : importance.contains("low") || xPriority.hasPrefix("5") ? .low : .normal
        // No stored text holds U+0000 (the store's C interface would cut it off); a Message-ID
        // that could not have been one header line is replaced by the derived id. Replaced by
        // scalar: a NUL followed by a combining mark is one Character, which a string search for
        // "\u{0}" does not find (found by fuzzing: such a body failed the event's validation).
        func clean(_ text: String) -> String {
            guard text.utf8.contains(0) else { return text }
            var scalars = String.UnicodeScalarView()
            scalars.append(contentsOf: text.unicodeScalars.lazy.map { $0 == "\u{0}" ? "\u{FFFD}" : $0 })
            return String(scalars)
        }
        // A header field is at most what an event's text may be (a folded Subject can be any
        // length): cut at a character, marked with an ellipsis, so one mail never stops a mailbox.
        func field(_ text: String) -> String {
            let text = clean(text)
            guard text.utf8.count > IngestEvent.maxTextBytes else { return text }
            var kept = ""
            var bytes = 0
            for character in text {
                bytes += character.utf8.count
                if bytes > IngestEvent.maxTextBytes - 3 { break }
                kept.append(character)
            }
            return kept + "…"
        }
        let messageID = mime.messageID.flatMap { id in
            id.isEmpty || id.utf8.count > 998 || id.utf8.contains(0) ? nil : id
        }
        self.init(
            messageID: messageID ?? Self.derivedID(raw), inReplyTo: mime.inReplyTo.map(clean),
            references: mime.references.map(clean), from: mime.from.map { field($0.address) },
            fromName: mime.from?.name.map(field), to: (mime.to + mime.cc).map { field($0.address) },
            subject: field(mime.subject ?? ""),
            sentAt: mime.date.map { Int64($0.timeIntervalSince1970) } ?? receivedAt,
            body: clean(mime.bodyText),
            attachments: mime.attachments.map {
                MailAttachmentInfo(name: $0.filename.map(field), type: field($0.mimeType), size: $0.size)
            },
            kind: kind, direction: direction, priority: priority, warnings: mime.warnings.map(\.description))
    }

    /// A stable id from the bytes (FNV-1a 64 with two seeds), line ends ignored: IMAP servers
    /// hand LF-only messages back with CRLF.
    static func derivedID(_ raw: [UInt8]) -> String {
        func fnv(_ seed: UInt64) -> UInt64 {
            var hash = seed
            for byte in raw where byte != 0x0D {
                hash ^= UInt64(byte)
                hash = hash &* 0x100_0000_01b3
            }
            return hash
        }
        return String(format: "%016llx%016llx@patron.derived", fnv(0xcbf2_9ce4_8422_2325), fnv(0x84222325cbf29ce4))
    }
}
