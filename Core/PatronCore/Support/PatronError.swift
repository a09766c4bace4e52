import Foundation

/// Where in the input something went wrong: a file, a line (1-based), a field.
public struct InputLocation: Hashable, Sendable, CustomStringConvertible {
    public var file: String?
    public var line: Int?
    public var field: String?

    public init(file: String? = nil, line: Int? = nil, field: String? = nil) {
        self.file = file
        self.line = line
        self.field = field
    }

    /// `events.ndjson:12: field 'order.currency'`, leaving out what is not known.
    public var description: String {
        var parts: [String] = []
        switch (file, line) {
        case let (file?, line?): parts.append("\(file):\(line)")
        case let (file?, nil): parts.append(file)
        case let (nil, line?): parts.append("line \(line)")
        case (nil, nil): break
        }
        if let field { parts.append("field '\(field)'") }
        return parts.joined(separator: ": ")
    }

    /// This location with `field` set (or prefixed onto the existing field path).
    public func with(field: String?) -> InputLocation {
        var copy = self
        if let field { copy.field = self.field.map { "\($0).\(field)" } ?? field }
        return copy
    }
}

/// An error a person can act on: what kind of failure, what happened, and where in the input.
///
/// Like `ServiceGroupError`, a struct around an open set of codes, so that new codes do not break
/// callers that switch on the ones they know.
public struct PatronError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let raw: String
        public var description: String { raw }
        /// The input is not in the expected syntax (JSON, CSV columns).
        public static let malformedInput = Code(raw: "malformed-input")
        /// An event type that the kernel does not know.
        public static let unknownEventType = Code(raw: "unknown-event-type")
        /// A well-formed value that is not allowed (negative quantity, unknown currency, bad date).
        public static let invalidValue = Code(raw: "invalid-value")
        /// The input refers to something the store does not have (a refund of an unknown order).
        public static let notFound = Code(raw: "not-found")
        /// The input may not do this any more or at all (an expired survey link).
        public static let forbidden = Code(raw: "forbidden")
        /// The input contradicts the store (a second currency, a refund above the total).
        public static let conflict = Code(raw: "conflict")
        /// The store file is not a Patron store, or is of a newer schema.
        public static let incompatibleStore = Code(raw: "incompatible-store")
        /// A command's arguments do not make sense together.
        public static let invalidArgument = Code(raw: "invalid-argument")
        /// Reading or writing a file failed.
        public static let io = Code(raw: "io")
        /// The data cannot support the computation (a model fit without repeat buyers).
        public static let insufficientData = Code(raw: "insufficient-data")
        /// The store may only be read here (file or folder permissions), and this needs a write.
        public static let readOnlyStore = Code(raw: "read-only-store")
        /// The store failed to answer (its engine's error, without the statement).
        public static let storeFailure = Code(raw: "store-failure")
        /// The store's server cannot be reached now (connection refused, closed, gone away):
        /// nothing was applied, and the same call may work later. Daemons retry with backoff.
        public static let storeUnavailable = Code(raw: "store-unavailable")
    }

    public var code: Code
    /// What went wrong, in a sentence without the location.
    public var message: String
    public var location: InputLocation?

    public init(_ code: Code, _ message: String, at location: InputLocation? = nil) {
        self.code = code
        self.message = message
        self.location = location
    }

    /// One line: `events.ndjson:12: field 'order.currency': unknown currency 'EUX'`.
    public var description: String {
        guard let location, !location.description.isEmpty else { return message }
        return "\(location): \(message)"
    }

    /// This error with the location filled in where it has none.
    public func located(_ location: InputLocation?) -> PatronError {
        guard let location else { return self }
        var copy = self
        if let mine = self.location {
            copy.location = InputLocation(
                file: mine.file ?? location.file, line: mine.line ?? location.line,
                field: mine.field ?? location.field)
        } else {
            copy.location = location
        }
        return copy
    }
}
