import Foundation
import GRDB
import PatronCore

extension SQLiteStore: APIKeyStore {
    /// Records a new key; a name already in use is a conflict.
    public func createAPIKey(name: String, hash: String, scopes: [String], at: Int64) throws {
        try writer.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM api_keys WHERE name = ?", arguments: [name]) == true {
                throw PatronError(.conflict, "an API key named '\(name)' exists (revoke it, or choose another name)")
            }
            try db.execute(
                sql: "INSERT INTO api_keys(name, key_hash, scopes, created_at) VALUES (?, ?, ?, ?)",
                arguments: [name, hash, scopes.joined(separator: ","), at])
        }
    }

    /// The live (not revoked) key with this hash.
    public func apiKey(hash: String) throws -> StoredAPIKey? {
        try writer.read { db in
            try Row.fetchOne(
                db,
                sql:
                    "SELECT name, scopes, created_at, revoked_at FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL",
                arguments: [hash]
            ).map(Self.apiKey)
        }
    }

    /// Every key, live or revoked, by name.
    public func apiKeys() throws -> [StoredAPIKey] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT name, scopes, created_at, revoked_at FROM api_keys ORDER BY name")
                .map(Self.apiKey)
        }
    }

    /// Revokes a key; false when there is no live key of that name.
    public func revokeAPIKey(name: String, at: Int64) throws -> Bool {
        try writer.write { db in
            try db.execute(
                sql: "UPDATE api_keys SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL", arguments: [at, name])
            return db.changesCount > 0
        }
    }

    private static func apiKey(_ row: Row) -> StoredAPIKey {
        let scopes: String = row[1]
        return StoredAPIKey(
            name: row[0], scopes: scopes.split(separator: ",").map(String.init), createdAt: row[2], revokedAt: row[3])
    }
}
