import Crypto
import Foundation
import PatronCore

/// What an API key may do. Scopes nest: `admin` may do everything `write` may, and `write`
/// everything `read` may.
public enum APIScope: String, CaseIterable, Comparable, Sendable {
    /// Read customers, orders, carts, tickets, segments, RFM and metrics.
    case read
    /// Create and update customers, post events.
    case write
    /// Erase people, read the audit log and data-request documents.
    case admin

    public static func < (lhs: APIScope, rhs: APIScope) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// The scope a stored name grants (`erase`, from schema v9 keys, is `admin`).
    public init?(stored name: String) {
        if name == "erase" {
            self = .admin
        } else {
            self.init(rawValue: name)
        }
    }

    /// Whether a key with `scopes` may do what needs `self`.
    public func granted(by scopes: [String]) -> Bool {
        scopes.contains { APIScope(stored: $0).map { $0 >= self } ?? false }
    }
}

/// HTTP API keys: `pk_` and 64 hex digits of randomness, shown once; the store keeps only their
/// SHA-256. Requests carry `Authorization: Bearer <key>`.
public enum APIKeys {
    /// A new random key.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return "pk_" + hex((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 15)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The hash the store keeps (hex SHA-256 of the key).
    public static func hash(_ key: String) -> String {
        hex(SHA256.hash(data: Data(key.utf8)))
    }

    /// Parses `read,write`; an unknown scope is an error naming the known ones.
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
