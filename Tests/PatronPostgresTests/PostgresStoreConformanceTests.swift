import Foundation
import PatronCore
import PatronTestKit
import Testing

@testable import PatronPostgres

/// The PostgreSQL store keeps the store contract, against a real server.
@Suite(.enabled(if: PostgresTestServer.available, PostgresTestServer.skipReason))
struct PostgresStoreConformanceTests {
    init() { TestChannels.register() }

    @Test func thePostgresStoreKeepsTheStoreRules() throws {
        try StoreConformance.checkStore { try PostgresTestServer.freshStore() }
    }
}
