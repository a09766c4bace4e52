/// A mailbox from an address header: an optional display name and the address itself.
public struct MailAddress: Sendable, Hashable, CustomStringConvertible {
    /// The display name, RFC 2047 decoded and unquoted (or a trailing comment when there is no name).
    public let name: String?
    /// `local@domain` with the domain lowercased (the local part is case-sensitive in principle).
    /// Addresses without a domain (`MAILER-DAEMON`) are kept as written.
    public let address: String

    /// Creates an address, lowercasing its domain.
    public init(name: String? = nil, address: String) {
        let trimmedName = name.map { ByteScanning.trimmed($0) }
        self.name = trimmedName?.isEmpty == false ? trimmedName : nil
        self.address = Self.normalize(address)
    }

    /// The part before the last `@`.
    public var localPart: String {
        guard let at = address.lastIndex(of: "@") else { return address }
        return String(address[..<at])
    }

    /// The lowercased part after the last `@`, or `nil` when there is none.
    public var domain: String? {
        guard let at = address.lastIndex(of: "@") else { return nil }
        return String(address[address.index(after: at)...])
    }

    public var description: String {
        guard let name else { return address }
        return "\(name) <\(address)>"
    }

    /// Parses an address-list header value (To, Cc, From …): groups are flattened, quoted names
    /// may contain commas, comments are dropped, and angle-less addresses are accepted.
    public static func parseList(_ headerValue: String) -> [MailAddress] {
        MailAddressParser.parse(headerValue)
    }

    private static func normalize(_ address: String) -> String {
        let trimmed = ByteScanning.trimmed(address)
        guard let at = trimmed.lastIndex(of: "@") else { return trimmed }
        return String(trimmed[..<at]) + "@" + trimmed[trimmed.index(after: at)...].lowercased()
    }
}
