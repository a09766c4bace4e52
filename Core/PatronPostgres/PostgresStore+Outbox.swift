import Foundation
import PatronCore
import PatronSQL
import PostgresNIO

/// The outbox's claims and outcomes, delivery receipts and the scheduler's lease. Claims lock
/// the rows they take (`FOR UPDATE SKIP LOCKED`) inside the store's one-writer transaction, so
/// two schedulers on two hosts never take the same message.
extension PostgresStore {
    static let outboxColumns = """
        id, key, flow_id, step, customer_id, channel, recipient, subject, body, status, attempts,
        planned_at, next_attempt_at, last_error, survey, survey_until, survey_skus
        """

    static func outboxMessage(from row: PostgresRow) throws -> OutboxMessage {
        let r = PostgresRowReader(row)
        return OutboxMessage(
            id: try r.int(0), key: try r.text(1), flowID: try r.text(2), step: Int(try r.int(3)),
            customerID: CustomerID(try r.int(4)), channel: ConsentChannel(rawValue: try r.text(5)) ?? .email,
            recipient: try r.text(6), subject: try r.optionalText(7), body: try r.text(8),
            status: OutboxMessage.Status(rawValue: try r.text(9)) ?? .planned, attempts: Int(try r.int(10)),
            plannedAt: try r.int(11), nextAttemptAt: try r.int(12), lastError: try r.optionalText(13),
            survey: try r.optionalText(14).flatMap(SurveyKind.init(rawValue:)), surveyUntil: try r.optionalInt(15),
            surveySKUs: StoredColumns.decodeSKUs(try r.optionalText(16)))
    }

    public func enqueue(_ messages: [OutboxMessage]) throws {
        try applyPlan(enrollments: [], messages: messages, decisions: [])
    }

    public func outboxMessages(keys: [String]) throws -> [OutboxMessage] {
        try read { t in
            try t.session.rows(
                "SELECT \(unescaped: Self.outboxColumns) FROM outbox WHERE key = ANY(\(keys)::text[]) ORDER BY id"
            ).map(Self.outboxMessage(from:))
        }
    }

    public func latestSurveyMessage(to customer: CustomerID, channel: ConsentChannel, openAt now: Int64) throws
        -> OutboxMessage?
    {
        try read { t in
            try t.session.rows(
                """
                SELECT \(unescaped: Self.outboxColumns) FROM outbox
                WHERE customer_id = \(customer.rawValue) AND planned_at <= \(now) AND channel = \(channel.rawValue)
                  AND survey IN ('nps', 'csat') AND status IN ('sent', 'delivered')
                  AND coalesce(survey_until, planned_at + \(SurveyStep.defaultValidSeconds)) >= \(now)
                ORDER BY planned_at DESC, id DESC LIMIT 1
                """
            ).first.map(Self.outboxMessage(from:))
        }
    }

    public func claimOutbox(channels: [ConsentChannel], now: Int64, staleBefore: Int64, limit: Int) throws -> [(
        OutboxMessage, CustomerRecord?
    )] {
        let names = channels.map(\.rawValue)
        return try write { t in
            let messages = try t.session.rows(
                """
                WITH due AS (
                  SELECT id FROM (
                    SELECT id, next_attempt_at AS due FROM outbox
                    WHERE status = 'planned' AND next_attempt_at <= \(now) AND channel = ANY(\(names)::text[])
                    UNION ALL
                    SELECT id, claimed_at AS due FROM outbox
                    WHERE status = 'sending' AND claimed_at < \(staleBefore) AND channel = ANY(\(names)::text[])
                  ) AS candidates ORDER BY due, id LIMIT \(Int64(limit))
                ), claimed AS (
                  SELECT o.id FROM outbox o JOIN due ON due.id = o.id FOR UPDATE OF o SKIP LOCKED
                )
                UPDATE outbox SET status = 'sending', attempts = attempts + 1, claimed_at = \(now), updated_at = \(now)
                WHERE id IN (SELECT id FROM claimed)
                RETURNING \(unescaped: Self.outboxColumns)
                """
            ).map(Self.outboxMessage(from:))
            return try messages.sorted { $0.id < $1.id }.map { ($0, try t.customer($0.customerID)) }
        }
    }

    /// Only the claim an outcome answers is updated (`status = 'sending'` and the same attempt):
    /// the late answer of a sender whose claim was taken over changes nothing.
    public func recordOutcomes(_ outcomes: [SendOutcome]) throws {
        try write { t in
            let s = t.session
            for outcome in outcomes {
                let (id, attempt, at) = (outcome.id, Int64(outcome.attempt), outcome.at)
                switch outcome.result {
                case .sent(let providerID, let status):
                    let changed = try s.execute(
                        """
                        UPDATE outbox SET status = 'sent', provider_id = \(providerID),
                          provider_status = coalesce(provider_status, \(status.rawValue)), sent_at = \(at),
                          last_error = NULL, updated_at = \(at)
                        WHERE id = \(id) AND status = 'sending' AND attempts = \(attempt)
                        """)
                    guard changed > 0 else { continue }
                    if let early = try s.rows(
                        "DELETE FROM pending_receipts WHERE provider_id = \(providerID) RETURNING status, error, at"
                    ).first {
                        let r = PostgresRowReader(early)
                        try Self.applyReceipt(
                            s, providerID: providerID, status: DeliveryStatus(rawValue: try r.text(0)) ?? .sent,
                            error: try r.optionalText(1), at: try r.int(2))
                    }
                case .retry(let next, let error):
                    try s.execute(
                        """
                        UPDATE outbox SET status = 'planned', next_attempt_at = \(next), last_error = \(error),
                          updated_at = \(at)
                        WHERE id = \(id) AND status = 'sending' AND attempts = \(attempt)
                        """)
                case .deferred(let until):
                    try s.execute(
                        """
                        UPDATE outbox SET status = 'planned', next_attempt_at = \(until), attempts = attempts - 1,
                          last_error = 'quiet hours at send time', updated_at = \(at)
                        WHERE id = \(id) AND status = 'sending' AND attempts = \(attempt)
                        """)
                case .failed(let error): try end(s, "failed", error, outcome)
                case .dead(let error): try end(s, "dead", error, outcome)
                case .suppressed(let reason): try end(s, "suppressed", reason, outcome)
                }
            }
        }
    }

    private func end(_ s: PostgresSession, _ status: String, _ error: String, _ outcome: SendOutcome) throws {
        try s.execute(
            """
            UPDATE outbox SET status = \(status), last_error = \(error), updated_at = \(outcome.at)
            WHERE id = \(outcome.id) AND status = 'sending' AND attempts = \(Int64(outcome.attempt))
            """)
    }

    /// A receipt for a message whose send outcome is not recorded yet is kept and applied when
    /// it is; `false` then.
    public func recordDelivery(providerID: String, status: DeliveryStatus, error: String?, at: Int64) throws -> Bool {
        try write { t in
            if try Self.applyReceipt(t.session, providerID: providerID, status: status, error: error, at: at) {
                return true
            }
            try t.session.execute(
                """
                INSERT INTO pending_receipts(provider_id, status, error, at)
                VALUES (\(providerID), \(status.rawValue), \(error), \(at))
                ON CONFLICT (provider_id) DO UPDATE SET status = excluded.status, error = excluded.error, at = excluded.at
                WHERE pending_receipts.status NOT IN ('delivered', 'failed', 'undelivered')
                """)
            return false
        }
    }

    @discardableResult
    static func applyReceipt(
        _ s: PostgresSession, providerID: String, status: DeliveryStatus, error: String?, at: Int64
    ) throws -> Bool {
        let newStatus: String? =
            switch status {
            case .delivered: "delivered"
            case .failed, .undelivered: "failed"
            case .queued, .sent: nil
            }
        return try s.execute(
            """
            UPDATE outbox SET provider_status = \(status.rawValue),
              status = CASE WHEN \(newStatus)::text IS NULL OR status IN ('delivered', 'failed') THEN status
                       ELSE \(newStatus) END,
              delivered_at = CASE WHEN \(newStatus)::text = 'delivered' THEN \(at) ELSE delivered_at END,
              last_error = coalesce(\(error), last_error), updated_at = \(at)
            WHERE provider_id = \(providerID)
            """) > 0
    }

    public func acquireLease(_ name: String, holder: String, now: Int64, seconds: Int64) throws -> Bool {
        try write { t in
            try t.session.execute(
                """
                INSERT INTO leases(name, holder, expires_at) VALUES (\(name), \(holder), \(now + seconds))
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                WHERE leases.holder = excluded.holder OR leases.expires_at <= \(now)
                """)
            return try t.session.value(String.self, "SELECT holder FROM leases WHERE name = \(name)") == holder
        }
    }

    public func releaseLease(_ name: String, holder: String) throws {
        try write { t in
            try t.session.execute("DELETE FROM leases WHERE name = \(name) AND holder = \(holder)")
        }
    }
}

extension PostgresStore: StoreVitals {
    /// Read on the primary (the outbox and leases change by the second; a replica's lag would
    /// show a past holder).
    public func vitals(now: Int64) throws -> StoreVitalsReport {
        let (outbox, leases) = try pool.withSession { session in
            var outbox: [OutboxMessage.Status: Int] = [:]
            for row in try session.rows("SELECT status, count(*) FROM outbox GROUP BY status") {
                let (status, count) = try session.decode(row) { try $0.decode((String, Int64).self) }
                if let status = OutboxMessage.Status(rawValue: status) { outbox[status] = Int(count) }
            }
            let leases = try session.rows(
                "SELECT name, holder, expires_at FROM leases WHERE expires_at > \(now)"
            ).map { row in
                let (name, holder, expiresAt) = try session.decode(row) { try $0.decode((String, String, Int64).self) }
                return LeaseHolding(name: name, holder: holder, expiresAt: expiresAt)
            }
            return (outbox, leases)
        }
        let served = readsServed
        let connections = ConnectionPoolState(
            size: pool.size, inUse: pool.inUse, waiting: pool.waiting,
            readsOnReplica: replicaPool == nil ? nil : served.replica,
            readsOnPrimary: replicaPool == nil ? nil : served.primary)
        return StoreVitalsReport(engine: "postgresql", outbox: outbox, leases: leases, connections: connections)
    }
}
