/// A message written out for sending: its bytes and its SMTP envelope.
public struct ComposedMail: Sendable {
    /// The generated Message-ID, without angle brackets (store it to thread replies).
    public let messageID: String
    /// The RFC 5322 message: CRLF line ends, no line over 998 bytes, 7-bit clean.
    public let bytes: [UInt8]
    /// The envelope sender (MAIL FROM).
    public let sender: String
    /// The envelope recipients (RCPT TO): every To and Cc address.
    public let recipients: [String]

    /// Creates a composed message.
    public init(messageID: String, bytes: [UInt8], sender: String, recipients: [String]) {
        self.messageID = messageID
        self.bytes = bytes
        self.sender = sender
        self.recipients = recipients
    }
}
