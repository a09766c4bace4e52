import Foundation

/// Reads one IMAP mailbox over libcurl (`imap://`, `imaps://`, STARTTLS on request): poll by
/// UID, download raw messages, flag and file them.
///
/// Every call blocks until the server answers (or `MailServer.requestTimeout` passes); call it
/// from a task that may block. The connection is opened on first use, reused across calls and
/// closed when the client is released. Not `Sendable`, like the `Curl` handle it owns.
public final class IMAPClient {
    /// The server and credentials.
    public let server: MailServer
    /// The mailbox read by `status`, `search`, `fetch`, `markSeen` and `move` (default `INBOX`).
    public let mailbox: String
    /// Messages larger than this many bytes are not downloaded: `fetch` throws `.tooLarge`.
    public var maximumMessageSize: Int

    let curl: Curl

    /// Creates a client; nothing is sent until the first call.
    public init(
        server: MailServer, mailbox: String = "INBOX", maximumMessageSize: Int = 25 * 1024 * 1024
    ) throws(MailTransportError) {
        guard server.scheme == "imap" || server.scheme == "imaps" else {
            throw MailTransportError(code: .invalidRequest, message: "not an IMAP URL", url: server.baseURL)
        }
        guard !mailbox.isEmpty, mailbox.allSatisfy({ $0.isASCII && $0 != "\r" && $0 != "\n" }) else {
            throw MailTransportError(
                code: .invalidRequest, message: "mailbox name must be non-empty ASCII: \(mailbox)", url: server.baseURL)
        }
        self.server = server
        self.mailbox = mailbox
        self.maximumMessageSize = maximumMessageSize
        self.curl = try Curl(server: server)
    }

    /// UIDVALIDITY, UIDNEXT and counts of the mailbox, from `STATUS` (sent without a mailbox in
    /// the URL, so libcurl does not SELECT first; Dovecot answers it correctly even when the
    /// connection has the mailbox selected, and flags that with a harmless `[CLIENTBUG]`).
    public func status() throws(MailTransportError) -> IMAPMailboxStatus {
        let command = "STATUS \(IMAPResponse.quoted(mailbox)) (MESSAGES UNSEEN UIDNEXT UIDVALIDITY)"
        let response = try run(command, url: server.baseURL + "/")
        let items = IMAPResponse.statusItems(response.body)
        guard let validity = items["UIDVALIDITY"], let next = items["UIDNEXT"] else {
            throw protocolError("STATUS reply without UIDVALIDITY/UIDNEXT", url: server.baseURL + "/")
        }
        return IMAPMailboxStatus(
            uidValidity: UInt32(truncatingIfNeeded: validity), uidNext: UInt32(truncatingIfNeeded: next),
            messages: Int(items["MESSAGES"] ?? 0), unseen: Int(items["UNSEEN"] ?? 0))
    }

    /// The UIDs greater than `uid`, ascending.
    ///
    /// `UID SEARCH UID n:*` always includes the highest UID even when it is below `n`, so the
    /// answer is filtered.
    public func search(uidsAbove uid: UInt32) throws(MailTransportError) -> [UInt32] {
        guard uid < UInt32.max else { return [] }
        let response = try run("UID SEARCH UID \(uid + 1):*", url: mailboxURL)
        return IMAPResponse.searchResults(response.body).filter { $0 > uid }.sorted()
    }

    /// The UIDs in `range`, ascending, searched 500 UIDs at a time: libcurl cuts a long untagged
    /// `* SEARCH` line, so one search over thousands of UIDs would lose some.
    public func search(uids range: ClosedRange<UInt32>) throws(MailTransportError) -> [UInt32] {
        var result: [UInt32] = []
        var start = range.lowerBound
        while true {
            let end = start > range.upperBound - min(range.upperBound, 499) ? range.upperBound : start + 499
            let response = try run("UID SEARCH UID \(start):\(end)", url: mailboxURL)
            result += IMAPResponse.searchResults(response.body).filter { range.contains($0) }
            if end >= range.upperBound { break }
            start = end + 1
        }
        return result.sorted()
    }

    /// The message's size in bytes (`RFC822.SIZE`); throws `.notFound` when there is no such UID.
    public func size(uid: UInt32) throws(MailTransportError) -> Int {
        try summary(uid: uid).size
    }

    /// The raw RFC 822 bytes of a message, exactly as the server stores them.
    ///
    /// The size is checked first: a message over `maximumMessageSize` is not downloaded and the
    /// call throws `.tooLarge` (permanent), saying how big it is. Fetching leaves `\Seen` as it
    /// was: libcurl downloads with `BODY[]`, which sets it, so the client clears it again on a
    /// message that was unseen; call `markSeen` once the message is safely processed.
    public func fetch(uid: UInt32) throws(MailTransportError) -> [UInt8] {
        // SEARCH, not a FETCH of the size: libcurl counts a size a custom FETCH announces
        // against its 300 kB header limit, so that would fail for any message over 300 kB.
        let summary = try summaries(uids: uid...uid)
        if summary.tooLarge.contains(uid) {
            let size = (try? self.size(uid: uid)).map { "\($0) bytes" } ?? "larger"
            throw MailTransportError(
                code: .tooLarge,
                message: "message UID \(uid) is \(size), over the limit of \(maximumMessageSize); not downloaded",
                url: mailboxURL)
        }
        let body = try body(uid: uid)
        if summary.unseen.contains(uid) { try setSeen(false, uids: [uid]) }
        return body
    }

    /// Size and `\Seen` state of one message, from `UID FETCH n (RFC822.SIZE FLAGS)`.
    private func summary(uid: UInt32) throws(MailTransportError) -> (size: Int, seen: Bool) {
        let response = try run("UID FETCH \(uid) (RFC822.SIZE FLAGS)", url: mailboxURL)
        guard let size = IMAPResponse.fetchItems(response.body, uid: uid)?["RFC822.SIZE"] else {
            throw notFound(uid)
        }
        return (Int(size), IMAPResponse.fetchFlags(response.body, uid: uid).contains("\\SEEN"))
    }

    /// Adds `\Seen` to a message's flags.
    public func markSeen(uid: UInt32) throws(MailTransportError) {
        _ = try run("UID STORE \(uid) +FLAGS.SILENT (\\Seen)", url: mailboxURL)
    }

    /// Adds a message to the end of a mailbox (this one by default), e.g. a copy of sent mail.
    /// libcurl always appends with the `\Seen` flag.
    public func append(_ message: [UInt8], to target: String? = nil) throws(MailTransportError) {
        let url = server.baseURL + "/" + Self.pathComponent(target ?? mailbox)
        _ = try curl.perform(Curl.Request(url: url, upload: message))
    }

    /// Creates a mailbox (folder); one that exists already is fine.
    public func createMailbox(_ name: String) throws(MailTransportError) {
        do {
            _ = try run("CREATE \"\(name)\"", url: server.baseURL + "/")
        } catch {
            if error.message.uppercased().contains("ALREADYEXISTS") || error.message.contains("exists") { return }
            throw error
        }
    }

    /// Runs one custom command (after selecting the mailbox its URL names) and returns the
    /// untagged replies.
    func run(_ command: String, url: String) throws(MailTransportError) -> Curl.Response {
        try curl.perform(Curl.Request(url: url, customCommand: command))
    }

    /// `imap://host:port/INBOX`, the mailbox percent-encoded.
    var mailboxURL: String { server.baseURL + "/" + Self.pathComponent(mailbox) }

    static func pathComponent(_ mailbox: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: ";?#%")
        return mailbox.addingPercentEncoding(withAllowedCharacters: allowed) ?? mailbox
    }

    func notFound(_ uid: UInt32) -> MailTransportError {
        MailTransportError(code: .notFound, message: "no message with UID \(uid) in \(mailbox)", url: mailboxURL)
    }

    func protocolError(_ message: String, url: String) -> MailTransportError {
        MailTransportError(code: .protocolError, message: message, url: url)
    }
}
