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
    /// A storefront's publishable key: `POST /v1/track` only, from the origins the key names
    /// (stored as `origin:https://shop.example` beside the scope). Outside the nesting: it
    /// grants nothing else, and `write` and `admin` keys may track too.
    case track

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
        if self == .track {
            return scopes.contains {
                $0 == "track" || (APIScope(stored: $0).map { $0 != .track && $0 >= .write } ?? false)
            }
        }
        return scopes.contains { APIScope(stored: $0).map { $0 != .track && $0 >= self } ?? false }
    }

    /// The origins (`https://shop.example`) a key's stored scopes allow to track; empty: any.
    public static func origins(of scopes: [String]) -> [String] {
        scopes.compactMap { $0.hasPrefix("origin:") ? String($0.dropFirst(7)) : nil }
    }

    /// An origin as browsers send it: `scheme://host[:port]`, http(s), no path; `nil` otherwise.
    public static func origin(_ text: String) -> String? {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = url.host, !host.isEmpty, url.path.isEmpty || url.path == "/", url.query == nil,
            url.user == nil
        else { return nil }
        return "\(scheme)://\(host.lowercased())\(url.port.map { ":\($0)" } ?? "")"
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
