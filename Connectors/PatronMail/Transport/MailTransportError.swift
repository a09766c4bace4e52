/// A failure of the IMAP or SMTP transport, with what is needed to decide what to do next.
///
/// `isTransient` separates failures worth retrying later (connection refused, timeout, a
/// 4xx SMTP reply) from those that will fail again until someone changes something (login
/// denied, a certificate problem, a message over the size limit, a 5xx SMTP reply).
public struct MailTransportError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as a closed set of kinds that callers can switch on; new kinds may be
    /// added, so keep a `default`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Hashable, Sendable {
            case couldNotResolveHost = "could not resolve host"
            case connectionRefused = "connection refused"
            case connectionLost = "connection lost"
            case timeout = "timeout"
            case loginDenied = "login denied"
            case tls = "TLS failure"
            case protocolError = "protocol error"
            case notFound = "not found"
            case tooLarge = "message too large"
            case rejected = "rejected by server"
            case invalidRequest = "invalid request"
            case other = "transport failure"
        }
        fileprivate let base: Base
        fileprivate init(_ base: Base) { self.base = base }

        /// The host name did not resolve (treated as transient: DNS outages pass).
        public static let couldNotResolveHost = Code(.couldNotResolveHost)
        /// Nothing accepted the TCP connection (server down or restarting).
        public static let connectionRefused = Code(.connectionRefused)
        /// The connection dropped mid-conversation.
        public static let connectionLost = Code(.connectionLost)
        /// The connect or the whole operation took longer than allowed.
        public static let timeout = Code(.timeout)
        /// The server refused the user name or password.
        public static let loginDenied = Code(.loginDenied)
        /// TLS could not be negotiated or the certificate was not trusted.
        public static let tls = Code(.tls)
        /// The server answered something the client did not expect (IMAP `NO`/`BAD`, …).
        public static let protocolError = Code(.protocolError)
        /// The mailbox or message does not exist.
        public static let notFound = Code(.notFound)
        /// The message is over the configured size limit; it was not downloaded.
        public static let tooLarge = Code(.tooLarge)
        /// The SMTP server refused the sender, a recipient or the data.
        public static let rejected = Code(.rejected)
        /// The request could not be built (a bad URL, a mailbox name, an empty recipient list).
        public static let invalidRequest = Code(.invalidRequest)
        /// Anything else libcurl reported.
        public static let other = Code(.other)

        public var description: String { base.rawValue }
    }

    /// The kind of failure.
    public let code: Code
    /// The libcurl `CURLcode`, or 0 when the failure was detected by Patron itself.
    public let curlCode: Int
    /// A human-readable explanation (libcurl's message, the server's reply, or Patron's reason).
    public let message: String
    /// The URL that was being used, never with a password in it.
    public let url: String
    /// The server's last reply code where the protocol has one (SMTP), else 0.
    public let responseCode: Int

    /// Creates an error; `url` must already be free of credentials.
    public init(code: Code, message: String, url: String, curlCode: Int = 0, responseCode: Int = 0) {
        self.code = code
        self.message = message
        self.url = url
        self.curlCode = curlCode
        self.responseCode = responseCode
    }

    /// Whether retrying later, unchanged, may succeed.
    public var isTransient: Bool {
        switch code.base {
        case .couldNotResolveHost, .connectionRefused, .connectionLost, .timeout: return true
        case .rejected: return (400..<500).contains(responseCode)
        case .loginDenied, .tls, .protocolError, .notFound, .tooLarge, .invalidRequest, .other: return false
        }
    }

    /// Whether the same request will keep failing until configuration or data changes.
    public var isPermanent: Bool { !isTransient }

    public var description: String {
        var text = "\(url): \(code): \(message)"
        if curlCode != 0 { text += " (curl \(curlCode))" }
        return text
    }
}
