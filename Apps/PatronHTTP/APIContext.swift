import Foundation
import Logging
import PatronCore

/// What every route shares: the store, the clock, the logger, the privacy service.
struct APIContext<S: PatronStore>: Sendable {
    let store: S
    let logger: Logger
    let now: @Sendable () -> Int64
    var privacy: PrivacyRequests<S> { PrivacyRequests(store: store) }

    /// Digits of the store's currency (2 before any order).
    func digits() throws -> Int { CurrencyCode.minorUnitDigits(of: try store.reportingCurrency()) }

    /// The customer a path names: `source:id`, `patron:N` or `N`; 404 when there is none.
    func customerID(_ text: String) throws -> CustomerID {
        try store.read { try customerID(text, in: $0) }
    }

    /// The same; `verified: false` reads the store only for a `source:id` ref (a `patron:N` or
    /// `N` is taken as it is), for a caller that reads the customer anyway and answers 404 itself.
    func customerID(_ text: String, verified: Bool) throws -> CustomerID {
        if !verified, let number = Int64(text.hasPrefix("patron:") ? String(text.dropFirst(7)) : text), number > 0 {
            return CustomerID(number)
        }
        return try customerID(text)
    }

    /// The same, inside a read transaction.
    func customerID(_ text: String, in t: S.Transaction, verify: Bool = true) throws -> CustomerID {
        let found: CustomerID?
        if let number = Int64(text.hasPrefix("patron:") ? String(text.dropFirst(7)) : text), number > 0 {
            // A caller that reads the customer anyway answers 404 itself.
            guard verify else { return CustomerID(number) }
            found = try t.customerExists(CustomerID(number)) ? CustomerID(number) : nil
        } else if let colon = text.firstIndex(of: ":"), colon != text.startIndex,
            text.index(after: colon) != text.endIndex
        {
            let ref = ExternalRef(source: String(text[..<colon]), id: String(text[text.index(after: colon)...]))
            found = try t.customerID(ref: ref)
        } else {
            throw Problem(.badRequest, "'\(text)' is not a customer id: expected source:id or patron:N")
        }
        guard let found else { throw Problem(.notFound, "no customer \(text)") }
        return found
    }

    /// A record's id in a path: the store's number.
    static func number(_ text: String, _ what: String) throws(Problem) -> Int64 {
        guard let number = Int64(text), number > 0 else {
            throw Problem(.badRequest, "'\(text)' is not \(what) id: expected the store's number")
        }
        return number
    }
}
