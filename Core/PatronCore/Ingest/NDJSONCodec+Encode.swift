import Foundation

extension NDJSONCodec {
    /// One event as one NDJSON line (no newline), with amounts as exact decimal strings and keys
    /// in a fixed order, so the same event always gives the same bytes.
    public static func encode(_ event: IngestEvent) -> String {
        var json = JSONWriter()
        json.open()
        json.field("id", event.id)
        json.field("type", event.type.rawValue)
        json.field("source", event.source)
        json.field("at", Timestamp.format(event.occurredAt))
        switch event.kind {
        case .customerUpserted(let upsert):
            json.key("customer")
            json.open()
            writeIdentityFields(upsert.identity, source: event.source, into: &json)
            json.field("first_name", upsert.firstName)
            json.field("last_name", upsert.lastName)
            json.field("country", upsert.country)
            json.field("timezone", upsert.timeZone)
            json.field("birthday", upsert.birthday)
            if let tags = upsert.tags {
                json.key("tags")
                json.array(tags)
            }
            json.field("created_at", upsert.createdAt.map(Timestamp.format))
            json.close()
        case .customerErased(let identity):
            json.key("customer")
            writeIdentity(identity, source: event.source, into: &json)
        case .orderPlaced(let order), .orderUpdated(let order):
            json.key("order")
            json.open()
            json.field("id", order.ref)
            json.key("customer")
            writeIdentity(order.customer, source: event.source, into: &json)
            json.field("placed_at", Timestamp.format(order.placedAt))
            json.field("currency", order.currency.code)
            json.field("total", Money.decimalString(order.totalMinor, digits: order.currency.minorUnitDigits))
            writeLines(order.lines, currency: order.currency, into: &json)
            json.field("cart_id", order.cartRef)
            json.field("referral_code", order.referralCode)
            json.close()
        case .orderCancelled(let ref):
            json.key("order")
            json.open()
            json.field("id", ref)
            json.close()
        case .orderRefunded(let refund):
            json.key("refund")
            json.open()
            json.field("order_id", refund.orderRef)
            json.field("amount", Money.decimalString(refund.amountMinor, digits: refund.currency.minorUnitDigits))
            json.field("currency", refund.currency.code)
            json.close()
        case .cartUpdated(let cart):
            json.key("cart")
            json.open()
            json.field("id", cart.ref)
            json.key("customer")
            writeIdentity(cart.customer, source: event.source, into: &json)
            json.field("currency", cart.currency.code)
            json.field("total", Money.decimalString(cart.valueMinor, digits: cart.currency.minorUnitDigits))
            writeLines(cart.lines, currency: cart.currency, into: &json)
            json.field("status", cart.status.rawValue)
            json.close()
        case .consentChanged(let change):
            json.key("consent")
            json.open()
            json.key("customer")
            writeIdentity(change.customer, source: event.source, into: &json)
            json.field("channel", change.channel.rawValue)
            json.field("status", change.status.rawValue)
            json.field("evidence", change.evidence)
            json.close()
        case .contactPointChanged(let change):
            json.key("contact_point")
            json.open()
            json.key("customer")
            writeIdentity(change.customer, source: event.source, into: &json)
            json.field("channel", change.channel.rawValue)
            json.field("address", change.address)
            json.field("status", change.added ? "added" : "removed")
            json.close()
        case .ticketUpdated(let ticket):
            json.key("ticket")
            json.open()
            json.field("id", ticket.ref)
            json.key("customer")
            writeIdentity(ticket.customer, source: event.source, into: &json)
            json.field("subject", ticket.subject)
            json.field("status", ticket.status.rawValue)
            json.close()
        case .mailReceived(let mail):
            writeMail(mail, into: &json)
        case .productUpdated(let product):
            writeProduct(product, into: &json)
        case .productDeleted(let ref):
            json.key("product")
            json.open()
            json.field("id", ref)
            json.close()
        }
        json.close()
        return json.text
    }

    static func writeMail(_ mail: MailMessage, into json: inout JSONWriter) {
        func list(_ name: String, _ values: [String]) {
            guard !values.isEmpty else { return }
            json.key(name)
            json.array(values)
        }
        json.key("mail")
        json.open()
        json.field("message_id", mail.messageID)
        list("in_reply_to", mail.inReplyTo)
        list("references", mail.references)
        json.field("from", mail.from)
        json.field("from_name", mail.fromName)
        list("to", mail.to)
        json.field("subject", mail.subject)
        json.field("sent_at", Timestamp.format(mail.sentAt))
        json.field("body", mail.body)
        if !mail.attachments.isEmpty {
            json.key("attachments")
            json.objects(mail.attachments) { json, attachment in
                json.field("name", attachment.name)
                json.field("type", attachment.type)
                json.key("size")
                json.raw(String(attachment.size))
            }
        }
        switch mail.kind {
        case .message: json.field("kind", "message")
        case .autoReply: json.field("kind", "auto_reply")
        case .bounce(let failed):
            json.field("kind", "bounce")
            list("failed", failed)
        case .complaint(let recipients):
            json.field("kind", "complaint")
            list("failed", recipients)
        }
        json.field("direction", mail.direction.rawValue)
        json.field("priority", mail.priority.rawValue)
        list("warnings", mail.warnings)
        json.close()
    }

    static func writeIdentity(_ identity: CustomerIdentity, source: String, into json: inout JSONWriter) {
        json.open()
        writeIdentityFields(identity, source: source, into: &json)
        json.close()
    }

    static func writeIdentityFields(_ identity: CustomerIdentity, source: String, into json: inout JSONWriter) {
        var refs = identity.refs
        if let first = refs.first, first.source.isEmpty || first.source == source {
            json.field("id", first.id)
            refs.removeFirst()
        }
        if !refs.isEmpty {
            json.key("refs")
            json.raw("[")
            for (index, ref) in refs.enumerated() {
                if index > 0 { json.raw(",") }
                json.open()
                json.field("source", ref.source.isEmpty ? source : ref.source)
                json.field("id", ref.id)
                json.close()
            }
            json.raw("]")
        }
        json.field("email", identity.email)
        json.field("phone", identity.phone)
    }

    static func writeLines(_ lines: [OrderLine], currency: CurrencyCode, into json: inout JSONWriter) {
        guard !lines.isEmpty else { return }
        json.key("lines")
        json.objects(lines) { json, line in
            json.field("sku", line.sku)
            json.field("name", line.name)
            json.key("quantity")
            json.raw(String(line.quantity))
            json.field("unit_price", Money.decimalString(line.unitPriceMinor, digits: currency.minorUnitDigits))
        }
    }
}

/// A small, allocation-light JSON object writer with a fixed key order.
package struct JSONWriter {
    package init() {}

    /// `value` as a JSON string literal.
    package static func quoted(_ value: String) -> String {
        var writer = JSONWriter()
        writer.string(value)
        return writer.text
    }

    var text = ""
    private var needsComma = false

    mutating func raw(_ fragment: String) {
        text += fragment
        needsComma = fragment != "[" && fragment != ","
    }
    mutating func open() {
        text += "{"
        needsComma = false
    }
    mutating func close() {
        text += "}"
        needsComma = true
    }
    mutating func key(_ name: String) {
        if needsComma { text += "," }
        text += "\"\(name)\":"
        needsComma = false
    }
    mutating func field(_ name: String, _ value: String?) {
        guard let value else { return }
        key(name)
        string(value)
        needsComma = true
    }
    /// `[{…},{…}]`: one object per item, its fields written by `body`.
    mutating func objects<T>(_ items: [T], _ body: (inout JSONWriter, T) -> Void) {
        raw("[")
        for (index, item) in items.enumerated() {
            if index > 0 { raw(",") }
            open()
            body(&self, item)
            close()
        }
        raw("]")
    }
    mutating func array(_ values: [String]) {
        text += "["
        for (index, value) in values.enumerated() {
            if index > 0 { text += "," }
            string(value)
        }
        text += "]"
        needsComma = true
    }
    mutating func string(_ value: String) {
        text += "\""
        // Most strings need no escape: append them whole.
        if !value.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            text += value
            text += "\""
            needsComma = true
            return
        }
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
        needsComma = true
    }
}
