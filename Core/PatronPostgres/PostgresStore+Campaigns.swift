import Foundation
import PatronCore
import PatronSQL
import PostgresNIO

/// The campaign engine's reads and writes: trigger firings by time, runs, decisions and outbox
/// rows with `INSERT … ON CONFLICT DO NOTHING` so every write can be repeated. Sets of ids and
/// names are bound as arrays.
extension PostgresStore: CampaignStore {
    public func triggerInstances(of trigger: FlowTrigger, flowID: String, from: Int64, through: Int64) throws
        -> [FlowTriggerInstance]
    {
        /// Leaves out firings the flow has seen (a run, or an entry decision).
        func unseen(_ customer: String, _ key: String) -> String {
            """
             AND NOT EXISTS (SELECT 1 FROM flow_runs r WHERE r.flow_id = $1
               AND r.customer_id = \(customer) AND r.trigger_key = \(key))
             AND NOT EXISTS (SELECT 1 FROM campaign_decisions d WHERE d.flow_id = $1
               AND d.customer_id = \(customer) AND d.trigger_key = \(key) AND d.step = -1)
            """
        }
        /// `sql` with `$1` the flow id, then `values` as `$2…`.
        func query(_ sql: String, _ values: [Int64], texts: [[String]] = [], text: String? = nil) -> PostgresQuery {
            var bindings = PostgresBindings()
            bindings.append(flowID)
            for value in values { bindings.append(value) }
            for list in texts { bindings.append(list) }
            if let text { bindings.append(text) }
            return PostgresQuery(unsafeSQL: sql, binds: bindings)
        }
        return try read { t in
            let s = t.session
            switch trigger {
            case .orderPlaced(let firstOnly):
                let first =
                    firstOnly
                    ? """
                     AND NOT EXISTS (SELECT 1 FROM orders p WHERE p.customer_id = o.customer_id
                       AND p.status != 'cancelled' AND (p.placed_at < o.placed_at OR (p.placed_at = o.placed_at AND p.id < o.id)))
                    """ : ""
                return try s.rows(
                    query(
                        """
                        SELECT o.id, o.customer_id, o.placed_at FROM orders o
                        WHERE o.placed_at > $2 AND o.placed_at <= $3 AND o.status != 'cancelled'\(first)
                        \(unseen("o.customer_id", "'order:' || o.id"))
                        """, [from, through])
                ).map { row in
                    let r = PostgresRowReader(row)
                    let order = try r.int(0)
                    return FlowTriggerInstance(
                        customerID: CustomerID(try r.int(1)), key: "order:\(order)", at: try r.int(2),
                        context: EnrollmentContext(orderID: order))
                }
            case .cartAbandoned(let idle, let minValue):
                return try s.rows(
                    query(
                        """
                        SELECT c.id, c.customer_id, c.updated_at FROM carts c
                        WHERE c.status = 'open' AND c.updated_at > $2 AND c.updated_at <= $3 AND c.value_minor >= $4
                          AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.customer_id
                            AND o.placed_at >= c.updated_at AND o.status != 'cancelled')
                        \(unseen("c.customer_id", "'cart:' || c.id || '@' || c.updated_at"))
                        """, [from - idle, through - idle, minValue])
                ).map { row in
                    let r = PostgresRowReader(row)
                    let (cart, updated) = (try r.int(0), try r.int(2))
                    return FlowTriggerInstance(
                        customerID: CustomerID(try r.int(1)), key: "cart:\(cart)@\(updated)", at: updated + idle,
                        context: EnrollmentContext(cartID: cart))
                }
            case .customerCreated:
                return try s.rows(
                    query(
                        """
                        SELECT c.id, c.created_at FROM customers c
                        WHERE c.created_at > $2 AND c.created_at <= $3 AND c.erased_at IS NULL
                        \(unseen("c.id", "'created'"))
                        """, [from, through])
                ).map { row in
                    let r = PostgresRowReader(row)
                    return FlowTriggerInstance(customerID: CustomerID(try r.int(0)), key: "created", at: try r.int(1))
                }
            case .rfmSegmentEntered(let segments):
                return try s.rows(
                    query(
                        """
                        SELECT m.id, m.customer_id, m.moved_at FROM segment_moves m
                        WHERE m.moved_at > $2 AND m.moved_at <= $3 AND m.to_segment = ANY($4::text[])
                          AND m.from_segment IS NOT NULL AND NOT (m.from_segment = ANY($4::text[]))
                        \(unseen("m.customer_id", "'rfm:' || m.id"))
                        """, [from, through], texts: [segments])
                ).map { row in
                    let r = PostgresRowReader(row)
                    return FlowTriggerInstance(
                        customerID: CustomerID(try r.int(1)), key: "rfm:\(try r.int(0))", at: try r.int(2))
                }
            case .segmentEntered(let name):
                return try s.rows(
                    query(
                        """
                        SELECT g.id, g.customer_id, g.at FROM segment_membership_changes g
                        WHERE g.at > $2 AND g.at <= $3 AND g.segment = $4 AND g.change = 'entered'
                          AND g.at > (SELECT min(taken_at) FROM segment_snapshots WHERE segment = g.segment)
                        \(unseen("g.customer_id", "'segment:' || g.id"))
                        """, [from, through], text: name)
                ).map { row in
                    let r = PostgresRowReader(row)
                    return FlowTriggerInstance(
                        customerID: CustomerID(try r.int(1)), key: "segment:\(try r.int(0))", at: try r.int(2))
                }
            case .noOrderFor(let days):
                let span = Int64(days) * 86_400
                return try s.rows(
                    query(
                        """
                        SELECT c.id, c.last_order_at FROM customers c
                        WHERE c.last_order_at > $2 AND c.last_order_at <= $3 AND c.erased_at IS NULL
                        \(unseen("c.id", "'inactive:' || c.last_order_at"))
                        """, [from - span, through - span])
                ).map { row in
                    let r = PostgresRowReader(row)
                    let last = try r.int(1)
                    return FlowTriggerInstance(
                        customerID: CustomerID(try r.int(0)), key: "inactive:\(last)", at: last + span)
                }
            case .replenishmentDue(let leadDays):
                let lead = Int64(leadDays) * 86_400
                return try s.rows(
                    query(
                        """
                        SELECT u.customer_id, u.sku, u.last_bought_at, u.interval_days, u.due_at FROM replenishment_due u
                        WHERE u.due_at > $2 AND u.due_at <= $3
                        \(unseen("u.customer_id", "'replenish:' || u.sku || '@' || u.last_bought_at"))
                        """, [from + lead, through + lead])
                ).map { row in
                    let r = PostgresRowReader(row)
                    let (sku, last) = (try r.text(1), try r.int(2))
                    return FlowTriggerInstance(
                        customerID: CustomerID(try r.int(0)), key: "replenish:\(sku)@\(last)", at: try r.int(4) - lead,
                        context: EnrollmentContext(sku: sku, intervalDays: Int(try r.int(3)), lastBoughtAt: last))
                }
            case .tierChanged(let fromTiers, let toTiers):
                var filter = ""
                var lists: [[String]] = []
                if let toTiers {
                    lists.append(toTiers)
                    filter += """
                         AND t.to_tier = ANY($\(lists.count + 3)::text[])
                         AND (t.from_tier IS NULL OR NOT (t.from_tier = ANY($\(lists.count + 3)::text[])))
                        """
                }
                if let fromTiers {
                    lists.append(fromTiers)
                    filter += " AND t.from_tier = ANY($\(lists.count + 3)::text[])"
                }
                return try s.rows(
                    query(
                        """
                        SELECT t.id, t.customer_id, t.at FROM loyalty_tier_changes t
                        WHERE t.at > $2 AND t.at <= $3\(filter)
                        \(unseen("t.customer_id", "'tier:' || t.id"))
                        ORDER BY t.id
                        """, [from, through], texts: lists)
                ).map { row in
                    let r = PostgresRowReader(row)
                    return FlowTriggerInstance(
                        customerID: CustomerID(try r.int(1)), key: "tier:\(try r.int(0))", at: try r.int(2))
                }
            case .feedbackReceived(let kind, let scores):
                return try s.rows(
                    query(
                        """
                        SELECT f.key, f.customer_id, f.answered_at FROM feedback_responses f
                        WHERE f.answered_at > $2 AND f.answered_at <= $3 AND f.score BETWEEN $4 AND $5 AND f.kind = $6
                        \(unseen("f.customer_id", "'feedback:' || f.key"))
                        ORDER BY f.answered_at, f.key COLLATE "C"
                        """,
                        [from, through, Int64(scores?.lowerBound ?? Int.min), Int64(scores?.upperBound ?? Int.max)],
                        text: kind.rawValue)
                ).map { row in
                    let r = PostgresRowReader(row)
                    return FlowTriggerInstance(
                        customerID: CustomerID(try r.int(1)), key: "feedback:\(try r.text(0))", at: try r.int(2))
                }
            case .ticketClosed:
                return try s.rows(
                    query(
                        """
                        SELECT t.id, t.customer_id, t.resolved_at FROM tickets t
                        WHERE t.status = 'closed' AND t.resolved_at > $2 AND t.resolved_at <= $3
                        \(unseen("t.customer_id", "'ticket:' || t.id"))
                        ORDER BY t.resolved_at, t.id
                        """, [from, through])
                ).map { row in
                    let r = PostgresRowReader(row)
                    return FlowTriggerInstance(
                        customerID: CustomerID(try r.int(1)), key: "ticket:\(try r.int(0))", at: try r.int(2))
                }
            case .productViewed(let count, let within):
                return try s.rows(
                    query(
                        """
                        SELECT v.customer_id, v.sku, v.at FROM product_views v
                        WHERE v.customer_id IS NOT NULL AND v.at > $2 AND v.at <= $3
                          AND (SELECT count(*) FROM product_views w WHERE w.customer_id = v.customer_id
                               AND w.sku = v.sku AND w.at > v.at - $4
                               AND (w.at < v.at OR (w.at = v.at AND w.id <= v.id))) = $5
                        \(unseen("v.customer_id", "'viewed:' || v.sku || '@' || v.at"))
                        ORDER BY v.at, v.id
                        """, [from, through, within, Int64(count)])
                ).map { row in
                    let r = PostgresRowReader(row)
                    let sku = try r.text(1)
                    let at = try r.int(2)
                    return FlowTriggerInstance(
                        customerID: CustomerID(try r.int(0)), key: "viewed:\(sku)@\(at)", at: at,
                        context: EnrollmentContext(sku: sku))
                }
            case .birthday, .schedule:
                return []
            }
        }
    }

    public func birthdayCandidates(monthDays: [String]) throws -> [(CustomerID, birthday: String, timeZone: String?)] {
        try read { t in
            try t.session.rows(
                """
                SELECT id, birthday, timezone FROM customers
                WHERE birthday IS NOT NULL AND right(birthday, 5) = ANY(\(monthDays)::text[]) AND erased_at IS NULL
                """
            ).map { row in
                let r = PostgresRowReader(row)
                return (CustomerID(try r.int(0)), birthday: try r.text(1), timeZone: try r.optionalText(2))
            }
        }
    }

    public func members(of condition: FlowCondition, among: [CustomerID]?, now: Int64) throws -> Set<CustomerID> {
        let compiled = try compileSegment(condition.expression, now: now)
        let from = SQLSegmentCompiler.postgres.from(condition.expression)
        let query: PostgresQuery
        if let among {
            if among.isEmpty { return [] }
            query = compiled.query(
                { "SELECT c.id FROM \(from) WHERE c.id = ANY($1::bigint[]) AND (\($0))" },
                leading: among.map(\.rawValue))
        } else {
            query = compiled.query { "SELECT c.id FROM \(from) WHERE \($0)" }
        }
        return try read { t in Set(try t.session.values(Int64.self, query).map { CustomerID($0) }) }
    }

    public func entryState(flowID: String, instances: [FlowTriggerInstance]) throws -> (
        known: Set<String>, lastEntered: [CustomerID: Int64]
    ) {
        let ids = Array(Set(instances.map(\.customerID.rawValue)))
        return try read { t in
            var known: Set<String> = []
            var last: [CustomerID: Int64] = [:]
            for row in try t.session.rows(
                """
                SELECT customer_id, trigger_key, triggered_at FROM flow_runs
                WHERE flow_id = \(flowID) AND customer_id = ANY(\(ids)::bigint[])
                """)
            {
                let r = PostgresRowReader(row)
                let id = CustomerID(try r.int(0))
                known.insert("\(id.rawValue)/\(try r.text(1))")
                last[id] = max(last[id] ?? Int64.min, try r.int(2))
            }
            for row in try t.session.rows(
                """
                SELECT customer_id, trigger_key FROM campaign_decisions
                WHERE flow_id = \(flowID) AND step = -1 AND customer_id = ANY(\(ids)::bigint[])
                """)
            {
                let r = PostgresRowReader(row)
                known.insert("\(try r.int(0))/\(try r.text(1))")
            }
            return (known, last)
        }
    }

    public func saveEntries(_ enrollments: [Enrollment], decisions: [CampaignDecision]) throws {
        try write { t in
            try Self.insert(enrollments, t.session)
            try Self.insert(decisions, t.session)
        }
    }

    static func stateText(_ state: Enrollment.State) -> String {
        switch state {
        case .active: "active"
        case .ended(let reason): reason
        }
    }

    static func insert(_ runs: [Enrollment], _ s: PostgresSession) throws {
        guard !runs.isEmpty else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let contexts = try runs.map { String(decoding: try encoder.encode($0.context), as: UTF8.self) }
        try s.execute(
            """
            INSERT INTO flow_runs(flow_id, customer_id, trigger_key, triggered_at, context, holdout, pc, wake_at,
              state, updated_at)
            SELECT flow, customer, key, triggered, context, holdout, pc, wake, state, wake
            FROM unnest(\(runs.map(\.flowID))::text[], \(runs.map(\.customerID.rawValue))::bigint[],
                        \(runs.map(\.triggerKey))::text[], \(runs.map(\.triggeredAt))::bigint[], \(contexts)::text[],
                        \(runs.map { Int64($0.holdout ? 1 : 0) })::bigint[], \(runs.map { Int64($0.pc) })::bigint[],
                        \(runs.map(\.wakeAt))::bigint[], \(runs.map { stateText($0.state) })::text[])
              AS r(flow, customer, key, triggered, context, holdout, pc, wake, state)
            ON CONFLICT DO NOTHING
            """)
    }

    static func insert(_ decisions: [CampaignDecision], _ s: PostgresSession) throws {
        guard !decisions.isEmpty else { return }
        try s.execute(
            """
            INSERT INTO campaign_decisions(flow_id, customer_id, trigger_key, step, reason, detail, at)
            SELECT * FROM unnest(\(decisions.map(\.flowID))::text[], \(decisions.map(\.customerID.rawValue))::bigint[],
                                 \(decisions.map(\.triggerKey))::text[], \(decisions.map { Int64($0.step ?? -1) })::bigint[],
                                 \(decisions.map(\.reason))::text[], \(decisions.map(\.detail))::text[],
                                 \(decisions.map(\.at))::bigint[])
            ON CONFLICT DO NOTHING
            """)
    }

    public func dueEnrollments(flowID: String, now: Int64, limit: Int) throws -> [Enrollment] {
        try read { t in
            let decoder = JSONDecoder()
            return try t.session.rows(
                """
                SELECT id, customer_id, trigger_key, triggered_at, context, holdout, pc, wake_at FROM flow_runs
                WHERE flow_id = \(flowID) AND state = 'active' AND wake_at <= \(now) ORDER BY wake_at, id
                LIMIT \(Int64(limit))
                """
            ).map { row in
                let r = PostgresRowReader(row)
                let context =
                    (try? decoder.decode(EnrollmentContext.self, from: Data(try r.text(4).utf8))) ?? .init()
                return Enrollment(
                    id: try r.int(0), flowID: flowID, customerID: CustomerID(try r.int(1)), triggerKey: try r.text(2),
                    triggeredAt: try r.int(3), context: context, holdout: try r.int(5) != 0, pc: Int(try r.int(6)),
                    wakeAt: try r.int(7))
            }
        }
    }

    public func planningFacts(for enrollments: [Enrollment], now: Int64, since: Int64) throws -> PlanningFacts {
        try read { t in
            var customers: [CustomerID: CustomerRecord] = [:]
            for id in Set(enrollments.map(\.customerID)) { customers[id] = try t.customer(id) }
            var after: [Int64: Int64] = [:]
            for run in enrollments {
                if let at = try t.session.value(
                    Int64.self,
                    """
                    SELECT min(placed_at) FROM orders
                    WHERE customer_id = \(run.customerID.rawValue) AND placed_at > \(run.triggeredAt)
                      AND placed_at <= \(now) AND status != 'cancelled'
                    """)
                {
                    after[run.id] = at
                }
            }
            var history: [CustomerID: [ContactPolicy.Sent]] = [:]
            for row in try t.session.rows(
                """
                SELECT customer_id, channel, flow_id, coalesce(sent_at, planned_at) FROM outbox
                WHERE customer_id = ANY(\(customers.keys.map(\.rawValue))::bigint[]) AND planned_at >= \(since)
                  AND status IN ('planned', 'sending', 'sent', 'delivered')
                """)
            {
                let r = PostgresRowReader(row)
                guard let channel = ConsentChannel(rawValue: try r.text(1)) else { continue }
                history[CustomerID(try r.int(0)), default: []].append(
                    ContactPolicy.Sent(channel: channel, flow: try r.text(2), at: try r.int(3)))
            }
            return PlanningFacts(customers: customers, orderAfterTrigger: after, history: history)
        }
    }

    public func templateRecords(for enrollments: [Enrollment]) throws -> [Int64: TemplateRecords] {
        try read { t in
            var out: [Int64: TemplateRecords] = [:]
            let program = try t.loyaltyRules()?.program
            for run in enrollments {
                var records = TemplateRecords()
                records.loyalty = try LoyaltyDesk.templateStatement(
                    in: t, customer: run.customerID, program: program, at: run.wakeAt)
                records.rfmSegment = try t.session.value(
                    String.self,
                    """
                    SELECT segment FROM rfm_snapshot_rows
                    WHERE snapshot_id = (SELECT max(id) FROM rfm_snapshots) AND customer_id = \(run.customerID.rawValue)
                    """)
                if let orderID = run.context.orderID {
                    records.order = try t.orders(of: run.customerID).first { $0.id.rawValue == orderID }
                }
                if let cartID = run.context.cartID {
                    records.cart = try t.carts(of: run.customerID).first { $0.id.rawValue == cartID }
                }
                if let sku = run.context.sku {
                    records.productName = try t.session.value(
                        String.self,
                        """
                        SELECT l.name FROM orders o JOIN order_lines l ON l.order_id = o.id
                        WHERE o.customer_id = \(run.customerID.rawValue) AND l.sku = \(sku) AND l.name IS NOT NULL
                        ORDER BY o.placed_at DESC LIMIT 1
                        """)
                }
                out[run.id] = records
            }
            return out
        }
    }

    public func applyPlan(enrollments: [Enrollment], messages: [OutboxMessage], decisions: [CampaignDecision]) throws {
        try write { t in
            let s = t.session
            for run in enrollments {
                try s.execute(
                    """
                    UPDATE flow_runs SET pc = \(Int64(run.pc)), wake_at = \(run.wakeAt),
                      state = \(Self.stateText(run.state)), updated_at = \(run.wakeAt)
                    WHERE id = \(run.id)
                    """)
            }
            if !messages.isEmpty {
                try s.execute(
                    """
                    INSERT INTO outbox(key, flow_id, step, customer_id, channel, recipient, subject, body, status,
                      attempts, planned_at, next_attempt_at, updated_at, survey, survey_until, survey_skus)
                    SELECT key, flow, step, customer, channel, recipient, CASE WHEN has_subject THEN subject END,
                      body, 'planned', 0, planned, next, planned, nullif(survey, ''), nullif(until, -1),
                      nullif(skus, '')
                    FROM unnest(\(messages.map(\.key))::text[], \(messages.map(\.flowID))::text[],
                                \(messages.map { Int64($0.step) })::bigint[], \(messages.map(\.customerID.rawValue))::bigint[],
                                \(messages.map(\.channel.rawValue))::text[], \(messages.map(\.recipient))::text[],
                                \(messages.map { $0.subject != nil })::bool[], \(messages.map { $0.subject ?? "" })::text[],
                                \(messages.map(\.body))::text[], \(messages.map(\.plannedAt))::bigint[],
                                \(messages.map(\.nextAttemptAt))::bigint[],
                                \(messages.map { $0.survey?.rawValue ?? "" })::text[],
                                \(messages.map { $0.surveyUntil ?? -1 })::bigint[],
                                \(messages.map { StoredColumns.encode(skus: $0.surveySKUs) ?? "" })::text[]) WITH ORDINALITY
                      AS m(key, flow, step, customer, channel, recipient, has_subject, subject, body, planned, next, survey,
                           until, skus, n)
                    ORDER BY n
                    ON CONFLICT (key) DO NOTHING
                    """)
            }
            try Self.insert(decisions, s)
        }
    }
}
