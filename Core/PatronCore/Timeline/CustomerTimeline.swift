import Foundation

/// A customer's move into, out of or between segments: RFM moves between snapshots
/// (`segment` is `rfm`) and entries and exits of saved segments.
public struct SegmentTransition: Hashable, Sendable {
    /// `rfm`, or the saved segment's name.
    public var segment: String
    public var from: String?
    public var to: String?
    public var at: Int64

    public init(segment: String, from: String?, to: String?, at: Int64) {
        self.segment = segment
        self.from = from
        self.to = to
        self.at = at
    }
}

/// One thing that happened to a customer.
public struct TimelineEntry: Hashable, Sendable {
    /// When (seconds since the epoch, UTC).
    public var at: Int64
    /// `customer.created`, `customer.erased`, `order.placed`, `order.cancelled`, `order.refunded`,
    /// `cart.open`, `cart.converted`, `cart.deleted`, `ticket.opened`, `ticket.updated`,
    /// `consent.email`, `consent.sms`, `segment.moved`, `segment.entered`, `segment.left`,
    /// `message.received`, `message.sent`, `message.auto_reply`, `message.bounce`, `message.complaint`,
    /// `loyalty.earn`, `loyalty.spend`, `loyalty.expire`, `loyalty.reverse`, `loyalty.adjust`,
    /// `loyalty.tier`, `feedback.nps`, `feedback.csat`, `feedback.review`.
    public var kind: String
    /// The source's id of the order, cart or ticket (`source:id`), if the entry is about one.
    public var ref: String?
    /// A line a person reads.
    public var summary: String
    /// An amount, as a decimal string in the record's currency.
    public var amount: String?
    public var currency: String?
}

/// The 360° view: orders, carts, tickets, consent statements and segment moves in one
/// time-ordered list (oldest first; ties keep that order of kinds).
public enum CustomerTimeline {
    public static func build(
        customer: CustomerRecord, orders: [OrderRecord], carts: [CartRecord], tickets: [TicketRecord],
        transitions: [SegmentTransition], messages: [StoredMessage] = [], consent: [ConsentStatement]? = nil,
        loyalty: [LoyaltyEntry] = [], tierChanges: [TierChange] = [], feedback: [FeedbackResponse] = []
    ) -> [TimelineEntry] {
        var entries: [TimelineEntry] = [
            TimelineEntry(at: customer.createdAt, kind: "customer.created", summary: "first seen")
        ]
        for order in orders {
            let digits = order.currency.minorUnitDigits
            let ref = order.ref.description
            entries.append(
                TimelineEntry(
                    at: order.placedAt, kind: "order.placed", ref: ref,
                    summary: "order \(order.ref.id) placed, \(order.lines.count) line(s)",
                    amount: Money.decimalString(order.totalMinor, digits: digits), currency: order.currency.code))
            if order.status == .cancelled {
                entries.append(
                    TimelineEntry(
                        at: order.updatedAt, kind: "order.cancelled", ref: ref,
                        summary: "order \(order.ref.id) cancelled"))
            }
            if order.refundedMinor > 0 {
                entries.append(
                    TimelineEntry(
                        at: order.updatedAt, kind: "order.refunded", ref: ref,
                        summary: "order \(order.ref.id) refunded",
                        amount: Money.decimalString(order.refundedMinor, digits: digits),
                        currency: order.currency.code))
            }
        }
        for cart in carts {
            entries.append(
                TimelineEntry(
                    at: cart.updatedAt, kind: "cart.\(cart.status.rawValue)", ref: cart.ref.description,
                    summary: "cart \(cart.ref.id) \(cart.status.rawValue), \(cart.lines.count) line(s)",
                    amount: Money.decimalString(cart.valueMinor, digits: cart.currency.minorUnitDigits),
                    currency: cart.currency.code))
        }
        for ticket in tickets {
            let subject = ticket.subject.isEmpty ? "" : ": \(ticket.subject)"
            entries.append(
                TimelineEntry(
                    at: ticket.openedAt, kind: "ticket.opened", ref: ticket.ref.description,
                    summary: "ticket \(ticket.ref.id) opened\(subject)"))
            if ticket.updatedAt > ticket.openedAt {
                entries.append(
                    TimelineEntry(
                        at: ticket.updatedAt, kind: "ticket.updated", ref: ticket.ref.description,
                        summary: "ticket \(ticket.ref.id) \(ticket.status.rawValue)"))
            }
        }
        for message in messages {
            let kind =
                message.kind == "message"
                ? "message.\(message.direction == .inbound ? "received" : "sent")" : "message.\(message.kind)"
            let ticket = message.ticketID.map { " [#T-\($0.rawValue)]" } ?? ""
            entries.append(
                TimelineEntry(
                    at: message.sentAt, kind: kind, ref: message.messageID,
                    summary: "\(message.direction == .inbound ? "mail from" : "mail to") "
                        + "\(message.direction == .inbound ? message.sender ?? "?" : message.recipients.first ?? "?"): "
                        + "\(message.subject)\(ticket)"))
        }
        // Every statement of the ledger; without it, the current state of each channel.
        let statements =
            consent
            ?? customer.consent.channels.compactMap { channel in
                customer.consent[channel].at.map {
                    ConsentStatement(channel: channel, status: customer.consent[channel].status, at: $0, source: "")
                }
            }
        for statement in statements {
            let from =
                statement.source.isEmpty ? "" : " (\(statement.source)\(statement.evidence.map { ": " + $0 } ?? ""))"
            entries.append(
                TimelineEntry(
                    at: statement.at, kind: "consent.\(statement.channel.rawValue)",
                    summary: "\(statement.channel.rawValue) consent \(statement.status.rawValue)\(from)"))
        }
        for move in transitions {
            let kind = move.segment == "rfm" ? "segment.moved" : move.to != nil ? "segment.entered" : "segment.left"
            let summary: String
            switch kind {
            case "segment.moved": summary = "RFM: \(move.from ?? "(new)") → \(move.to ?? "(gone)")"
            case "segment.entered": summary = "entered segment \(move.segment)"
            default: summary = "left segment \(move.segment)"
            }
            entries.append(TimelineEntry(at: move.at, kind: kind, summary: summary))
        }
        for entry in loyalty {
            let points = "\(entry.points > 0 ? "+" : "")\(entry.points) points"
            let summary: String
            switch entry.kind {
            case .earn: summary = "\(points) earned (\(entry.reason))"
            case .spend: summary = "\(points) redeemed (\(entry.reason))"
            case .expire: summary = "\(points) expired"
            case .reverse: summary = "\(points) taken back (order refunded or cancelled)"
            case .adjust: summary = "\(points) adjusted (\(entry.reason))"
            }
            entries.append(
                TimelineEntry(
                    at: entry.at, kind: "loyalty.\(entry.kind.rawValue)", ref: entry.orderRef ?? entry.key,
                    summary: summary))
        }
        for change in tierChanges {
            entries.append(
                TimelineEntry(
                    at: change.at, kind: "loyalty.tier",
                    summary: "loyalty tier \(change.from ?? "none") → \(change.to ?? "none")"))
        }
        for response in feedback {
            let scale = response.kind.scores
            var summary =
                "\(response.kind == .review ? "review" : response.kind.rawValue.uppercased()) answer "
                + "\(response.score) of \(scale.upperBound)"
            if let sku = response.sku { summary += " for \(sku)" }
            summary += " (\(response.channel))"
            entries.append(
                TimelineEntry(
                    at: response.answeredAt, kind: "feedback.\(response.kind.rawValue)", ref: response.key,
                    summary: summary))
        }
        if let erased = customer.erasedAt {
            entries.append(TimelineEntry(at: erased, kind: "customer.erased", summary: "personal data erased"))
        }
        // A stable sort keeps the order above for entries at the same second.
        return entries.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
    }

    /// The entries as a JSON array (times RFC 3339 UTC).
    public static func json(_ entries: [TimelineEntry]) -> String {
        "["
            + entries.map { entry in
                var json = JSONWriter()
                json.open()
                json.field("at", Timestamp.format(entry.at))
                json.field("kind", entry.kind)
                json.field("ref", entry.ref)
                json.field("summary", entry.summary)
                json.field("amount", entry.amount)
                json.field("currency", entry.currency)
                json.close()
                return json.text
            }.joined(separator: ",") + "]"
    }
}
