import Foundation

/// An HTTP API key as the store keeps it: never the key itself, only its hash.
public struct StoredAPIKey: Hashable, Sendable {
    public var name: String
    public var scopes: [String]
    public var createdAt: Int64
    public var revokedAt: Int64?

    public init(name: String, scopes: [String], createdAt: Int64, revokedAt: Int64? = nil) {
        self.name = name
        self.scopes = scopes
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// Where API keys live: names, SHA-256 hashes and scopes, never the keys themselves.
///
/// An implementer keeps: a name is unique among all keys, live or revoked (a second is a
/// `.conflict` error); `apiKey(hash:)` finds live keys only; revoking is for good. The store
/// conformance kit checks these.
public protocol APIKeyStore: Sendable {
    /// Records a new key.
    func createAPIKey(name: String, hash: String, scopes: [String], at: Int64) async throws
    /// The live (not revoked) key with this hash.
    func apiKey(hash: String) async throws -> StoredAPIKey?
    /// Every key, live or revoked, by name.
    func apiKeys() async throws -> [StoredAPIKey]
    /// Revokes the live key of that name; `false` when there is none.
    func revokeAPIKey(name: String, at: Int64) async throws -> Bool
}
