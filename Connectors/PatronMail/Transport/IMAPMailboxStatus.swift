/// What `STATUS` reports about a mailbox: enough to poll it incrementally.
///
/// A poller stores `uidValidity` and the highest UID it has processed; when `uidValidity`
/// changes, the UIDs it stored mean nothing any more and it must rescan.
public struct IMAPMailboxStatus: Sendable, Hashable {
    /// The mailbox's UIDVALIDITY (RFC 3501 §2.3.1.1).
    public var uidValidity: UInt32
    /// The UID the next message will get; every existing message has a smaller one.
    public var uidNext: UInt32
    /// How many messages the mailbox holds.
    public var messages: Int
    /// How many of them lack `\Seen`.
    public var unseen: Int

    /// Creates a status value.
    public init(uidValidity: UInt32, uidNext: UInt32, messages: Int, unseen: Int) {
        self.uidValidity = uidValidity
        self.uidNext = uidNext
        self.messages = messages
        self.unseen = unseen
    }
}
