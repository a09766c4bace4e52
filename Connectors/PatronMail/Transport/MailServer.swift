import Foundation

/// Where and how to reach a mail server: the URL (`imap://`, `imaps://`, `smtp://`, `smtps://`),
/// credentials, TLS policy and time limits.
public struct MailServer: Sendable {
    /// Whether to upgrade a plain `imap://` / `smtp://` connection with STARTTLS.
    public enum StartTLS: Sendable {
        /// Never upgrade (loopback test servers).
        case never
        /// Upgrade when the server offers it, carry on in clear text otherwise.
        case ifAvailable
        /// Upgrade or fail: the usual choice for port 587 / 143 over the Internet.
        case required
    }

    /// `scheme://host[:port]`, without user information or path.
    public let baseURL: String
    /// The login name, or `nil` to connect without authenticating (SMTP relays).
    public var username: String?
    /// The password, never included in URLs, errors or logs.
    public var password: String?
    /// STARTTLS policy for the plain schemes; ignored for `imaps://` and `smtps://`.
    public var startTLS: StartTLS
    /// The longest wait for the TCP and TLS connect.
    public var connectTimeout: Duration
    /// The longest a single request (one fetch, one send) may take.
    public var requestTimeout: Duration
    /// Whether to verify the server certificate and host name (turn off only for tests).
    public var verifiesCertificate: Bool
    /// A PEM bundle of trusted CAs, when not the system's.
    public var caBundlePath: String?

    /// Creates a configuration from a URL such as `imaps://mail.example.com` or
    /// `smtp://127.0.0.1:2525`; a path, query or user information in it is rejected.
    public init(
        url: String, username: String? = nil, password: String? = nil, startTLS: StartTLS = .never,
        connectTimeout: Duration = .seconds(10), requestTimeout: Duration = .seconds(120),
        verifiesCertificate: Bool = true, caBundlePath: String? = nil
    ) throws(MailTransportError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            ["imap", "imaps", "smtp", "smtps"].contains(scheme), let host = components.host, !host.isEmpty,
            components.user == nil, components.password == nil, components.query == nil,
            components.path.isEmpty || components.path == "/"
        else {
            let shown = url.contains("@") ? "(URL with user information)" : url
            throw MailTransportError(
                code: .invalidRequest,
                message: "expected scheme://host[:port] with scheme imap, imaps, smtp or smtps", url: shown)
        }
        let hostPart = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        self.baseURL = "\(scheme)://\(hostPart)" + (components.port.map { ":\($0)" } ?? "")
        self.username = username
        self.password = password
        self.startTLS = startTLS
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.verifiesCertificate = verifiesCertificate
        self.caBundlePath = caBundlePath
    }

    /// The URL scheme, lowercased.
    public var scheme: String { String(baseURL.prefix { $0 != ":" }) }
}

extension Duration {
    /// Whole milliseconds, for libcurl's `*_MS` options.
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
