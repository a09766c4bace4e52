import Foundation
import PatronCore
import PatronTestKit
import Testing

@testable import PatronPostgres

/// The PostgreSQL store keeps the whole store contract, against a real server.
@Suite(.enabled(if: PostgresTestServer.available, PostgresTestServer.skipReason))
struct PostgresStoreConformanceTests {
    init() { TestChannels.register() }

    @Test func thePostgresStoreConforms() async throws {
        try await StoreConformance.check { try PostgresTestServer.freshStore() }
    }
}
