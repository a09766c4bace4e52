import Foundation
import GRDB
import PatronCore
import PatronSQL

/// The campaign engine's reads and writes: trigger firings by time through the v12 indexes,
/// runs, decisions and outbox rows with `INSERT … ON CONFLICT DO NOTHING` so every write can be
/// repeated. Sets of ids are passed as one JSON array (`json_each`), not as variables.
extension SQLiteStore: CampaignStore {
    static func jsonIDs(_ ids: some Sequence<CustomerID>) -> String {
        "[" + ids.map { String($0.rawValue) }.joined(separator: ",") + "]"
    }

    public func triggerInstances(of trigger: FlowTrigger, flowID: String, from: Int64, through: Int64) throws
        -> [FlowTriggerInstance]
    {
        /// Leaves out firings the flow has seen (a run, or an entry decision), inside SQLite:
        /// each tick looks back two days, and those are nearly all known.
        func unseen(_ customer: String, _ key: String) -> String {
            """
             AND NOT EXISTS (SELECT 1 FROM flow_runs r WHERE r.flow_id = ?
               AND r.customer_id = \(customer) AND r.trigger_key = \(key))
             AND NOT EXISTS (SELECT 1 FROM campaign_decisions d WHERE d.flow_id = ?
               AND d.customer_id = \(customer) AND d.trigger_key = \(key) AND d.step = -1)
            """
        }
        return try writer.read { db in
            switch trigger {
            case .orderPlaced(let firstOnly):
                let first =
                    firstOnly
                    ? """
                     AND NOT EXISTS (SELECT 1 FROM orders p WHERE p.customer_id = o.customer_id
                       AND p.status != 'cancelled' AND (p.placed_at < o.placed_at OR (p.placed_at = o.placed_at AND p.id < o.id)))
                    """ : ""
                return try Row.fetchAll(
                    db,
                    sql: """
                        SELECT o.id, o.customer_id, o.placed_at FROM orders o
                        WHERE o.placed_at > ? AND o.placed_at <= ? AND o.status != 'cancelled'\(first)
                        \(unseen("o.customer_id", "'order:' || o.id"))
                        """, arguments: [from, through, flowID, flowID]
                ).map {
                    FlowTriggerInstance(
                        customerID: CustomerID(rawValue: $0[1]), key: "order:\($0[0] as Int64)", at: $0[2],
                        context: EnrollmentContext(orderID: $0[0]))
                }
            case .cartAbandoned(let idle, let minValue):
                return try Row.fetchAll(
                    db,
                    sql: """
                        SELECT c.id, c.customer_id, c.updated_at FROM carts c
                        WHERE c.status = 'open' AND c.updated_at > ? AND c.updated_at <= ? AND c.value_minor >= ?
                          AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.customer_id
                            AND o.placed_at >= c.updated_at AND o.status != 'cancelled')
                        \(unseen("c.customer_id", "'cart:' || c.id || '@' || c.updated_at"))
                        """, arguments: [from - idle, through - idle, minValue, flowID, flowID]
                ).map {
                    let updated: Int64 = $0[2]
                    return FlowTriggerInstance(
                        customerID: CustomerID(rawValue: $0[1]), key: "cart:\($0[0] as Int64)@\(updated)",
                        at: updated + idle, context: EnrollmentContext(cartID: $0[0]))
                }
            case .customerCreated:
                return try Row.fetchAll(
                    db,
                    sql: """
                        SELECT c.id, c.created_at FROM customers c
                        WHERE c.created_at > ? AND c.created_at <= ? AND c.erased_at IS NULL
                        \(unseen("c.id", "'created'"))
                        """, arguments: [from, through, flowID, flowID]
                ).map { FlowTriggerInstance(customerID: CustomerID(rawValue: $0[0]), key: "created", at: $0[1]) }
            case .rfmSegmentEntered(let segments):
                return try Row.fetchAll(
                    db,
                    sql: """
                        SELECT m.id, m.customer_id, m.moved_at, m.to_segment FROM segment_moves m
                        WHERE m.moved_at > ? AND m.moved_at <= ?
                          AND m.to_segment IN (SELECT value FROM json_each(?))
                          AND m.from_segment IS NOT NULL AND m.from_segment NOT IN (SELECT value FROM json_each(?))
                        \(unseen("m.customer_id", "'rfm:' || m.id"))
                        """,
                    arguments: [from, through, Self.jsonStrings(segments), Self.jsonStrings(segments), flowID, flowID]
                ).map {
                    FlowTriggerInstance(
                        customerID: CustomerID(rawValue: $0[1]), key: "rfm:\($0[0] as Int64)", at: $0[2])
                }
            case .segmentEntered(let name):
                return try Row.fetchAll(
                    db,
                    sql: """
                        SELECT g.id, g.customer_id, g.at FROM segment_membership_changes g
                        WHERE g.at > ? AND g.at <= ? AND g.segment = ? AND g.change = 'entered'
                          AND g.at > (SELECT min(taken_at) FROM segment_snapshots WHERE segment = g.segment)
                        \(unseen("g.customer_id", "'segment:' || g.id"))
                        """, arguments: [from, through, name, flowID, flowID]
                ).map {
                    FlowTriggerInstance(
                        customerID: CustomerID(rawValue: $0[1]), key: "segment:\($0[0] as Int64)", at: $0[2])
                }
            case .noOrderFor(let days):
                let span = Int64(days) * 86_400
                return try Row.fetchAll(
                    db,
                    sql: """
                        SELECT c.id, c.last_order_at FROM customers c
                        WHERE c.last_order_at > ? AND c.last_order_at <= ? AND c.erased_at IS NULL
                        \(unseen("c.id", "'inactive:' || c.last_order_at"))
                        """, arguments: [from - span, through - span, flowID, flowID]
                ).map {
                    let last: Int64 = $0[1]
                    return FlowTriggerInstance(
                        customerID: CustomerID(rawValue: $0[0]), key: "inactive:\(last)", at: last + span)
                }
            case .replenishmentDue(let leadDays):
                let lead = Int64(leadDays) * 86_400
                return try Row.fetchAll(
                    db,
                    sql: """
                        SELECT u.customer_id, u.sku, u.last_bought_at, u.interval_days, u.due_at FROM replenishment_due u
                        WHERE u.due_at > ? AND u.due_at <= ?
                        \(unseen("u.customer_id", "'replenish:' || u.sku || '@' || u.last_bought_at"))
                        """, arguments: [from + lead, through + lead, flowID, flowID]
                ).map {
                    let sku: String = $0[1]
                    let last: Int64 = $0[2]
                    return FlowTriggerInstance(
                        customerID: CustomerID(rawValue: $0[0]), key: "replenish:\(sku)@\(last)",
                        at: ($0[4] as Int64) - lead,
                        context: EnrollmentContext(sku: sku, intervalDays: $0[3], lastBoughtAt: last))
                }
            case .tierChanged(let fromTiers, let toTiers):
                var filter = ""
                var arguments: [any DatabaseValueConvertible] = [from, through]
                if let toTiers {
                    filter += """
                         AND t.to_tier IN (SELECT value FROM json_each(?))
                         AND (t.from_tier IS NULL OR t.from_tier NOT IN (SELECT value FROM json_each(?)))
                        """
                    arguments += [Self.jsonStrings(toTiers), Self.jsonStrings(toTiers)]
                }
                if let fromTiers {
                    filter += " AND t.from_tier IN (SELECT value FROM json_each(?))"
                    arguments.append(Self.jsonStrings(fromTiers))
                }
                return try Row.fetchAll(
                    db,
                    sql: """
                        SELECT t.id, t.customer_id, t.at FROM loyalty_tier_changes t
                        WHERE t.at > ? AND t.at <= ?\(filter)
                        \(unseen("t.customer_id", "'tier:' || t.id"))
                        ORDER BY t.id
                        """, arguments: StatementArguments(arguments + [flowID, flowID])
                ).map {
                    FlowTriggerInstance(
                        customerID: CustomerID(rawValue: $0[1]), key: "tier:\($0[0] as Int64)", at: $0[2])
                }
            case .feedbackReceived(let kind, let scores):
                return try Row.fetchAll(
                    db,
                    sql: """
                        SELECT f.key, f.customer_id, f.answered_at FROM feedback_responses f
                        WHERE f.kind = ? AND f.answered_at > ? AND f.answered_at <= ? AND f.score BETWEEN ? AND ?
                        \(unseen("f.customer_id", "'feedback:' || f.key"))
                        ORDER BY f.answered_at, f.key
                        """,
                    arguments: [
                        kind.rawValue, from, through, scores?.lowerBound ?? Int.min, scores?.upperBound ?? Int.max,
                        flowID, flowID,
                    ]
                ).map {
                    FlowTriggerInstance(
                        customerID: CustomerID(rawValue: $0[1]), key: "feedback:\($0[0] as String)", at: $0[2])
                }
            case .ticketClosed:
                return try Row.fetchAll(
                    db,
                    sql: """
                        SELECT t.id, t.customer_id, t.resolved_at FROM tickets t
                        WHERE t.status = 'closed' AND t.resolved_at > ? AND t.resolved_at <= ?
                        \(unseen("t.customer_id", "'ticket:' || t.id"))
                        ORDER BY t.resolved_at, t.id
                        """, arguments: [from, through, flowID, flowID]
                ).map {
                    FlowTriggerInstance(
                        customerID: CustomerID(rawValue: $0[1]), key: "ticket:\($0[0] as Int64)", at: $0[2])
                }
            case .productViewed(let count, let within):
                return try Row.fetchAll(
                    db,
                    sql: """
                        SELECT v.customer_id, v.sku, v.at FROM product_views v
                        WHERE v.customer_id IS NOT NULL AND v.at > ? AND v.at <= ?
                          AND (SELECT count(*) FROM product_views w WHERE w.customer_id = v.customer_id
                               AND w.sku = v.sku AND w.at > v.at - ?
                               AND (w.at < v.at OR (w.at = v.at AND w.id <= v.id))) = ?
                        \(unseen("v.customer_id", "'viewed:' || v.sku || '@' || v.at"))
                        ORDER BY v.at, v.id
                        """, arguments: [from, through, within, count, flowID, flowID]
                ).map {
                    let sku: String = $0[1]
                    let at: Int64 = $0[2]
                    return FlowTriggerInstance(
                        customerID: CustomerID(rawValue: $0[0]), key: "viewed:\(sku)@\(at)", at: at,
                        context: EnrollmentContext(sku: sku))
                }
            case .birthday, .schedule:
                return []
            }
        }
    }

    static func jsonStrings(_ values: [String]) -> String {
        let data = (try? JSONEncoder().encode(values)) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    public func birthdayCandidates(monthDays: [String]) throws -> [(CustomerID, birthday: String, timeZone: String?)] {
        try writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, birthday, timezone FROM customers
                    WHERE birthday IS NOT NULL AND substr(birthday, -5) IN (SELECT value FROM json_each(?))
                      AND erased_at IS NULL
                    """, arguments: [Self.jsonStrings(monthDays)]
            ).map { (CustomerID(rawValue: $0[0]), birthday: $0[1], timeZone: $0[2]) }
        }
    }

    public func members(of condition: FlowCondition, among: [CustomerID]?, now: Int64) throws -> Set<CustomerID> {
        let (sql, arguments) = try compileSegment(condition.expression, now: now)
        let from = SQLSegmentCompiler.sqlite.from(condition.expression)
        let query: String
        var args: [DatabaseValue] = []
        if let among {
            if among.isEmpty { return [] }
            // The few candidates drive the query (CROSS JOIN keeps them the outer loop): each is
            // one rowid lookup, instead of a scan of an audience index over every customer.
            query = "SELECT c.id FROM json_each(?) j CROSS JOIN \(from) WHERE c.id = j.value AND (\(sql))"
            args.append(Self.jsonIDs(among).databaseValue)
        } else {
            query = "SELECT c.id FROM \(from) WHERE \(sql)"
        }
        args += arguments
        return try writer.read { db in
            Set(try Int64.fetchAll(db, sql: query, arguments: StatementArguments(args)).map(CustomerID.init(rawValue:)))
        }
    }

    public func entryState(flowID: String, instances: [FlowTriggerInstance]) throws -> (
        known: Set<String>, lastEntered: [CustomerID: Int64]
    ) {
        let ids = Self.jsonIDs(Set(instances.map(\.customerID)))
        return try writer.read { db in
            var known: Set<String> = []
            var last: [CustomerID: Int64] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT customer_id, trigger_key, triggered_at FROM flow_runs
                    WHERE flow_id = ? AND customer_id IN (SELECT value FROM json_each(?))
                    """, arguments: [flowID, ids])
            {
                let id = CustomerID(rawValue: row[0])
                known.insert("\(id.rawValue)/\(row[1] as String)")
                last[id] = max(last[id] ?? Int64.min, row[2])
            }
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT customer_id, trigger_key FROM campaign_decisions
                    WHERE flow_id = ? AND step = -1 AND customer_id IN (SELECT value FROM json_each(?))
                    """, arguments: [flowID, ids])
            {
                known.insert("\(row[0] as Int64)/\(row[1] as String)")
            }
            return (known, last)
        }
    }

    public func saveEntries(_ enrollments: [Enrollment], decisions: [CampaignDecision]) throws {
        try writer.write { db in
            try Self.insert(enrollments, db)
            try Self.insert(decisions, db)
        }
    }

    static func stateText(_ state: Enrollment.State) -> String {
        switch state {
        case .active: "active"
        case .ended(let reason): reason
        }
    }

    static func insert(_ runs: [Enrollment], _ db: Database) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO flow_runs(flow_id, customer_id, trigger_key, triggered_at, context, holdout, pc, wake_at,
                  state, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        for run in runs {
            let context = String(decoding: try encoder.encode(run.context), as: UTF8.self)
            try statement.execute(arguments: [
                run.flowID, run.customerID.rawValue, run.triggerKey, run.triggeredAt, context, run.holdout, run.pc,
                run.wakeAt, stateText(run.state), run.wakeAt,
            ])
        }
    }

    static func insert(_ decisions: [CampaignDecision], _ db: Database) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO campaign_decisions(flow_id, customer_id, trigger_key, step, reason, detail, at)
                VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """)
        for d in decisions {
            try statement.execute(arguments: [
                d.flowID, d.customerID.rawValue, d.triggerKey, d.step ?? -1, d.reason, d.detail, d.at,
            ])
        }
    }

    public func dueEnrollments(flowID: String, now: Int64, limit: Int) throws -> [Enrollment] {
        try writer.read { db in
            let decoder = JSONDecoder()
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT id, customer_id, trigger_key, triggered_at, context, holdout, pc, wake_at FROM flow_runs
                    WHERE flow_id = ? AND state = 'active' AND wake_at <= ? ORDER BY wake_at, id LIMIT ?
                    """, arguments: [flowID, now, limit]
            ).map { row in
                let context =
                    (try? decoder.decode(EnrollmentContext.self, from: Data((row[4] as String).utf8))) ?? .init()
                return Enrollment(
                    id: row[0], flowID: flowID, customerID: CustomerID(rawValue: row[1]), triggerKey: row[2],
                    triggeredAt: row[3], context: context, holdout: row[5], pc: row[6], wakeAt: row[7])
            }
        }
    }

    public func planningFacts(for enrollments: [Enrollment], now: Int64, since: Int64) throws -> PlanningFacts {
        try read { tx in
            var customers: [CustomerID: CustomerRecord] = [:]
            for id in Set(enrollments.map(\.customerID)) { customers[id] = try tx.customer(id) }
            var after: [Int64: Int64] = [:]
            let firstAfter = try tx.statement(
                """
                SELECT min(placed_at) FROM orders
                WHERE customer_id = ? AND placed_at > ? AND placed_at <= ? AND status != 'cancelled'
                """)
            for run in enrollments {
                if let at = try Int64.fetchOne(firstAfter, arguments: [run.customerID.rawValue, run.triggeredAt, now]) {
                    after[run.id] = at
                }
            }
            var history: [CustomerID: [ContactPolicy.Sent]] = [:]
            for row in try Row.fetchAll(
                tx.db,
                sql: """
                    SELECT customer_id, channel, flow_id, coalesce(sent_at, planned_at) FROM outbox
                    WHERE customer_id IN (SELECT value FROM json_each(?)) AND planned_at >= ?
                      AND status IN ('planned', 'sending', 'sent', 'delivered')
                    """, arguments: [Self.jsonIDs(customers.keys), since])
            {
                guard let channel = ConsentChannel(rawValue: row[1]) else { continue }
                history[CustomerID(rawValue: row[0]), default: []].append(
                    ContactPolicy.Sent(channel: channel, flow: row[2], at: row[3]))
            }
            return PlanningFacts(customers: customers, orderAfterTrigger: after, history: history)
        }
    }

    public func templateRecords(for enrollments: [Enrollment]) throws -> [Int64: TemplateRecords] {
        try read { tx in
            let rfm = try tx.statement(
                """
                SELECT segment FROM rfm_snapshot_rows
                WHERE snapshot_id = (SELECT max(id) FROM rfm_snapshots) AND customer_id = ?
                """)
            let product = try tx.statement(
                """
                SELECT l.name FROM orders o CROSS JOIN order_lines l ON l.order_id = o.id
                WHERE o.customer_id = ? AND l.sku = ? AND l.name IS NOT NULL ORDER BY o.placed_at DESC LIMIT 1
                """)
            var out: [Int64: TemplateRecords] = [:]
            let program = try tx.loyaltyRules()?.program
            for run in enrollments {
                var records = TemplateRecords()
                records.rfmSegment = try String.fetchOne(rfm, arguments: [run.customerID.rawValue])
                records.loyalty = try LoyaltyDesk.templateStatement(
                    in: tx, customer: run.customerID, program: program, at: run.wakeAt)
                if let orderID = run.context.orderID {
                    records.order = try tx.orders(of: run.customerID).first { $0.id.rawValue == orderID }
                }
                if let cartID = run.context.cartID {
                    records.cart = try tx.carts(of: run.customerID).first { $0.id.rawValue == cartID }
                }
                if let sku = run.context.sku {
                    records.productName = try String.fetchOne(product, arguments: [run.customerID.rawValue, sku])
                }
                out[run.id] = records
            }
            return out
        }
    }

    public func applyPlan(enrollments: [Enrollment], messages: [OutboxMessage], decisions: [CampaignDecision]) throws {
        try writer.write { db in
            let update = try db.cachedStatement(
                sql: "UPDATE flow_runs SET pc = ?, wake_at = ?, state = ?, updated_at = ? WHERE id = ?")
            for run in enrollments {
                try update.execute(arguments: [run.pc, run.wakeAt, Self.stateText(run.state), run.wakeAt, run.id])
            }
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO outbox(key, flow_id, step, customer_id, channel, recipient, subject, body, status,
                      attempts, planned_at, next_attempt_at, updated_at, survey, survey_until, survey_skus)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'planned', 0, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING
                    """)
            for m in messages {
                try insert.execute(arguments: [
                    m.key, m.flowID, m.step, m.customerID.rawValue, m.channel.rawValue, m.recipient, m.subject, m.body,
                    m.plannedAt, m.nextAttemptAt, m.plannedAt, m.survey?.rawValue, m.surveyUntil,
                    StoredColumns.encode(skus: m.surveySKUs),
                ])
            }
            try Self.insert(decisions, db)
        }
    }
}
