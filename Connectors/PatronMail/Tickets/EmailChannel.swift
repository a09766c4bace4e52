import Foundation
import PatronCore

/// The email ``ChannelConnector``: campaign mail over SMTP, marked automatic (RFC 3834
/// `Auto-Submitted`) with `List-Unsubscribe` when the shop gives an unsubscribe link.
///
/// Each send opens its own SMTP session (the client is blocking and not shareable); the
/// receipt's provider id is the generated Message-ID, which bounces and replies refer to.
public struct EmailChannel: ChannelConnector {
    /// Marketing email: to the customer's address, with a subject; it may go until the customer
    /// objects (revoked, bounced, complained).
    public static let descriptor = ChannelDescriptor(
        channel: .email, summary: "email marketing", address: .emailAddress, consent: .optOut, hasSubject: true)
    public let server: MailServer
    public let from: MailAddress
    /// The unsubscribe link for a customer (`https://shop.example/unsubscribe?c=…`), if any.
    public let unsubscribe: @Sendable (CustomerID) -> ListUnsubscribe?
    let clock: @Sendable () -> Date

    public init(
        server: MailServer, from: MailAddress,
        unsubscribe: @escaping @Sendable (CustomerID) -> ListUnsubscribe? = { _ in nil },
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.server = server
        self.from = from
        self.unsubscribe = unsubscribe
        self.clock = clock
    }

    public func send(_ message: OutboundMessage) async throws(ChannelError) -> DeliveryReceipt {
        let recipient = MailAddress.parseList(message.recipient).first
        guard let recipient, recipient.domain != nil else {
            throw ChannelError(.invalidRecipient, "not an email address: \(message.recipient)")
        }
        let mail = OutgoingMail(
            from: from, to: [recipient], subject: message.subject ?? "", body: message.body, isAutomatic: true,
            listUnsubscribe: unsubscribe(message.customerID))
        let now = clock()
        let composed = MailComposer(messageIDDomain: from.domain ?? "patron.invalid").compose(mail, date: now)
        // libcurl blocks: the SMTP exchange runs on a thread of its own, not on one of the
        // cooperative pool's few threads that other sends and signal handling need.
        let server = server
        let failure = await withCheckedContinuation { (continuation: CheckedContinuation<MailTransportError?, Never>) in
            Thread.detachNewThread {
                let result = Result { () throws(MailTransportError) in try SMTPClient(server: server).send(composed) }
                switch result {
                case .success: continuation.resume(returning: nil)
                case .failure(let error): continuation.resume(returning: error)
                }
            }
        }
        if let failure { throw Self.channelError(failure) }
        return DeliveryReceipt(
            providerMessageID: composed.messageID.trimmingCharacters(in: CharacterSet(charactersIn: "<>")),
            status: .sent, acceptedAt: Int64(now.timeIntervalSince1970))
    }

    /// SMTP failures in the channel's terms: 5xx for a recipient is an invalid recipient, other
    /// rejections are rejections, a refused login is misconfiguration, the rest may pass later.
    static func channelError(_ error: MailTransportError) -> ChannelError {
        switch error.code {
        case .loginDenied, .tls, .invalidRequest:
            return ChannelError(.misconfigured, error.description)
        case .rejected where error.isTransient:
            return ChannelError(.unavailable, error.description)
        case .rejected where (500..<600).contains(error.responseCode):
            return ChannelError(.invalidRecipient, error.description)
        case .rejected, .tooLarge:
            return ChannelError(.rejected, error.description)
        default:
            return ChannelError(error.isTransient ? .unavailable : .rejected, error.description)
        }
    }
}
