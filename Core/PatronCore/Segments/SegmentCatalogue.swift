import Foundation

/// What kind of values a segment field holds, which decides the operators it accepts.
public enum SegmentFieldType: Hashable, Sendable {
    case string
    case integer
    /// An amount in the store's currency: literals are decimal amounts (`50`, `49.99`).
    case money
    /// A point in time: literals are dates (`2024-01-31`) or `N days ago`.
    case instant
    /// One of a fixed set of strings.
    case enumeration([String])
    /// A set of strings: `contains "vip"`.
    case stringList
    /// A decimal number kept as an integer scaled by 10^digits: literals are decimals (`0.3`).
    case decimal(digits: Int)

    /// How the type reads in messages and in `patron fields`.
    public var name: String {
        switch self {
        case .string: "text"
        case .integer: "integer"
        case .money: "amount"
        case .instant: "date"
        case .enumeration(let values): "one of " + values.joined(separator: ", ")
        case .stringList: "list of text"
        case .decimal: "number"
        }
    }
}

/// A field segment expressions can test: the one catalogue that the in-memory evaluator, the
/// SQL back ends and `patron fields` are all written from.
public struct SegmentField: Hashable, Sendable {
    public let name: String
    public let type: SegmentFieldType
    public let summary: String
    public let example: String
    /// A text field that holds an address a channel sends to: exports write a well-formed one
    /// as it is (a phone tool must read `+14155550100`, not `'+14155550100`).
    public var isAddress: Bool { name == "email" || name == "phone" }
}

/// Every field of the segment language.
public enum SegmentCatalogue {
    static let consent = SegmentFieldType.enumeration(ConsentStatus.allCases.map(\.rawValue))

    /// Every field: the fixed ones, with `consent.<channel>` for each registered channel.
    public static var fields: [SegmentField] { fields(channels: .registered) }

    /// Every field, with `consent.<channel>` for each of `channels`.
    public static func fields(channels: ChannelRegistry) -> [SegmentField] {
        customerFields + channels.channels.compactMap { consentField($0, channels: channels) } + activityFields
            + loyaltyFields + feedbackFields
    }

    static let loyaltyFields: [SegmentField] = [
        SegmentField(
            name: "loyalty.points", type: .integer, summary: "loyalty points spendable now (not pending, not expired)",
            example: "loyalty.points >= 500"),
        SegmentField(
            name: "loyalty.lifetime_points", type: .integer,
            summary: "loyalty points earned, less what reversals took back (what tiers qualify on)",
            example: "loyalty.lifetime_points >= 2000"),
        SegmentField(
            name: "loyalty.tier", type: .string,
            summary: "the loyalty tier the nightly tier run gave (null below the first)",
            example: #"loyalty.tier in ("Gold", "Platinum")"#),
    ]

    /// Whether the field reads the loyalty ledger (stores read it only then).
    public static func readsLoyalty(_ field: SegmentField) -> Bool { field.name.hasPrefix("loyalty.") }

    static let feedbackFields: [SegmentField] = [
        SegmentField(
            name: "feedback.nps_last", type: .integer,
            summary: "the score of the customer's latest NPS answer, 0–10 (null when none)",
            example: "feedback.nps_last <= 6"),
        SegmentField(
            name: "feedback.nps_class", type: .enumeration(NPSClass.allCases.map(\.rawValue)),
            summary: "the band of that answer: promoter (9–10), passive (7–8), detractor (0–6)",
            example: #"feedback.nps_class = "promoter""#),
        SegmentField(
            name: "feedback.csat_last", type: .integer,
            summary: "the score of the customer's latest CSAT answer, 1–5 (null when none)",
            example: "feedback.csat_last <= 2"),
        SegmentField(
            name: "feedback.reviews.count", type: .integer, summary: "how many products the customer has reviewed",
            example: "feedback.reviews.count = 0"),
    ]

    /// Whether the field reads the customer's survey answers (stores read them only then).
    public static func readsFeedback(_ field: SegmentField) -> Bool { field.name.hasPrefix("feedback.") }

    static let customerFields: [SegmentField] = [
        SegmentField(
            name: "email", type: .string, summary: "normalised email address",
            example: #"email contains "@example.com""#),
        SegmentField(
            name: "phone", type: .string, summary: "phone, E.164 when known", example: #"phone starts with "+49""#),
        SegmentField(
            name: "country", type: .string, summary: "ISO 3166 country code", example: #"country in ("DE", "AT")"#),
        SegmentField(
            name: "timezone", type: .string, summary: "IANA time zone", example: #"timezone = "Europe/Berlin""#),
        SegmentField(
            name: "tags", type: .stringList, summary: "the customer's tags", example: #"tags contains "wholesale""#),
        SegmentField(
            name: "created_at", type: .instant, summary: "when the customer was first seen",
            example: "created_at within 30 days"),
        SegmentField(
            name: "birthday", type: .string,
            summary: "YYYY-MM-DD or --MM-DD; `within N days` looks ahead in the customer's time zone",
            example: "birthday within 7 days"),
        SegmentField(
            name: "orders.count", type: .integer, summary: "orders that count (not cancelled)",
            example: "orders.count >= 2"),
        SegmentField(
            name: "orders.total", type: .money, summary: "order totals less refunds", example: "orders.total > 500"),
        SegmentField(
            name: "orders.first_at", type: .instant, summary: "first order", example: "orders.first_at >= 2024-01-01"),
        SegmentField(
            name: "orders.last_at", type: .instant, summary: "last order", example: "orders.last_at < 90 days ago"),
        SegmentField(
            name: "aov", type: .money, summary: "average order value (total / count)", example: "aov between 20 and 80"),
    ]

    static let activityFields: [SegmentField] = [
        SegmentField(
            name: "cart.open_value", type: .money, summary: "value of open carts", example: "cart.open_value >= 50"),
        SegmentField(
            name: "cart.abandoned_at", type: .instant, summary: "last activity on an open cart",
            example: "cart.abandoned_at < 2 days ago"),
        SegmentField(
            name: "tickets.open", type: .integer, summary: "open support tickets", example: "tickets.open > 0"),
        SegmentField(
            name: "tickets.last_at", type: .instant, summary: "last ticket activity",
            example: "tickets.last_at within 7 days"),
        SegmentField(
            name: "rfm.r", type: .integer, summary: "R score in the newest saved RFM snapshot", example: "rfm.r >= 4"),
        SegmentField(
            name: "rfm.f", type: .integer, summary: "F score in the newest saved RFM snapshot", example: "rfm.f = 5"),
        SegmentField(
            name: "rfm.m", type: .integer, summary: "M score in the newest saved RFM snapshot", example: "rfm.m >= 4"),
        SegmentField(
            name: "rfm.segment", type: .string,
            summary: "RFM segment in the newest saved snapshot (`patron rfm --save`)",
            example: #"rfm.segment in ("At Risk", "Can't Lose Them")"#),
        SegmentField(
            name: "rfm.recency_days", type: .integer, summary: "days from the last order to now",
            example: "rfm.recency_days > 90"),
        SegmentField(
            name: "predicted.p_alive", type: .decimal(digits: StoredPrediction.digits),
            summary: "probability the customer is still active (BG/NBD, saved with `patron predict fit --save`)",
            example: "predicted.p_alive < 0.3"),
        SegmentField(
            name: "predicted.orders_52w", type: .decimal(digits: StoredPrediction.digits),
            summary: "expected orders in the 52 weeks after the saved fit's calibration end",
            example: "predicted.orders_52w >= 1.5"),
        SegmentField(
            name: "predicted.clv_12m", type: .money,
            summary: "expected spend over the next 12 months, discounted (BG/NBD with Gamma-Gamma)",
            example: "predicted.clv_12m > 100"),
    ]

    /// Whether the field reads the saved predictions (stores join them only then).
    public static func readsPredictions(_ field: SegmentField) -> Bool { field.name.hasPrefix("predicted.") }

    /// Whether the field reads the newest RFM snapshot (stores join it only then).
    public static func readsSnapshot(_ field: SegmentField) -> Bool {
        ["rfm.r", "rfm.f", "rfm.m", "rfm.segment"].contains(field.name)
    }

    static let byName: [String: SegmentField] = Dictionary(
        uniqueKeysWithValues: (customerFields + activityFields + loyaltyFields + feedbackFields).map { ($0.name, $0) })

    /// The field called `name`, if there is one (`consent.<channel>` for a registered channel).
    public static func field(named name: String) -> SegmentField? {
        let name = name.lowercased()
        if let field = byName[name] { return field }
        guard let channel = consentChannel(named: name) else { return nil }
        return consentField(channel, channels: .registered)
    }

    /// `consent.<channel>` for a channel of `channels`.
    static func consentField(_ channel: ConsentChannel, channels: ChannelRegistry) -> SegmentField? {
        guard let descriptor = channels[channel] else { return nil }
        return SegmentField(
            name: "consent.\(channel)", type: consent, summary: "\(descriptor.summary) consent",
            example: #"consent.\#(channel) = "granted""#)
    }

    /// The channel a `consent.<channel>` field tests; `nil` for any other field.
    public static func consentChannel(of field: SegmentField) -> ConsentChannel? { consentChannel(named: field.name) }

    static func consentChannel(named name: String) -> ConsentChannel? {
        guard name.hasPrefix("consent.") else { return nil }
        return ConsentChannel(rawValue: String(name.dropFirst("consent.".count)))
    }

    /// The catalogue name closest to `name` (edit distance at most 3), for "did you mean".
    public static func suggestion(for name: String) -> String? {
        EditDistance.closest(to: name, in: fields.map(\.name), limit: 3)
    }
}
