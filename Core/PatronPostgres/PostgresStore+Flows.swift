import Foundation
import PatronCore
import PostgresNIO

/// Flows, their stats and reports, and the replenishment table the nightly job refreshes.
extension PostgresStore: FlowRegistry, CampaignReports, CampaignUpkeep {
    /// Stores the flow's file (a new flow starts as a draft; a known one keeps its status). When
    /// the file changes, the flow's runs in progress end (`flow_changed`). Returns how many ended.
    @discardableResult
    public func saveFlow(id: String, name: String, source: String, path: String?, at: Int64) throws -> Int {
        try write { t in
            var ended = 0
            if let old = try t.session.value(String.self, "SELECT source FROM flows WHERE id = \(id)"), old != source {
                ended = try t.session.execute(
                    """
                    UPDATE flow_runs SET state = 'flow_changed', updated_at = \(at)
                    WHERE flow_id = \(id) AND state = 'active'
                    """)
            }
            try t.session.execute(
                """
                INSERT INTO flows(id, name, source, path, status, updated_at)
                VALUES (\(id), \(name), \(source), \(path), 'draft', \(at))
                ON CONFLICT (id) DO UPDATE SET name = excluded.name, source = excluded.source,
                  path = excluded.path, updated_at = excluded.updated_at
                """)
            return ended
        }
    }

    /// Builds the trigger indexes if they are missing (``PostgresSchema/campaignIndexes``); the
    /// first activation does it, and so does every tick (one catalogue lookup once they exist).
    public func prepareCampaigns() throws {
        let missing = try read { t in
            try t.session.value(Bool.self, "SELECT to_regclass('orders_by_placed_at') IS NULL") ?? true
        }
        guard missing else { return }
        try write { t in try t.session.script(PostgresSchema.campaignIndexes) }
    }

    public func setFlowStatus(_ id: String, _ status: CampaignStatus, at: Int64) throws -> Bool {
        if status == .active { try prepareCampaigns() }
        return try write { t in
            try t.session.execute(
                """
                UPDATE flows SET status = \(status.rawValue), updated_at = \(at),
                  activated_at = CASE WHEN \(status.rawValue) = 'active' AND status != 'active' THEN \(at)
                                 ELSE activated_at END
                WHERE id = \(id)
                """) > 0
        }
    }

    public func flows() throws -> [StoredFlow] {
        try read { t in
            try t.session.rows("SELECT id, name, source, path, status, activated_at, updated_at FROM flows ORDER BY id")
                .map { row in
                    let r = PostgresRowReader(row)
                    return StoredFlow(
                        id: try r.text(0), name: try r.text(1), source: try r.text(2), path: try r.optionalText(3),
                        status: CampaignStatus(rawValue: try r.text(4)) ?? .draft, activatedAt: try r.optionalInt(5),
                        updatedAt: try r.int(6))
                }
        }
    }

    public func activateForReplay(_ ids: [String], at: Int64) throws {
        try write { t in
            try t.session.execute(
                """
                UPDATE flows SET status = 'active', activated_at = \(at)
                WHERE status = 'active' OR id = ANY(\(ids)::text[])
                """)
        }
    }

    public func flowStats(_ id: String, attributionSeconds: Int64) throws -> FlowStats {
        try read { t in
            let s = t.session
            var messages: [OutboxMessage.Status: Int] = [:]
            for row in try s.rows("SELECT status, count(*) FROM outbox WHERE flow_id = \(id) GROUP BY status") {
                let r = PostgresRowReader(row)
                if let status = OutboxMessage.Status(rawValue: try r.text(0)) { messages[status] = Int(try r.int(1)) }
            }
            var decisions: [String: Int] = [:]
            for row in try s.rows(
                "SELECT reason, count(*) FROM campaign_decisions WHERE flow_id = \(id) GROUP BY reason")
            {
                let r = PostgresRowReader(row)
                decisions[try r.text(0)] = Int(try r.int(1))
            }
            var groups: [Bool: (Int, Int)] = [:]
            for row in try s.rows(
                """
                SELECT r.holdout::bigint, count(*), count(*) FILTER (WHERE EXISTS (SELECT 1 FROM orders o
                  WHERE o.customer_id = r.customer_id AND o.status != 'cancelled' AND o.placed_at > r.triggered_at
                    AND o.placed_at <= r.triggered_at + \(attributionSeconds)))
                FROM flow_runs r WHERE r.flow_id = \(id) AND r.state != 'customer_gone' GROUP BY r.holdout
                """)
            {
                let r = PostgresRowReader(row)
                groups[try r.int(0) != 0] = (Int(try r.int(1)), Int(try r.int(2)))
            }
            let attributed = try s.rows(
                """
                SELECT count(*), coalesce(sum(net), 0)::bigint FROM (
                  SELECT DISTINCT o.id, o.total_minor - o.refunded_minor AS net FROM outbox m
                  JOIN orders o ON o.customer_id = m.customer_id AND o.status != 'cancelled'
                    AND o.placed_at > m.sent_at AND o.placed_at <= m.sent_at + \(attributionSeconds)
                  WHERE m.flow_id = \(id) AND m.status IN ('sent', 'delivered')) AS attributed
                """
            ).first.map(PostgresRowReader.init)
            return FlowStats(
                flowID: id, messages: messages, decisions: decisions, treated: groups[false]?.0 ?? 0,
                holdout: groups[true]?.0 ?? 0, treatedConverted: groups[false]?.1 ?? 0,
                holdoutConverted: groups[true]?.1 ?? 0, attributedOrders: Int(try attributed?.int(0) ?? 0),
                attributedRevenueMinor: try attributed?.int(1) ?? 0)
        }
    }

    public func outboxRows(flowID: String? = nil, from: Int64 = .min, to: Int64 = .max) throws -> [OutboxRow] {
        try read { t in
            try t.session.rows(
                """
                SELECT key, flow_id, step, customer_id, channel, recipient, subject, body, status, attempts,
                  planned_at, sent_at, provider_id, last_error FROM outbox
                WHERE planned_at >= \(from) AND planned_at <= \(to) AND (\(flowID)::text IS NULL OR flow_id = \(flowID))
                ORDER BY planned_at, id
                """
            ).map { row in
                let r = PostgresRowReader(row)
                return OutboxRow(
                    key: try r.text(0), flowID: try r.text(1), step: Int(try r.int(2)),
                    customerID: CustomerID(try r.int(3)), channel: try r.text(4), recipient: try r.text(5),
                    subject: try r.optionalText(6), body: try r.text(7), status: try r.text(8),
                    attempts: Int(try r.int(9)), plannedAt: try r.int(10), sentAt: try r.optionalInt(11),
                    providerID: try r.optionalText(12), lastError: try r.optionalText(13))
            }
        }
    }

    public func campaignDecisions(
        flowID: String? = nil, customerID: CustomerID? = nil, from: Int64 = .min, to: Int64 = .max
    ) throws -> [CampaignDecision] {
        try read { t in
            try t.session.rows(
                """
                SELECT flow_id, customer_id, trigger_key, step, reason, detail, at FROM campaign_decisions
                WHERE at >= \(from) AND at <= \(to) AND (\(flowID)::text IS NULL OR flow_id = \(flowID))
                  AND (\(customerID?.rawValue)::bigint IS NULL OR customer_id = \(customerID?.rawValue))
                ORDER BY at, id
                """
            ).map(Self.decision(from:))
        }
    }

    static func decision(from row: PostgresRow) throws -> CampaignDecision {
        let r = PostgresRowReader(row)
        let step = Int(try r.int(3))
        return CampaignDecision(
            flowID: try r.text(0), customerID: CustomerID(try r.int(1)), triggerKey: try r.text(2),
            step: step < 0 ? nil : step, reason: try r.text(4), detail: try r.text(5), at: try r.int(6))
    }

    public func latestMembershipTime(of segment: String) throws -> Int64? {
        try read { t in
            try t.session.value(Int64.self, "SELECT max(taken_at) FROM segment_snapshots WHERE segment = \(segment)")
        }
    }

    public func latestRFMSnapshotTime() throws -> Int64? {
        try read { t in try t.session.value(Int64.self, "SELECT max(taken_at) FROM rfm_snapshots") }
    }

    /// Recomputes every customer's replenishment due days from the orders up to `now`
    /// (``Replenishment``), keeping only those due after `now − keepSeconds`. Returns the rows kept.
    @discardableResult
    public func refreshReplenishment(now: Int64, keepSeconds: Int64 = 2 * 86_400) throws -> Int {
        try write { t in
            let s = t.session
            try s.execute("DELETE FROM replenishment_due")
            var due: [Replenishment.Due] = []
            var sku: String?
            var purchases: [(CustomerID, Int64)] = []
            func flush() {
                guard let current = sku else { return }
                due += Replenishment.due(sku: current, purchases: purchases, dueAfter: now - keepSeconds)
                purchases.removeAll(keepingCapacity: true)
            }
            try s.forEachRow(
                """
                SELECT l.sku, o.customer_id, o.placed_at FROM order_lines l JOIN orders o ON o.id = l.order_id
                WHERE o.status != 'cancelled' AND o.placed_at <= \(now) ORDER BY l.sku, o.customer_id, o.placed_at
                """
            ) { row in
                let r = PostgresRowReader(row)
                let rowSKU = try r.text(0)
                if rowSKU != sku {
                    flush()
                    sku = rowSKU
                }
                purchases.append((CustomerID(try r.int(1)), try r.int(2)))
            }
            flush()
            for chunk in due.chunks(of: 20_000) {
                try s.execute(
                    """
                    INSERT INTO replenishment_due(customer_id, sku, last_bought_at, interval_days, due_at)
                    SELECT * FROM unnest(\(chunk.map(\.customerID.rawValue))::bigint[], \(chunk.map(\.sku))::text[],
                      \(chunk.map(\.lastBoughtAt))::bigint[], \(chunk.map { Int64($0.intervalDays) })::bigint[],
                      \(chunk.map(\.dueAt))::bigint[])
                    ON CONFLICT DO NOTHING
                    """)
            }
            try s.execute(
                """
                INSERT INTO meta(key, value) VALUES ('replenishment_at', \(String(now)))
                ON CONFLICT (key) DO UPDATE SET value = excluded.value
                """)
            return due.count
        }
    }

    public func replenishmentRefreshedAt() throws -> Int64? {
        try read { t in
            try t.session.value(String.self, "SELECT value FROM meta WHERE key = 'replenishment_at'").flatMap {
                Int64($0)
            }
        }
    }
}
