import Foundation
import GRDB
import PatronCore
import Testing

@testable import PatronSQLite

/// Order lines carry their order's time (schema v8) so `bought(sku:, within:)` reads only the
/// window: the copy must follow every change of the order and be filled in on upgrade.
@Suite struct OrderLineTimeTests {
    init() { TestChannels.register() }

    static let day = Day(iso: "2025-03-01")!

    static func order(_ kind: (OrderData) -> IngestEvent.Kind, id: String, placedAt: Int64) -> IngestEvent {
        let data = OrderData(
            ref: "o-1", customer: CustomerIdentity(refs: [ExternalRef(source: "", id: "c-1")]), placedAt: placedAt,
            currency: .eur, totalMinor: 1200, lines: [OrderLine(sku: "MUG-1", quantity: 1, unitPriceMinor: 1200)])
        return IngestEvent(id: id, source: "shop", occurredAt: placedAt, kind: kind(data))
    }

    static func bought(_ store: SQLiteStore, now: Int64) throws -> Int {
        try store.segmentCount(try SegmentParser.parse(#"bought(sku: "MUG-1", within: 10 days)"#), now: now)
    }

    @Test func aMovedOrderMovesItsLines() throws {
        let store = try SQLiteStore()
        let early = Self.day.epochSeconds
        let late = (Self.day + 60).epochSeconds
        try Ingestor(store: store).ingest([Self.order(IngestEvent.Kind.orderPlaced, id: "e1", placedAt: early)])
        #expect(try Self.bought(store, now: early + 3600) == 1)
        #expect(try Self.bought(store, now: late + 3600) == 0)
        // The shop corrects the order's date; the lines themselves do not change.
        var update = Self.order(IngestEvent.Kind.orderUpdated, id: "e2", placedAt: late)
        update.occurredAt = late
        try Ingestor(store: store).ingest([update])
        #expect(try Self.bought(store, now: early + 3600) == 0)
        #expect(try Self.bought(store, now: late + 3600) == 1)
    }

    @Test func upgradingFromV7FillsTheLinesTime() throws {
        let dir = TempDir()
        let path = dir.path("v7.sqlite")
        let v8 = try #require(SQLiteSchema.migrations.firstIndex { $0.name.hasPrefix("v8-") })
        // A store as v7 wrote it: the migrations before v8, one customer, an order and its line.
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in
            for migration in SQLiteSchema.migrations[..<v8] { try db.execute(sql: migration.sql) }
            try db.execute(sql: "PRAGMA application_id = \(SQLiteSchema.applicationID)")
            try db.execute(sql: "PRAGMA user_version = \(v8)")
            let at = Self.day.epochSeconds
            try db.execute(
                sql: """
                    INSERT INTO customers(id, primary_source, primary_ref, created_at, order_count, revenue_minor,
                        first_order_at, last_order_at) VALUES (1, 'shop', 'c-1', ?, 1, 1200, ?, ?)
                    """, arguments: [at, at, at])
            try db.execute(
                sql: """
                    INSERT INTO orders(id, source, ref, customer_id, placed_at, currency, total_minor, status, updated_at)
                    VALUES (1, 'shop', 'o-1', 1, ?, 'EUR', 1200, 'placed', ?)
                    """, arguments: [at, at])
            try db.execute(
                sql: """
                    INSERT INTO order_lines(order_id, line_no, sku, quantity, unit_price_minor)
                    VALUES (1, 1, 'MUG-1', 1, 1200)
                    """)
        }
        try queue.close()
        let store = try SQLiteStore(path: path)
        #expect(try Self.bought(store, now: Self.day.epochSeconds + 3600) == 1)
        let check = try DatabaseQueue(path: path)
        let (placedAt, version) = try check.read { db in
            (
                try Int64.fetchOne(db, sql: "SELECT placed_at FROM order_lines"),
                try Int.fetchOne(db, sql: "PRAGMA user_version")
            )
        }
        #expect(placedAt == Self.day.epochSeconds)
        #expect(version == SQLiteSchema.migrations.count)
    }
}
