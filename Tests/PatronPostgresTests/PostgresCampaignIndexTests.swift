import Foundation
import PatronCore
import PostgresNIO
import Testing

@testable import PatronPostgres

/// The trigger indexes are built when the first flow is activated, as on SQLite, so a bulk load
/// of history into a new store does not maintain them row by row.
@Suite(.enabled(if: PostgresTestServer.available, PostgresTestServer.skipReason))
struct PostgresCampaignIndexTests {
    static func indexes(on server: PostgresServer) throws -> Set<String> {
        var names: [String] = []
        try server.withAdminSession { session throws(PatronError) in
            names = try session.values(
                String.self, "SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema()")
        }
        return Set(names)
    }

    @Test func theTriggerIndexesAreBuiltByTheFirstActivation() async throws {
        let server = try PostgresTestServer.freshDatabase()
        let store = try PostgresStore(server: server, access: .create, connections: 2)
        let trigger = [
            "orders_by_placed_at", "carts_open_by_updated", "customers_by_created_at", "customers_by_last_order",
            "customers_by_birthday", "segment_moves_by_time", "segment_changes_by_time", "loyalty_tier_changes_by_time",
            "tickets_closed_by_time",
        ]
        let before = try Self.indexes(on: server)
        #expect(before.isDisjoint(with: trigger), "\(before.intersection(trigger))")
        #expect(before.contains("orders_by_customer"), "the other indexes are there from the start")
        _ = try await store.saveFlow(id: "welcome", name: "Welcome", source: "v1", path: nil, at: 1)
        #expect(try await store.setFlowStatus("welcome", .active, at: 2))
        #expect(try Self.indexes(on: server).isSuperset(of: trigger))
        // Idempotent, and cheap once built.
        try await store.prepareCampaigns()
        store.close()
    }
}
