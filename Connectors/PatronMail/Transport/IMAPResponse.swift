import Foundation

/// Reads the untagged lines libcurl hands back for a custom IMAP command.
enum IMAPResponse {
    /// The lines of a response body, without line ends.
    static func lines(_ body: [UInt8]) -> [Substring] {
        String(decoding: body, as: UTF8.self).split(whereSeparator: \.isNewline)
    }

    /// `* SEARCH 3 7 12` (possibly several lines) → the numbers.
    static func searchResults(_ body: [UInt8]) -> [UInt32] {
        lines(body).flatMap { line -> [UInt32] in
            let words = line.split(separator: " ")
            guard words.count >= 2, words[0] == "*", words[1].uppercased() == "SEARCH" else { return [] }
            return words.dropFirst(2).compactMap { UInt32($0) }
        }
    }

    /// `* STATUS "INBOX" (MESSAGES 3 UIDNEXT 4 UIDVALIDITY 17)` → the name/value pairs, uppercased names.
    static func statusItems(_ body: [UInt8]) -> [String: UInt64] {
        for line in lines(body) where line.uppercased().hasPrefix("* STATUS ") {
            guard let open = line.lastIndex(of: "("), let close = line.lastIndex(of: ")"), open < close else {
                continue
            }
            return pairs(line[line.index(after: open)..<close])
        }
        return [:]
    }

    /// `* 5 FETCH (UID 9 RFC822.SIZE 3628)` → the numeric items of the FETCH whose UID matches.
    static func fetchItems(_ body: [UInt8], uid: UInt32) -> [String: UInt64]? {
        fetchLine(body, uid: uid).map { pairs($0.items) }
    }

    /// The flags in the FETCH reply for `uid` (`FLAGS (\Seen \Answered)`), uppercased.
    static func fetchFlags(_ body: [UInt8], uid: UInt32) -> Set<String> {
        guard let items = fetchLine(body, uid: uid)?.items,
            let start = items.range(of: "FLAGS (", options: .caseInsensitive)?.upperBound,
            let end = items[start...].firstIndex(of: ")")
        else { return [] }
        return Set(items[start..<end].split(separator: " ").map { $0.uppercased() })
    }

    /// The parenthesised items of the untagged FETCH line whose UID is `uid`.
    private static func fetchLine(_ body: [UInt8], uid: UInt32) -> (line: Substring, items: Substring)? {
        for line in lines(body) {
            let upper = line.uppercased()
            guard upper.hasPrefix("* "), upper.contains(" FETCH ("), let open = line.firstIndex(of: "("),
                let close = line.lastIndex(of: ")"), open < close
            else { continue }
            let items = line[line.index(after: open)..<close]
            if pairs(items)["UID"] == UInt64(uid) { return (line, items) }
        }
        return nil
    }

    /// `NAME 1 OTHER 2` → dictionary; non-numeric values are skipped.
    private static func pairs(_ text: Substring) -> [String: UInt64] {
        let words = text.split(separator: " ")
        var items: [String: UInt64] = [:]
        var index = 0
        while index + 1 < words.count {
            if let value = UInt64(words[index + 1]) {
                items[words[index].uppercased()] = value
                index += 2
            } else {
                index += 1
            }
        }
        return items
    }

    /// A mailbox name as an IMAP quoted string (RFC 3501 §4.3). Names are sent as given:
    /// non-ASCII names need modified UTF-7, which is not done here.
    static func quoted(_ mailbox: String) -> String {
        "\"" + mailbox.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
