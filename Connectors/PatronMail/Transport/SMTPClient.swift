/// Sends mail through an SMTP server over libcurl (`smtp://`, `smtps://`, STARTTLS on
/// request, optional AUTH with the server's user name and password).
///
/// Every call blocks until the server has accepted or refused the message. The connection is
/// reused across sends and closed when the client is released. Not `Sendable`, like the `Curl`
/// handle it owns.
public final class SMTPClient {
    /// The server and credentials.
    public let server: MailServer
    /// The name given in EHLO; `nil` lets libcurl choose.
    public let heloName: String?

    private let curl: Curl

    /// Creates a client; nothing is sent until the first call.
    public init(server: MailServer, heloName: String? = nil) throws(MailTransportError) {
        guard server.scheme == "smtp" || server.scheme == "smtps" else {
            throw MailTransportError(code: .invalidRequest, message: "not an SMTP URL", url: server.baseURL)
        }
        self.server = server
        self.heloName = heloName
        self.curl = try Curl(server: server)
    }

    /// Sends a composed message to its envelope recipients.
    public func send(_ mail: ComposedMail) throws(MailTransportError) {
        try send(mail.bytes, from: mail.sender, to: mail.recipients)
    }

    /// Sends raw message bytes (CRLF line ends) with the given envelope. Every recipient must
    /// be accepted; a refusal throws `.rejected`, transient for a 4xx reply, permanent for 5xx.
    public func send(_ message: [UInt8], from sender: String, to recipients: [String]) throws(MailTransportError) {
        let url = server.baseURL + (heloName.map { "/" + $0 } ?? "")
        let addresses = [sender] + recipients
        guard !recipients.isEmpty,
            addresses.allSatisfy({ !$0.contains { "<>\r\n ".contains($0) } && !$0.isEmpty })
        else {
            throw MailTransportError(
                code: .invalidRequest, message: "bad envelope: from \(sender) to \(recipients)", url: url)
        }
        do {
            _ = try curl.perform(Curl.Request(url: url, upload: message, mailFrom: sender, mailRecipients: recipients))
        } catch  where error.responseCode >= 400 && error.code != .loginDenied {
            throw MailTransportError(
                code: .rejected, message: error.message, url: error.url, curlCode: error.curlCode,
                responseCode: error.responseCode)
        }
    }
}
