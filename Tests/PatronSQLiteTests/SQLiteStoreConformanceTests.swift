import Foundation
import PatronCore
import PatronSQLite
import PatronTestKit
import Testing

/// The SQLite store keeps the store contract: in memory (the real schema) and in a WAL file.
@Suite struct SQLiteStoreConformanceTests {
    init() { TestChannels.register() }

    @Test func theSQLiteStoreConformsInMemory() async throws {
        try await StoreConformance.check { try SQLiteStore() }
    }

    @Test func theSQLiteStoreConformsOnAFile() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("patron-conformance-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var count = 0
        try await StoreConformance.check {
            count += 1
            return try SQLiteStore(path: folder.appendingPathComponent("s\(count).sqlite").path, access: .create)
        }
    }
}
