/// What a bounce says about each recipient.
///
/// Built from the `message/delivery-status` part of an RFC 3464 report when there is one. Bounces
/// that are not RFC 3464 formatted (qmail, Exim, Gmail and Exchange text bounces) are read
/// heuristically instead: `X-Failed-Recipients`, then the first address after phrases such as
/// "The following address(es) failed" in the readable text. Such reports have `source` set to
/// `.heuristic`, every recipient marked `.failed`, and no status or diagnostic code.
public struct DeliveryStatusReport: Sendable, Hashable {
    /// How the report was obtained.
    public enum Source: Sendable, Hashable {
        /// Parsed from a `message/delivery-status` part.
        case rfc3464
        /// Recovered from headers and text of a bounce without a machine-readable part.
        case heuristic
    }

    /// The RFC 3464 Action field.
    public enum Action: Sendable, Hashable {
        case failed
        case delayed
        case delivered
        case relayed
        case expanded
        case other(String)

        init(field: String?, status: String?) {
            let word = field?.split(whereSeparator: { $0 == " " || $0 == "(" }).first?.lowercased() ?? ""
            switch word {
            case "failed": self = .failed
            case "delayed": self = .delayed
            case "delivered": self = .delivered
            case "relayed": self = .relayed
            case "expanded": self = .expanded
            case "":
                switch status?.first {
                case "5": self = .failed
                case "4": self = .delayed
                case "2": self = .delivered
                default: self = .other("")
                }
            default: self = .other(word)
            }
        }
    }

    /// One per-recipient block.
    public struct Recipient: Sendable, Hashable {
        /// The address the report is about (Final-Recipient), domain lowercased.
        public let finalRecipient: String
        /// The address as the sender wrote it (Original-Recipient), when reported.
        public let originalRecipient: String?
        /// What happened.
        public let action: Action
        /// The enhanced status code, e.g. `5.1.1` (RFC 3463).
        public let status: String?
        /// The remote server's explanation without its type prefix, e.g. `550 5.1.1 User unknown`.
        public let diagnosticCode: String?
        /// The remote server that gave the diagnostic, without its type prefix.
        public let remoteMTA: String?

        /// Creates a recipient entry.
        public init(
            finalRecipient: String, originalRecipient: String? = nil, action: Action, status: String? = nil,
            diagnosticCode: String? = nil, remoteMTA: String? = nil
        ) {
            self.finalRecipient = finalRecipient
            self.originalRecipient = originalRecipient
            self.action = action
            self.status = status
            self.diagnosticCode = diagnosticCode
            self.remoteMTA = remoteMTA
        }

        /// The address the sender used: Original-Recipient when reported, else Final-Recipient.
        public var address: String { originalRecipient ?? finalRecipient }
    }

    /// The server that wrote the report (Reporting-MTA without its type prefix).
    public let reportingMTA: String?
    /// The per-recipient entries, in order.
    public let recipients: [Recipient]
    /// How the report was obtained.
    public let source: Source

    /// Creates a report.
    public init(reportingMTA: String?, recipients: [Recipient], source: Source) {
        self.reportingMTA = reportingMTA
        self.recipients = recipients
        self.source = source
    }

    /// The addresses that failed permanently, as the sender wrote them.
    public var failedRecipients: [String] {
        recipients.filter { $0.action == .failed }.map(\.address)
    }
}
