import Foundation

/// What a fetcher needs for many messages at once, in few round trips.
extension IMAPClient {
    /// Which messages of `range` are over the size limit, and which are unseen: two `UID SEARCH`
    /// commands (`LARGER`, `UNSEEN`). A FETCH of sizes would do it in one, but libcurl counts
    /// the sizes a custom FETCH announces against its 300 kB limit on response headers.
    public func summaries(uids range: ClosedRange<UInt32>) throws(MailTransportError) -> (
        tooLarge: Set<UInt32>, unseen: Set<UInt32>
    ) {
        let span = "\(range.lowerBound):\(range.upperBound)"
        let large = try run("UID SEARCH UID \(span) LARGER \(maximumMessageSize)", url: mailboxURL)
        let unseen = try run("UID SEARCH UID \(span) UNSEEN", url: mailboxURL)
        return (
            Set(IMAPResponse.searchResults(large.body).filter(range.contains)),
            Set(IMAPResponse.searchResults(unseen.body).filter(range.contains))
        )
    }

    /// The raw bytes of a message known to be within the size limit (``summaries(uids:)``): one
    /// round trip. libcurl's `BODY[]` sets `\Seen`; put it back with ``setSeen(_:uids:)``.
    public func body(uid: UInt32) throws(MailTransportError) -> [UInt8] {
        let response = try curl.perform(
            Curl.Request(url: mailboxURL + ";UID=\(uid)", maximumDownload: maximumMessageSize))
        guard !response.body.isEmpty else { throw notFound(uid) }
        return response.body
    }

    /// Sets or clears `\Seen` on many messages in one `UID STORE`.
    public func setSeen(_ seen: Bool, uids: [UInt32]) throws(MailTransportError) {
        guard !uids.isEmpty else { return }
        let set = uids.map(String.init).joined(separator: ",")
        _ = try run("UID STORE \(set) \(seen ? "+" : "-")FLAGS.SILENT (\\Seen)", url: mailboxURL)
    }
}
