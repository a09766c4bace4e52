import Foundation

/// Everything the store holds about one person, as one JSON document: the answer to a data
/// request (GDPR art. 15, Shopify's `customers/data_request`). Amounts are decimal strings, times
/// RFC 3339 UTC.
public enum CustomerDataExport {
    public static func json(
        customer: CustomerRecord, orders: [OrderRecord], carts: [CartRecord], tickets: [TicketRecord],
        messages: [StoredMessage] = [], consent: [ConsentStatement] = [], loyalty: [LoyaltyEntry] = [],
        feedback: [FeedbackResponse] = [], now: Int64
    ) -> String {
        var json = JSONWriter()
        json.open()
        json.key("customer")
        json.raw(profile(customer, now: now))
        json.key("orders")
        json.raw("[" + orders.map(order).joined(separator: ",") + "]")
        json.key("carts")
        json.raw("[" + carts.map(cart).joined(separator: ",") + "]")
        json.key("tickets")
        json.raw("[" + tickets.map(ticket).joined(separator: ",") + "]")
        json.key("messages")
        json.raw("[" + messages.map(message).joined(separator: ",") + "]")
        json.key("consent_history")
        json.raw("[" + consent.map(statement).joined(separator: ",") + "]")
        json.key("loyalty_ledger")
        json.raw("[" + loyalty.map(loyaltyEntry).joined(separator: ",") + "]")
        json.key("feedback")
        json.raw("[" + feedback.map(feedbackResponse).joined(separator: ",") + "]")
        json.close()
        return json.text
    }

    /// A survey answer: what was asked, the score and the words, when and how it came.
    static func feedbackResponse(_ response: FeedbackResponse) -> String {
        var json = JSONWriter()
        json.open()
        json.field("key", response.key)
        json.field("kind", response.kind.rawValue)
        json.key("score")
        json.raw(String(response.score))
        json.field("text", response.text)
        json.field("sku", response.sku)
        json.field("order_ref", response.orderRef)
        json.field("channel", response.channel)
        json.field("answered_at", Timestamp.format(response.answeredAt))
        json.field("updated_at", Timestamp.format(response.updatedAt))
        if response.kind == .review { json.field("moderation", response.moderation.rawValue) }
        json.close()
        return json.text
    }

    /// A ledger entry: what happened to the points, when, why and by whom.
    static func loyaltyEntry(_ entry: LoyaltyEntry) -> String {
        var json = JSONWriter()
        json.open()
        json.field("key", entry.key)
        json.field("kind", entry.kind.rawValue)
        json.key("points")
        json.raw(String(entry.points))
        json.field("at", Timestamp.format(entry.at))
        json.field("expires_at", entry.expiresAt.map { Timestamp.format($0) })
        json.field("reason", entry.reason)
        json.field("actor", entry.actor)
        json.field("order_ref", entry.orderRef)
        json.close()
        return json.text
    }

    static func message(_ message: StoredMessage) -> String {
        var json = JSONWriter()
        json.open()
        json.field("message_id", message.messageID)
        json.field("direction", message.direction.rawValue)
        json.field("kind", message.kind)
        json.field("sent_at", Timestamp.format(message.sentAt))
        json.field("from", message.sender)
        json.key("to")
        json.array(message.recipients)
        json.field("subject", message.subject)
        json.field("body", message.body)
        json.close()
        return json.text
    }

    static func statement(_ statement: ConsentStatement) -> String {
        var json = JSONWriter()
        json.open()
        json.field("channel", statement.channel.rawValue)
        json.field("status", statement.status.rawValue)
        json.field("at", Timestamp.format(statement.at))
        json.field("source", statement.source)
        json.field("evidence", statement.evidence)
        json.close()
        return json.text
    }

    package static func profile(_ customer: CustomerRecord, now: Int64) -> String {
        var json = JSONWriter()
        json.open()
        json.field("id", customer.primaryRef?.id ?? customer.id.reportKey)
        json.field("email", customer.email)
        json.field("phone", customer.phone)
        json.field("first_name", customer.firstName)
        json.field("last_name", customer.lastName)
        json.field("country", customer.country)
        json.field("timezone", customer.timeZone)
        json.field("birthday", customer.birthday)
        json.key("tags")
        json.array(customer.tags)
        json.field("created_at", Timestamp.format(customer.createdAt))
        json.key("consent")
        json.open()
        for channel in customer.consent.channels {
            json.field(channel.rawValue, customer.consent[channel].status.rawValue)
        }
        json.close()
        json.close()
        return json.text
    }

    package static func lines(_ lines: [OrderLine], digits: Int) -> String {
        "["
            + lines.map { line in
                var json = JSONWriter()
                json.open()
                json.field("sku", line.sku)
                json.field("name", line.name)
                json.key("quantity")
                json.raw(String(line.quantity))
                json.field("unit_price", Money.decimalString(line.unitPriceMinor, digits: digits))
                json.close()
                return json.text
            }.joined(separator: ",") + "]"
    }

    package static func order(_ order: OrderRecord) -> String {
        let digits = order.currency.minorUnitDigits
        var json = JSONWriter()
        json.open()
        json.field("id", order.ref.id)
        json.field("source", order.ref.source)
        json.field("placed_at", Timestamp.format(order.placedAt))
        json.field("status", order.status.rawValue)
        json.field("currency", order.currency.code)
        json.field("total", Money.decimalString(order.totalMinor, digits: digits))
        json.field("refunded", Money.decimalString(order.refundedMinor, digits: digits))
        json.key("lines")
        json.raw(lines(order.lines, digits: digits))
        json.close()
        return json.text
    }

    package static func cart(_ cart: CartRecord) -> String {
        let digits = cart.currency.minorUnitDigits
        var json = JSONWriter()
        json.open()
        json.field("id", cart.ref.id)
        json.field("source", cart.ref.source)
        json.field("status", cart.status.rawValue)
        json.field("value", Money.decimalString(cart.valueMinor, digits: digits))
        json.field("updated_at", Timestamp.format(cart.updatedAt))
        json.key("lines")
        json.raw(lines(cart.lines, digits: digits))
        json.close()
        return json.text
    }

    package static func ticket(_ ticket: TicketRecord) -> String {
        var json = JSONWriter()
        json.open()
        json.field("id", ticket.ref.id)
        json.field("source", ticket.ref.source)
        json.field("subject", ticket.subject)
        json.field("status", ticket.status.rawValue)
        json.field("opened_at", Timestamp.format(ticket.openedAt))
        json.field("updated_at", Timestamp.format(ticket.updatedAt))
        json.close()
        return json.text
    }
}
