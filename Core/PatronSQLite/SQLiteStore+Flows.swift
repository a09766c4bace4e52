import Foundation
import GRDB
import PatronCore

/// Flows, their stats, and the replenishment table the nightly job refreshes.
extension SQLiteStore: FlowRegistry {
    /// Stores the flow's file (a new flow starts as a draft; a known one keeps its status).
    ///
    /// When the file changes, the flow's runs in progress end (`flow_changed`): their place is a
    /// step number of the old file, and message keys carry it, so going on with the new file
    /// could send a step again under a new key. Returns how many runs ended.
    @discardableResult
    public func saveFlow(id: String, name: String, source: String, path: String?, at: Int64) throws -> Int {
        try writer.write { db in
            var ended = 0
            if let old = try String.fetchOne(db, sql: "SELECT source FROM flows WHERE id = ?", arguments: [id]),
                old != source
            {
                try db.execute(
                    sql:
                        "UPDATE flow_runs SET state = 'flow_changed', updated_at = ? WHERE flow_id = ? AND state = 'active'",
                    arguments: [at, id])
                ended = db.changesCount
            }
            try db.execute(
                sql: """
                    INSERT INTO flows(id, name, source, path, status, updated_at) VALUES (?, ?, ?, ?, 'draft', ?)
                    ON CONFLICT (id) DO UPDATE SET name = excluded.name, source = excluded.source,
                      path = excluded.path, updated_at = excluded.updated_at
                    """, arguments: [id, name, source, path, at])
            return ended
        }
    }

    /// Builds the trigger indexes if they are missing (``SQLiteSchema/campaignIndexes``); the
    /// first activation does it, and so does every tick (a no-op once they exist).
    public func prepareCampaigns() throws {
        let missing = try writer.read { db in
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'orders_by_placed_at'")
                == 0
        }
        guard missing else { return }
        try writer.write { db in try db.execute(sql: SQLiteSchema.campaignIndexes) }
    }

    /// Sets the flow's status; activating records `at` as the time firings count from (and
    /// builds the trigger indexes on first use). `false` when there is no such flow.
    public func setFlowStatus(_ id: String, _ status: CampaignStatus, at: Int64) throws -> Bool {
        if status == .active { try prepareCampaigns() }
        return try writer.write { db in
            try db.execute(
                sql: """
                    UPDATE flows SET status = ?, updated_at = ?,
                      activated_at = CASE WHEN ? = 'active' AND status != 'active' THEN ? ELSE activated_at END
                    WHERE id = ?
                    """, arguments: [status.rawValue, at, status.rawValue, at, id])
            return db.changesCount > 0
        }
    }

    public func flows() throws -> [StoredFlow] {
        try writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, name, source, path, status, activated_at, updated_at FROM flows ORDER BY id"
            ).map {
                StoredFlow(
                    id: $0[0], name: $0[1], source: $0[2], path: $0[3],
                    status: CampaignStatus(rawValue: $0[4]) ?? .draft, activatedAt: $0[5], updatedAt: $0[6])
            }
        }
    }

    public func flowStats(_ id: String, attributionSeconds: Int64) throws -> FlowStats {
        try writer.read { db in
            var messages: [OutboxMessage.Status: Int] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT status, count(*) FROM outbox WHERE flow_id = ? GROUP BY status", arguments: [id])
            {
                if let status = OutboxMessage.Status(rawValue: row[0]) { messages[status] = row[1] }
            }
            var decisions: [String: Int] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT reason, count(*) FROM campaign_decisions WHERE flow_id = ? GROUP BY reason",
                arguments: [id])
            {
                decisions[row[0]] = row[1]
            }
            var groups: [Bool: (Int, Int)] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT r.holdout, count(*), sum(EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = r.customer_id
                      AND o.status != 'cancelled' AND o.placed_at > r.triggered_at AND o.placed_at <= r.triggered_at + ?))
                    FROM flow_runs r WHERE r.flow_id = ? AND r.state != 'customer_gone' GROUP BY r.holdout
                    """, arguments: [attributionSeconds, id])
            {
                groups[row[0]] = (row[1], row[2])
            }
            let attributed =
                try Row.fetchOne(
                    db,
                    sql: """
                        SELECT count(*), coalesce(sum(net), 0) FROM (
                          SELECT DISTINCT o.id, o.total_minor - o.refunded_minor AS net FROM outbox m
                          JOIN orders o ON o.customer_id = m.customer_id AND o.status != 'cancelled'
                            AND o.placed_at > m.sent_at AND o.placed_at <= m.sent_at + ?
                          WHERE m.flow_id = ? AND m.status IN ('sent', 'delivered'))
                        """, arguments: [attributionSeconds, id])
            return FlowStats(
                flowID: id, messages: messages, decisions: decisions, treated: groups[false]?.0 ?? 0,
                holdout: groups[true]?.0 ?? 0, treatedConverted: groups[false]?.1 ?? 0,
                holdoutConverted: groups[true]?.1 ?? 0, attributedOrders: attributed?[0] ?? 0,
                attributedRevenueMinor: attributed?[1] ?? 0)
        }
    }

    /// Writes a consistent copy of the whole store to `path` (`VACUUM INTO`).
    public func copy(to path: String) throws {
        try writer.writeWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [path]) }
    }

    /// A copy in the temporary folder (`patron-scratch-….sqlite`), open for writing.
    public func scratchCopy() throws -> SQLiteStore {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "\(Self.scratchPrefix)\(UUID().uuidString).sqlite"
        ).path
        try copy(to: path)
        return try SQLiteStore(path: path, access: .write)
    }

    /// Removes a scratch copy's files (only a scratch copy's: the original is never removed).
    public func discardScratchCopy() throws {
        let name = URL(fileURLWithPath: path).lastPathComponent
        guard name.hasPrefix(Self.scratchPrefix) else {
            throw PatronError(
                .invalidArgument, "not a scratch copy; refusing to remove it", at: InputLocation(file: path))
        }
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    static let scratchPrefix = "patron-scratch-"

    /// Marks every active flow, and those named, active from `at` (simulations replay from there).
    public func activateForReplay(_ ids: [String], at: Int64) throws {
        try writer.write { db in
            try db.execute(
                sql: """
                    UPDATE flows SET status = 'active', activated_at = ?
                    WHERE status = 'active' OR id IN (SELECT value FROM json_each(?))
                    """, arguments: [at, Self.jsonStrings(ids)])
        }
    }

    /// The outbox's messages planned in `[from, to]`, optionally of one flow, oldest first.
    public func outboxRows(flowID: String? = nil, from: Int64 = .min, to: Int64 = .max) throws -> [OutboxRow] {
        try writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT key, flow_id, step, customer_id, channel, recipient, subject, body, status, attempts,
                      planned_at, sent_at, provider_id, last_error FROM outbox
                    WHERE planned_at >= ? AND planned_at <= ? AND (? IS NULL OR flow_id = ?) ORDER BY planned_at, id
                    """, arguments: [from, to, flowID, flowID]
            ).map {
                OutboxRow(
                    key: $0[0], flowID: $0[1], step: $0[2], customerID: CustomerID(rawValue: $0[3]), channel: $0[4],
                    recipient: $0[5], subject: $0[6], body: $0[7], status: $0[8], attempts: $0[9], plannedAt: $0[10],
                    sentAt: $0[11], providerID: $0[12], lastError: $0[13])
            }
        }
    }

    /// Decisions recorded in `[from, to]`, optionally of one flow or one customer, oldest first.
    public func campaignDecisions(
        flowID: String? = nil, customerID: CustomerID? = nil, from: Int64 = .min, to: Int64 = .max
    ) throws -> [CampaignDecision] {
        try writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT flow_id, customer_id, trigger_key, step, reason, detail, at FROM campaign_decisions
                    WHERE at >= ? AND at <= ? AND (? IS NULL OR flow_id = ?) AND (? IS NULL OR customer_id = ?)
                    ORDER BY at, id
                    """, arguments: [from, to, flowID, flowID, customerID?.rawValue, customerID?.rawValue]
            ).map {
                let step: Int = $0[3]
                return CampaignDecision(
                    flowID: $0[0], customerID: CustomerID(rawValue: $0[1]), triggerKey: $0[2],
                    step: step < 0 ? nil : step,
                    reason: $0[4], detail: $0[5], at: $0[6])
            }
        }
    }

    /// When the saved segment's newest membership snapshot was taken, without reading it.
    public func latestMembershipTime(of segment: String) throws -> Int64? {
        try writer.read { db in
            try Int64.fetchOne(
                db, sql: "SELECT max(taken_at) FROM segment_snapshots WHERE segment = ?", arguments: [segment])
        }
    }

    /// When the newest RFM snapshot was taken, without reading its rows.
    public func latestRFMSnapshotTime() throws -> Int64? {
        try writer.read { db in try Int64.fetchOne(db, sql: "SELECT max(taken_at) FROM rfm_snapshots") }
    }

    /// Recomputes every customer's replenishment due days from the orders up to `now`
    /// (``Replenishment``), keeping only those due after `now − keepSeconds`. Returns the rows kept.
    @discardableResult
    public func refreshReplenishment(now: Int64, keepSeconds: Int64 = 2 * 86_400) throws -> Int {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM replenishment_due")
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO replenishment_due(customer_id, sku, last_bought_at, interval_days, due_at)
                    VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                    """)
            var kept = 0
            var sku: String?
            var purchases: [(CustomerID, Int64)] = []
            func flush() throws {
                guard let current = sku else { return }
                for due in Replenishment.due(sku: current, purchases: purchases, dueAfter: now - keepSeconds) {
                    try insert.execute(arguments: [
                        due.customerID.rawValue, due.sku, due.lastBoughtAt, due.intervalDays, due.dueAt,
                    ])
                    kept += 1
                }
                purchases.removeAll(keepingCapacity: true)
            }
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT l.sku, o.customer_id, o.placed_at FROM order_lines l JOIN orders o ON o.id = l.order_id
                    WHERE o.status != 'cancelled' AND o.placed_at <= ? ORDER BY l.sku, o.customer_id, o.placed_at
                    """, arguments: [now])
            while let row = try rows.next() {
                let rowSKU: String = row[0]
                if rowSKU != sku {
                    try flush()
                    sku = rowSKU
                }
                purchases.append((CustomerID(rawValue: row[1]), row[2]))
            }
            try flush()
            try db.execute(
                sql:
                    "INSERT INTO meta(key, value) VALUES ('replenishment_at', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                arguments: [String(now)])
            return kept
        }
    }

    /// The `now` of the last ``refreshReplenishment(now:keepSeconds:)``.
    public func replenishmentRefreshedAt() throws -> Int64? {
        try writer.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'replenishment_at'").flatMap { Int64($0) }
        }
    }
}

extension SQLiteStore: CampaignReports, CampaignUpkeep, ScratchCopying {}
