import Foundation
import PatronCore

/// The text forms the SQL stores keep composite values in, written once for all of them so a
/// store moved from one engine to another reads the same bytes.
///
/// A customer's consent as the `customers.consent` column keeps it: one JSON object by channel,
/// `{"email":{"status":"granted","at":1700000000},…}`, keys sorted, no spaces (so segments read
/// a status with the engine's JSON path and a channel's audience index is on that expression).
package enum StoredColumns {
    package static func encode(_ consent: ConsentState) -> String {
        guard !consent.entries.isEmpty else { return "{}" }
        return "{"
            + consent.channels.map { channel in
                let entry = consent[channel]
                return "\"\(channel.rawValue)\":{\"status\":\"\(entry.status.rawValue)\",\"at\":"
                    + (entry.at.map(String.init) ?? "null") + "}"
            }.joined(separator: ",") + "}"
    }

    /// Reads the column; what it cannot read (a channel or status this build does not know) is
    /// left out, never a crash.
    package static func decode(_ text: String?) -> ConsentState {
        guard let text, text != "{}" else { return ConsentState() }
        // The column is read for every customer the ingest and the campaigns load: the form
        // `encode` writes is read by hand; anything else (an edit by hand) goes through JSON.
        if let fast = decodeCanonical(text) { return fast }
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        else { return ConsentState() }
        var entries: [ConsentChannel: ConsentEntry] = [:]
        for (name, value) in object {
            guard let channel = ConsentChannel(rawValue: name), let fields = value as? [String: Any],
                let status = (fields["status"] as? String).flatMap(ConsentStatus.init(rawValue:))
            else { continue }
            entries[channel] = ConsentEntry(status: status, at: (fields["at"] as? NSNumber)?.int64Value)
        }
        return ConsentState(entries)
    }

    /// Reads exactly what ``encode(_:)`` writes: `{"ch":{"status":"s","at":N|null},…}`; `nil`
    /// for anything else.
    package static func decodeCanonical(_ text: String) -> ConsentState? {
        var bytes = Substring(text).utf8[...]
        func take(_ literal: String) -> Bool {
            let expected = literal.utf8
            guard bytes.starts(with: expected) else { return false }
            bytes = bytes.dropFirst(expected.count)
            return true
        }
        func word() -> String? {
            guard let end = bytes.firstIndex(of: UInt8(ascii: "\"")) else { return nil }
            let value = String(Substring(bytes[bytes.startIndex..<end]))
            bytes = bytes[bytes.index(after: end)...]
            return value
        }
        guard take("{") else { return nil }
        if take("}") { return bytes.isEmpty ? ConsentState() : nil }
        var entries: [ConsentChannel: ConsentEntry] = [:]
        while true {
            guard take("\""), let name = word(), let channel = ConsentChannel(rawValue: name),
                take(":{\"status\":\""), let statusText = word(), let status = ConsentStatus(rawValue: statusText),
                take(",\"at\":")
            else { return nil }
            var at: Int64?
            if !take("null") {
                let digits = bytes.prefix {
                    ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "-")
                }
                guard let value = Int64(String(Substring(digits))) else { return nil }
                at = value
                bytes = bytes.dropFirst(digits.count)
            }
            guard take("}") else { return nil }
            entries[channel] = ConsentEntry(status: status, at: at)
            if take(",") { continue }
            guard take("}"), bytes.isEmpty else { return nil }
            return ConsentState(entries)
        }
    }

    /// Contact points as the `customers.contact_points` column keeps them: a JSON array, oldest
    /// first.
    package static func encode(_ points: [ContactPoint]) -> String {
        guard !points.isEmpty else { return "[]" }
        let objects = points.map {
            ["channel": $0.channel.rawValue, "address": $0.address, "added_at": $0.addedAt] as [String: Any]
        }
        let data = (try? JSONSerialization.data(withJSONObject: objects, options: [.sortedKeys])) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    package static func decodeContactPoints(_ text: String?) -> [ContactPoint] {
        guard let text, text != "[]",
            let objects = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]]
        else { return [] }
        return objects.compactMap { object in
            guard let channel = (object["channel"] as? String).flatMap(ConsentChannel.init(rawValue:)),
                let address = object["address"] as? String, let at = (object["added_at"] as? NSNumber)?.int64Value
            else { return nil }
            return ContactPoint(channel: channel, address: address, addedAt: at)
        }
    }

    /// Order lines in one text column (carts): fields separated by U+001F, lines by U+001E
    /// (control characters that never occur in SKUs or product names; they are dropped if they do).
    package static func encode(_ lines: [OrderLine]) -> String {
        lines.map { line in
            [clean(line.sku), clean(line.name ?? ""), String(line.quantity), String(line.unitPriceMinor)]
                .joined(separator: "\u{1F}")
        }.joined(separator: "\u{1E}")
    }

    package static func decodeLines(_ text: String) -> [OrderLine] {
        guard !text.isEmpty else { return [] }
        return text.split(separator: "\u{1E}", omittingEmptySubsequences: false).compactMap { line in
            let fields = line.split(separator: "\u{1F}", omittingEmptySubsequences: false)
            guard fields.count == 4, let quantity = Int(fields[2]), let price = Int64(fields[3]) else { return nil }
            return OrderLine(
                sku: String(fields[0]), name: fields[1].isEmpty ? nil : String(fields[1]), quantity: quantity,
                unitPriceMinor: price)
        }
    }

    static func clean(_ text: String) -> String {
        text.contains(where: { $0 == "\u{1E}" || $0 == "\u{1F}" })
            ? text.filter { $0 != "\u{1E}" && $0 != "\u{1F}" } : text
    }

    /// A list of words (tags, recipients) in one text column, separated by U+001F.
    package static func encode(words: [String]) -> String { words.joined(separator: "\u{1F}") }

    package static func decodeWords(_ text: String) -> [String] {
        text.isEmpty ? [] : text.split(separator: "\u{1F}").map(String.init)
    }

    /// A message's attachments as a JSON array.
    package static func encode(_ attachments: [MailAttachmentInfo]) -> String {
        String(decoding: (try? JSONEncoder().encode(attachments)) ?? Data("[]".utf8), as: UTF8.self)
    }

    package static func decodeAttachments(_ text: String) -> [MailAttachmentInfo] {
        (try? JSONDecoder().decode([MailAttachmentInfo].self, from: Data(text.utf8))) ?? []
    }

    /// A loyalty entry's allocations as a JSON array (`[{"award":"order:shop:1","points":40}]`):
    /// award keys are refs from the outside and may hold any character.
    package static func encode(_ allocations: [LoyaltyEntry.Allocation]) -> String {
        guard !allocations.isEmpty else { return "[]" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(allocations)) ?? Data("[]".utf8), as: UTF8.self)
    }

    package static func decodeAllocations(_ text: String) throws -> [LoyaltyEntry.Allocation] {
        guard text != "[]" else { return [] }
        if let read = plainAllocations(text) { return read }
        do {
            return try JSONDecoder().decode([LoyaltyEntry.Allocation].self, from: Data(text.utf8))
        } catch {
            throw PatronError(.storeFailure, "a loyalty entry's allocations are not readable: \(text.prefix(80))")
        }
    }

    /// Reads what `encode(_:)` writes when no award key needs an escape
    /// (`[{"award":"K","points":N},…]`) without `JSONDecoder` (a fifth of the nightly expiry's
    /// time at 1M customers); `nil` for anything else, which the decoder then reads.
    package static func plainAllocations(_ text: String) -> [LoyaltyEntry.Allocation]? {
        var text = text
        return text.withUTF8 { bytes -> [LoyaltyEntry.Allocation]? in
            let head = Array(#"{"award":""#.utf8)
            let middle = Array(#"","points":"#.utf8)
            func matches(_ literal: [UInt8], at index: Int) -> Bool {
                index + literal.count <= bytes.count && literal.indices.allSatisfy { bytes[index + $0] == literal[$0] }
            }
            guard bytes.first == UInt8(ascii: "[") else { return nil }
            var found: [LoyaltyEntry.Allocation] = []
            var i = 1
            while true {
                guard matches(head, at: i) else { return nil }
                i += head.count
                let start = i
                while i < bytes.count, bytes[i] != UInt8(ascii: "\""), bytes[i] != UInt8(ascii: "\\") { i += 1 }
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\""), matches(middle, at: i) else { return nil }
                let award = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
                i += middle.count
                var points: Int64 = 0
                let digits = i
                while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9"), i - digits < 18 {
                    points = points * 10 + Int64(bytes[i] - UInt8(ascii: "0"))
                    i += 1
                }
                guard i > digits, i + 1 < bytes.count, bytes[i] == UInt8(ascii: "}") else { return nil }
                found.append(LoyaltyEntry.Allocation(award: award, points: points))
                i += 1
                if bytes[i] == UInt8(ascii: "]") { return i + 1 == bytes.count ? found : nil }
                guard bytes[i] == UInt8(ascii: ",") else { return nil }
                i += 1
            }
        }
    }

    /// A feedback response's columns, in ``FeedbackResponse``'s order.
    package static let feedbackColumns =
        "key, customer_id, kind, score, text, sku, order_ref, flow_id, message_id, channel, answered_at, updated_at, moderation"

    /// A review survey's SKUs as stored (`outbox.survey_skus`): a JSON array, `nil` for none.
    package static func encode(skus: [String]) -> String? {
        guard !skus.isEmpty, let data = try? JSONEncoder().encode(skus) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    package static func decodeSKUs(_ text: String?) -> [String] {
        guard let text else { return [] }
        return (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
    }

    /// The outbox statuses of a message its customer may have received: what counts as asked.
    package static let outboxReachedStatuses = "('planned', 'sending', 'sent', 'delivered')"

    /// The columns of `loyalty_entries` after its id, in the order both stores write them.
    package static let loyaltyColumns =
        "key, customer_id, kind, points, at, available_at, expires_at, reason, actor, order_ref, unrecovered, allocations"
}

extension StoredColumns {
    /// What tiers qualify on, one row `(customer_id, at, amount)` per amount, in customer order:
    /// the ledger's earnings (earns; reversals less what they could not recover) or counting
    /// orders' net spend. The same SQL on every SQL store (``LoyaltyTransaction/forEachTierBasis(_:_:)``).
    package static func tierBasisQuery(_ basis: TierPolicy.Basis) -> String {
        switch basis {
        case .pointsEarned:
            """
            SELECT customer_id, at, CASE kind WHEN 'earn' THEN points ELSE points - unrecovered END
            FROM loyalty_entries WHERE kind IN ('earn', 'reverse') ORDER BY customer_id, id
            """
        case .netSpend:
            """
            SELECT customer_id, placed_at, total_minor - refunded_minor FROM orders
            WHERE status != 'cancelled' ORDER BY customer_id, placed_at
            """
        }
    }
}
