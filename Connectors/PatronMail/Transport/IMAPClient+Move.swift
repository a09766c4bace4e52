import Foundation

extension IMAPClient {
    /// Moves a message to another mailbox of the same account (which must exist).
    ///
    /// Uses `UID MOVE` (RFC 6851); on a server without it, falls back to `UID COPY`, flagging
    /// `\Deleted` and `UID EXPUNGE` (RFC 4315). Throws `.notFound` when the UID is gone.
    public func move(uid: UInt32, to target: String) throws(MailTransportError) {
        _ = try size(uid: uid)  // UID MOVE / COPY of a missing UID succeed silently
        let quotedTarget = IMAPResponse.quoted(target)
        do {
            _ = try run("UID MOVE \(uid) \(quotedTarget)", url: mailboxURL)
            return
        } catch  where error.code == .protocolError && Self.isUnknownCommand(error) {
            // No MOVE extension: fall through to COPY + STORE + EXPUNGE.
        }
        _ = try run("UID COPY \(uid) \(quotedTarget)", url: mailboxURL)
        _ = try run("UID STORE \(uid) +FLAGS.SILENT (\\Deleted)", url: mailboxURL)
        do {
            _ = try run("UID EXPUNGE \(uid)", url: mailboxURL)
        } catch  where error.code == .protocolError && Self.isUnknownCommand(error) {
            _ = try run("EXPUNGE", url: mailboxURL)
        }
    }

    /// Whether the server answered `BAD` (unknown command), as opposed to `NO` (refused).
    private static func isUnknownCommand(_ error: MailTransportError) -> Bool {
        error.message.range(of: " BAD ", options: .caseInsensitive) != nil
    }
}
