import Crypto
import Foundation
import PatronCore

/// What an API key may do.
public enum APIScope: String, CaseIterable, Sendable {
    /// Read customers.
    case read
    /// Erase a person's personal data.
    case erase
}

/// HTTP API keys: `pk_` and 64 hex digits of randomness, shown once; the store keeps only their
/// SHA-256. Requests carry `Authorization: Bearer <key>`.
public enum APIKeys {
    /// A new random key.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return "pk_"
            + (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// The hash the store keeps (hex SHA-256 of the key).
    public static func hash(_ key: String) -> String {
        SHA256.hash(data: Data(key.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Parses `read,erase`; an unknown scope is an error naming the known ones.
    public static func scopes(_ text: String) throws(PatronError) -> [APIScope] {
        var scopes: [APIScope] = []
        for name in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) {
            guard let scope = APIScope(rawValue: name) else {
                throw PatronError(
                    .invalidArgument,
                    "unknown scope '\(name)' (scopes: \(APIScope.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            if !scopes.contains(scope) { scopes.append(scope) }
        }
        guard !scopes.isEmpty else { throw PatronError(.invalidArgument, "a key needs at least one scope") }
        return scopes
    }
}
