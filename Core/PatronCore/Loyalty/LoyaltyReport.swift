import Foundation

/// The loyalty figures as text for people and JSON for programs (the CLI and the API share it).
public enum LoyaltyReport {
    /// One line about a programme: `1 point per 100 minor units, 2 actions, expiry after 365 days, tiers Silver, Gold`.
    public static func summary(_ program: LoyaltyProgram) -> String {
        var parts = ["\(program.points) point\(program.points == 1 ? "" : "s") per \(program.perMinor) minor units"]
        if !program.actions.isEmpty {
            parts.append("\(program.actions.count) action\(program.actions.count == 1 ? "" : "s")")
        }
        switch program.expiry {
        case .never: parts.append("points never expire")
        case .afterDays(let days): parts.append("expiry after \(days) days")
        case .endOfMonth(let months): parts.append("expiry at the end of the month \(months) months on")
        case .endOfYear(let years): parts.append("expiry at the end of the year \(years) years on")
        }
        if program.returnWindowDays > 0 { parts.append("pending for \(program.returnWindowDays) days") }
        if let tiers = program.tiers { parts.append("tiers " + tiers.tiers.map(\.name).joined(separator: ", ")) }
        return parts.joined(separator: ", ")
    }

    /// The figures, one per line.
    public static func balance(_ s: LoyaltyStatement) -> String {
        var lines = [
            "customer\t\(s.customerID.rawValue)", "balance\t\(s.balance)", "pending\t\(s.pending)",
            "lifetime_earned\t\(s.lifetimeEarned)",
            "expiring_30d\t\(s.expiringPoints)" + (s.expiringFirst.map { " (first \(Timestamp.format($0)))" } ?? ""),
        ]
        lines.append("tier\t\(s.tier ?? "-")")
        lines.append("referral_code\t\(s.referralCode)")
        if let next = s.nextTier, let needed = s.toNextTier { lines.append("next_tier\t\(next) (\(needed) to go)") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The entries, oldest first, with a header.
    public static func ledger(_ s: LoyaltyStatement) -> String {
        (["at\tkind\tpoints\treason\tkey\tdetail"] + s.entries.map(entryLine)).joined(separator: "\n") + "\n"
    }

    /// `2026-03-01T10:00:00Z  spend  -120  voucher  redeem:1:k  from order:shop:1 100, order:shop:2 20`.
    public static func entryLine(_ e: LoyaltyEntry) -> String {
        var detail: [String] = []
        if e.availableAt > e.at { detail.append("pending until \(Timestamp.format(e.availableAt))") }
        if let expires = e.expiresAt { detail.append("expires \(Timestamp.format(expires))") }
        if !e.allocations.isEmpty {
            detail.append("from " + e.allocations.map { "\($0.award) \($0.points)" }.joined(separator: ", "))
        }
        if e.unrecovered > 0 { detail.append("\(e.unrecovered) already spent") }
        if let actor = e.actor { detail.append("by \(actor)") }
        let points = e.points > 0 ? "+\(e.points)" : "\(e.points)"
        return [Timestamp.format(e.at), e.kind.rawValue, points, e.reason, e.key, detail.joined(separator: "; ")]
            .joined(separator: "\t")
    }

    /// The statement as a JSON object (snake_case keys, times in RFC 3339), with the entries when asked.
    public static func json(_ s: LoyaltyStatement, entries: Bool) throws -> String {
        var object: [String: Any] = [
            "customer_id": s.customerID.rawValue, "balance": s.balance, "pending": s.pending,
            "lifetime_earned": s.lifetimeEarned, "expiring_points": s.expiringPoints,
            "expiring_first": s.expiringFirst.map { Timestamp.format($0) } ?? NSNull(), "tier": s.tier ?? NSNull(),
            "next_tier": s.nextTier ?? NSNull(), "to_next_tier": s.toNextTier ?? NSNull(),
            "referral_code": s.referralCode,
        ]
        if entries { object["entries"] = s.entries.map(entryObject) }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    /// One entry as a JSON object (the `entries` of ``json(_:entries:)``).
    public static func entryObject(_ e: LoyaltyEntry) -> [String: Any] {
        [
            "key": e.key, "kind": e.kind.rawValue, "points": e.points, "at": Timestamp.format(e.at),
            "available_at": Timestamp.format(e.availableAt),
            "expires_at": e.expiresAt.map { Timestamp.format($0) } ?? NSNull(), "reason": e.reason,
            "actor": e.actor ?? NSNull(), "order_ref": e.orderRef ?? NSNull(), "unrecovered": e.unrecovered,
            "allocations": e.allocations.map { ["award": $0.award, "points": $0.points] as [String: Any] },
        ]
    }
}
