import Foundation

/// The audit log, read back: what the API lists and the store conformance kit checks. Entries
/// are written by ``StoreTransaction/recordAudit(_:)`` inside the transaction of the work they
/// record.
public protocol AuditLog: Sendable {
    /// The newest entries first; their documents only when `documents`.
    func auditLog(limit: Int, documents: Bool) async throws -> [AuditEntry]
    /// One entry with its document; `nil` when there is none with that id.
    func auditEntry(id: Int64) async throws -> AuditEntry?
}

extension InMemoryStore: AuditLog {}
