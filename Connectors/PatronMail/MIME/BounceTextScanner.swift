/// Recovers failed recipients from bounces that carry no `message/delivery-status` part
/// (qmail, Exim, Gmail, Exchange/Office 365 text bounces).
///
/// A message counts as such a bounce when it is a delivery-status report without the machine
/// part, has `X-Failed-Recipients`, or comes from a mailer daemon or postmaster with a bounce
/// subject or bounce wording. Addresses come from `X-Failed-Recipients`, else from the first
/// address-bearing line after a phrase such as "The following address(es) failed" and the
/// address lines right after it. The bounce's own sender and recipient are never reported.
enum BounceTextScanner {
    private static let daemonLocalParts: Set<String> = [
        "mailer-daemon", "mailerdaemon", "mail-daemon", "postmaster", "mail.delivery.system",
    ]

    private static let subjectPrefixes = [
        "undeliverable", "undelivered mail", "undelivered message", "delivery status notification",
        "mail delivery failed", "mail delivery failure", "returned mail", "failure notice", "delivery failure",
        "mail system error", "non delivery", "non-delivery", "nondeliverable", "message not delivered",
        "delivery notification", "error mail report", "rejected:", "could not send message",
    ]

    private static let triggers = [
        "following address(es) failed", "following recipient failed", "following recipients failed",
        "delivery has failed to these recipients", "following addresses had permanent fatal errors",
        "to the following addresses", "to the following recipients", "could not be delivered to",
        "did not receive this message", "was undeliverable", "delivery to the following",
        "could not be reached", "your message to", "message could not be delivered",
    ]

    static func report(for message: MIMEMessage) -> DeliveryStatusReport? {
        let headers = message.headers
        let contentType = message.root.contentType
        let isReport =
            contentType.mimeType == "multipart/report"
            && contentType.parameters["report-type"]?.lowercased() == "delivery-status"
        let fromDaemon = message.from.map { daemonLocalParts.contains($0.localPart.lowercased()) } ?? false
        let subject = message.subject?.lowercased() ?? ""
        let bounceSubject = subjectPrefixes.contains { subject.hasPrefix($0) }
        let excluded = Set((message.to + message.cc + [message.from].compactMap { $0 }).map { $0.address.lowercased() })

        var addresses = message.addresses(in: "X-Failed-Recipients")
            .map(\.address).filter { isPlausible($0) && !excluded.contains($0.lowercased()) }
        let hasFailedHeader = !addresses.isEmpty
        if addresses.isEmpty {
            addresses = scan(message.bodyText, excluding: excluded)
        }
        let isBounce =
            isReport || hasFailedHeader || (fromDaemon && (bounceSubject || !addresses.isEmpty))
            || (bounceSubject && !addresses.isEmpty && headers.contains("Auto-Submitted"))
        guard isBounce else { return nil }
        var seen = Set<String>()
        let recipients = addresses.filter { seen.insert($0.lowercased()).inserted }.map {
            DeliveryStatusReport.Recipient(finalRecipient: $0, action: .failed)
        }
        return DeliveryStatusReport(reportingMTA: nil, recipients: recipients, source: .heuristic)
    }

    /// The addresses after the first bounce phrase in `text`.
    static func scan(_ text: String, excluding excluded: Set<String>) -> [String] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() {
            let lower = line.lowercased()
            guard triggers.contains(where: lower.contains) else { continue }
            var found: [String] = []
            var position = index
            // The phrase line itself ("The following message to <x> was undeliverable"), then
            // up to eight lines after it for the first address.
            while position < min(lines.count, index + 9) {
                found = addresses(in: lines[position]).filter { !excluded.contains($0.lowercased()) }
                if !found.isEmpty { break }
                position += 1
            }
            guard !found.isEmpty else { continue }
            // Further recipients listed one per line right below the first one.
            var next = position + 1
            while next < lines.count, startsWithAddress(lines[next]) {
                found += addresses(in: lines[next]).filter { !excluded.contains($0.lowercased()) }
                next += 1
            }
            return found
        }
        return []
    }

    private static func startsWithAddress(_ line: Substring) -> Bool {
        let trimmed = line.drop { $0 == " " || $0 == "\t" || $0 == "<" || $0 == "\"" }
        guard let firstWord = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }).first else { return false }
        return firstWord.contains("@" as Character)
    }

    /// Addresses in a line of text, first one first, each only once.
    static func addresses(in line: Substring) -> [String] {
        let characters = Array(line)
        var result: [String] = []
        for (index, character) in characters.enumerated() where character == "@" {
            var start = index
            while start > 0, isLocalCharacter(characters[start - 1]) { start -= 1 }
            var end = index + 1
            while end < characters.count, isDomainCharacter(characters[end]) { end += 1 }
            while end > index + 1, characters[end - 1] == "." || characters[end - 1] == "-" { end -= 1 }
            while start < index, characters[start] == "." { start += 1 }
            guard start < index, end > index + 1 else { continue }
            let address = MailAddress(address: String(characters[start..<end])).address
            if isPlausible(address), !result.contains(address) { result.append(address) }
        }
        return result
    }

    private static func isPlausible(_ address: String) -> Bool {
        guard let at = address.lastIndex(of: "@"), at != address.startIndex else { return false }
        let domain = address[address.index(after: at)...]
        let local = address[..<at].lowercased()
        return domain.contains("." as Character) && !domain.hasPrefix(".") && !daemonLocalParts.contains(local)
    }

    private static func isLocalCharacter(_ character: Character) -> Bool {
        guard character.isASCII else { return false }
        return character.isLetter || character.isNumber || "._%+-=!#$&'*/?^`{|}~".contains(character)
    }

    private static func isDomainCharacter(_ character: Character) -> Bool {
        guard character.isASCII else { return false }
        return character.isLetter || character.isNumber || character == "." || character == "-"
    }
}
