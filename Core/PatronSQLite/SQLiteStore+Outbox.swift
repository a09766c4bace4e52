import Foundation
import GRDB
import PatronCore
import PatronSQL

/// The outbox's claims and outcomes, delivery receipts and the scheduler's lease.
extension SQLiteStore {
    public func enqueue(_ messages: [OutboxMessage]) throws {
        try applyPlan(enrollments: [], messages: messages, decisions: [])
    }

    public func outboxMessages(keys: [String]) throws -> [OutboxMessage] {
        try writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.outboxColumns)
                    FROM outbox WHERE key IN (SELECT value FROM json_each(?)) ORDER BY id
                    """, arguments: [Self.jsonStrings(keys)]
            ).map(Self.outboxMessage(from:))
        }
    }

    public func latestSurveyMessage(to customer: CustomerID, channel: ConsentChannel, openAt now: Int64) throws
        -> OutboxMessage?
    {
        try writer.read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT \(Self.outboxColumns) FROM outbox
                    WHERE customer_id = ? AND planned_at <= ? AND channel = ? AND survey IN ('nps', 'csat')
                      AND status IN ('sent', 'delivered')
                      AND coalesce(survey_until, planned_at + \(SurveyStep.defaultValidSeconds)) >= ?
                    ORDER BY planned_at DESC, id DESC LIMIT 1
                    """, arguments: [customer.rawValue, now, channel.rawValue, now]
            ).map(Self.outboxMessage(from:))
        }
    }

    static let outboxColumns = """
        id, key, flow_id, step, customer_id, channel, recipient, subject, body, status, attempts,
          planned_at, next_attempt_at, last_error, survey, survey_until, survey_skus
        """

    static func outboxMessage(from row: Row) -> OutboxMessage {
        OutboxMessage(
            id: row[0], key: row[1], flowID: row[2], step: row[3], customerID: CustomerID(rawValue: row[4]),
            channel: ConsentChannel(rawValue: row[5]) ?? .email, recipient: row[6], subject: row[7],
            body: row[8], status: OutboxMessage.Status(rawValue: row[9]) ?? .planned, attempts: row[10],
            plannedAt: row[11], nextAttemptAt: row[12], lastError: row[13],
            survey: (row[14] as String?).flatMap(SurveyKind.init(rawValue:)), surveyUntil: row[15],
            surveySKUs: StoredColumns.decodeSKUs(row[16]))
    }

    public func claimOutbox(channels: [ConsentChannel], now: Int64, staleBefore: Int64, limit: Int) throws -> [(
        OutboxMessage, CustomerRecord?
    )] {
        let names = Self.jsonStrings(channels.map(\.rawValue))
        return try write { tx in
            let ids = try Int64.fetchAll(
                tx.db,
                sql: """
                    SELECT id FROM (
                      SELECT id, next_attempt_at AS due FROM outbox WHERE status = 'planned' AND next_attempt_at <= ?
                        AND channel IN (SELECT value FROM json_each(?))
                      UNION ALL
                      SELECT id, claimed_at AS due FROM outbox WHERE status = 'sending' AND claimed_at < ?
                        AND channel IN (SELECT value FROM json_each(?))
                    ) ORDER BY due, id LIMIT ?
                    """, arguments: [now, names, staleBefore, names, limit])
            guard !ids.isEmpty else { return [] }
            let json = "[" + ids.map(String.init).joined(separator: ",") + "]"
            let rows = try Row.fetchAll(
                tx.db,
                sql: """
                    UPDATE outbox SET status = 'sending', attempts = attempts + 1, claimed_at = ?, updated_at = ?
                    WHERE id IN (SELECT value FROM json_each(?))
                    RETURNING \(Self.outboxColumns)
                    """, arguments: [now, now, json])
            var out: [(OutboxMessage, CustomerRecord?)] = []
            for row in rows {
                let message = Self.outboxMessage(from: row)
                out.append((message, try tx.customer(message.customerID)))
            }
            return out.sorted { $0.0.id < $1.0.id }
        }
    }

    /// Only the claim an outcome answers is updated (`status = 'sending'` and the same attempt):
    /// the late answer of a sender whose claim was taken over changes nothing.
    public func recordOutcomes(_ outcomes: [SendOutcome]) throws {
        try writer.write { db in
            let claim = "WHERE id = ? AND status = 'sending' AND attempts = ?"
            let sent = try db.cachedStatement(
                sql: """
                    UPDATE outbox SET status = 'sent', provider_id = ?, provider_status = coalesce(provider_status, ?),
                      sent_at = ?, last_error = NULL, updated_at = ? \(claim)
                    """)
            let retry = try db.cachedStatement(
                sql:
                    "UPDATE outbox SET status = 'planned', next_attempt_at = ?, last_error = ?, updated_at = ? \(claim)"
            )
            let deferred = try db.cachedStatement(
                sql: """
                    UPDATE outbox SET status = 'planned', next_attempt_at = ?, attempts = attempts - 1,
                      last_error = 'quiet hours at send time', updated_at = ? \(claim)
                    """)
            let end = try db.cachedStatement(
                sql: "UPDATE outbox SET status = ?, last_error = ?, updated_at = ? \(claim)")
            for outcome in outcomes {
                let id = outcome.id
                let attempt = outcome.attempt
                switch outcome.result {
                case .sent(let providerID, let status):
                    try sent.execute(arguments: [providerID, status.rawValue, outcome.at, outcome.at, id, attempt])
                    guard db.changesCount > 0 else { continue }
                    if let early = try Row.fetchOne(
                        db, sql: "DELETE FROM pending_receipts WHERE provider_id = ? RETURNING status, error, at",
                        arguments: [providerID])
                    {
                        try Self.applyReceipt(
                            db, providerID: providerID, status: DeliveryStatus(rawValue: early[0]) ?? .sent,
                            error: early[1], at: early[2])
                    }
                case .retry(let at, let error):
                    try retry.execute(arguments: [at, error, outcome.at, id, attempt])
                case .deferred(let until):
                    try deferred.execute(arguments: [until, outcome.at, id, attempt])
                case .failed(let error):
                    try end.execute(arguments: ["failed", error, outcome.at, id, attempt])
                case .dead(let error):
                    try end.execute(arguments: ["dead", error, outcome.at, id, attempt])
                case .suppressed(let reason):
                    try end.execute(arguments: ["suppressed", reason, outcome.at, id, attempt])
                }
            }
        }
    }

    /// A receipt for a message whose send outcome is not recorded yet (the gateway can be faster
    /// than the sender's write) is kept and applied when it is; `false` then.
    public func recordDelivery(providerID: String, status: DeliveryStatus, error: String?, at: Int64) throws -> Bool {
        try writer.write { db in
            if try Self.applyReceipt(db, providerID: providerID, status: status, error: error, at: at) { return true }
            try db.execute(
                sql: """
                    INSERT INTO pending_receipts(provider_id, status, error, at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (provider_id) DO UPDATE SET status = excluded.status, error = excluded.error, at = excluded.at
                    WHERE pending_receipts.status NOT IN ('delivered', 'failed', 'undelivered')
                    """, arguments: [providerID, status.rawValue, error, at])
            return false
        }
    }

    @discardableResult
    static func applyReceipt(_ db: Database, providerID: String, status: DeliveryStatus, error: String?, at: Int64)
        throws
        -> Bool
    {
        let newStatus: String? =
            switch status {
            case .delivered: "delivered"
            case .failed, .undelivered: "failed"
            case .queued, .sent: nil
            }
        try db.execute(
            sql: """
                UPDATE outbox SET provider_status = ?,
                  status = CASE WHEN ? IS NULL OR status IN ('delivered', 'failed') THEN status ELSE ? END,
                  delivered_at = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at END,
                  last_error = coalesce(?, last_error), updated_at = ?
                WHERE provider_id = ?
                """,
            arguments: [status.rawValue, newStatus, newStatus, newStatus, at, error, at, providerID])
        return db.changesCount > 0
    }

    public func acquireLease(_ name: String, holder: String, now: Int64, seconds: Int64) throws -> Bool {
        try writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO leases(name, holder, expires_at) VALUES (?, ?, ?)
                    ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                    WHERE leases.holder = excluded.holder OR leases.expires_at <= ?
                    """, arguments: [name, holder, now + seconds, now])
            return try String.fetchOne(db, sql: "SELECT holder FROM leases WHERE name = ?", arguments: [name]) == holder
        }
    }

    public func releaseLease(_ name: String, holder: String) throws {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM leases WHERE name = ? AND holder = ?", arguments: [name, holder])
        }
    }
}

extension SQLiteStore: StoreVitals {
    public func vitals(now: Int64) throws -> StoreVitalsReport {
        try writer.read { db in
            var outbox: [OutboxMessage.Status: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, count(*) FROM outbox GROUP BY status") {
                if let status = OutboxMessage.Status(rawValue: row[0]) { outbox[status] = row[1] }
            }
            let leases = try Row.fetchAll(
                db, sql: "SELECT name, holder, expires_at FROM leases WHERE expires_at > ?", arguments: [now]
            ).map { LeaseHolding(name: $0[0], holder: $0[1], expiresAt: $0[2]) }
            return StoreVitalsReport(engine: "sqlite", outbox: outbox, leases: leases)
        }
    }
}
