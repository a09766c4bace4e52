/// Why a Twilio request's signature was refused; the receiver answers 403 and acts on nothing.
public struct TwilioSignatureError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What failed; compare with the static members.
    public struct Reason: Hashable, Sendable, CustomStringConvertible {
        let name: String

        /// No `X-Twilio-Signature` header, or an empty one.
        public static let missing = Reason(name: "missing")
        /// The header is not base64 of a 20-byte HMAC-SHA1.
        public static let malformed = Reason(name: "malformed")
        /// The signature does not match the URL and parameters under this auth token.
        public static let mismatch = Reason(name: "mismatch")
        /// A JSON body was given but the URL carries no `bodySHA256`.
        public static let missingBodyHash = Reason(name: "missing bodySHA256")
        /// The body is not the one `bodySHA256` names (it was altered, or re-serialised before checking).
        public static let bodyHashMismatch = Reason(name: "bodySHA256 mismatch")

        public var description: String { name }
    }

    /// What failed.
    public var reason: Reason
    /// The specifics: which URLs were tried, what the header held.
    public var detail: String

    public var description: String { "Twilio signature \(reason): \(detail)" }
}
