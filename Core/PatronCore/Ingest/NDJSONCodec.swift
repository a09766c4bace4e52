import Foundation

/// Reads and writes ``IngestEvent``s as NDJSON lines.
public enum NDJSONCodec {
    /// Decodes one line. `location` names the file and line for errors.
    public static func decode(line: some StringProtocol, at location: InputLocation) throws(PatronError) -> IngestEvent
    {
        try decode(line: line, at: location, fastPath: true)
    }

    /// Decodes one line with ``NDJSONFastDecoder`` where it answers (`fastPath`), else with
    /// `JSONDecoder`. Both must give the same event or the same error: tests and the fuzz
    /// target compare them through this.
    package static func decode(line: some StringProtocol, at location: InputLocation, fastPath: Bool)
        throws(PatronError) -> IngestEvent
    {
        if fastPath, let wire = NDJSONFastDecoder.decode(line) { return try event(from: wire, at: location) }
        let data = Data(line.utf8)
        let wire: NDJSONWire.Event
        do {
            wire = try JSONDecoder().decode(NDJSONWire.Event.self, from: data)
        } catch let error as DecodingError {
            throw describe(error, at: location)
        } catch {
            throw PatronError(.malformedInput, "malformed JSON", at: location)
        }
        return try event(from: wire, at: location)
    }

    /// Whether ``NDJSONFastDecoder`` reads the line itself (for tests: a line it leaves to
    /// `JSONDecoder` is slower, not wrong).
    package static func fastPathReads(_ line: some StringProtocol) -> Bool {
        NDJSONFastDecoder.decode(line) != nil
    }

    static func describe(_ error: DecodingError, at location: InputLocation) -> PatronError {
        func path(_ codingPath: [any CodingKey]) -> String? {
            let parts = codingPath.map { key in key.intValue.map { "[\($0)]" } ?? key.stringValue }
            guard !parts.isEmpty else { return nil }
            return parts.reduce("") { result, part in
                part.hasPrefix("[") || result.isEmpty ? result + part : result + "." + part
            }
        }
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return PatronError(.malformedInput, "malformed JSON", at: location)
        case .dataCorrupted(let context):
            return PatronError(
                .invalidValue, context.debugDescription, at: location.with(field: path(context.codingPath)))
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return PatronError(.malformedInput, "missing field", at: location.with(field: field))
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            let name = expectedName(type)
            return PatronError(
                .malformedInput, "expected \(name)", at: location.with(field: path(context.codingPath)))
        @unknown default:
            return PatronError(.malformedInput, "malformed JSON", at: location)
        }
    }

    /// What a JSON user calls the type Swift expected.
    static func expectedName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Decimal.Type, is Double.Type: "a number"
        case is Bool.Type: "true or false"
        default:
            "\(type)".hasPrefix("Array") ? "an array" : "\(type)".hasPrefix("Dictionary") ? "an object" : "a value"
        }
    }

    static func event(from wire: NDJSONWire.Event, at location: InputLocation) throws(PatronError) -> IngestEvent {
        func fail(_ field: String, _ message: String, _ code: PatronError.Code = .invalidValue) -> PatronError {
            PatronError(code, message, at: location.with(field: field))
        }
        func required<T>(_ value: T?, _ field: String) throws(PatronError) -> T {
            guard let value else { throw fail(field, "missing field", .malformedInput) }
            return value
        }
        func time(_ text: String?, _ field: String) throws(PatronError) -> Int64? {
            guard let text else { return nil }
            guard let seconds = Timestamp.parse(text) else {
                throw fail(field, "unparseable date '\(text)' (use RFC 3339, e.g. 2024-03-01T10:00:00Z)")
            }
            return seconds
        }
        func currency(_ text: String?, _ field: String) throws(PatronError) -> CurrencyCode {
            let code = try required(text, field)
            guard let currency = CurrencyCode(code) else { throw fail(field, "unknown currency '\(code)'") }
            return currency
        }
        func amount(_ value: NDJSONWire.Amount?, _ currency: CurrencyCode, _ field: String) throws(PatronError) -> Int64
        {
            let value = try required(value, field)
            do {
                return try Money.parse(value.text, currency: currency).minorUnits
            } catch {
                throw fail(field, "\(error) in \(currency)")
            }
        }
        func identity(_ customer: NDJSONWire.Customer?, _ field: String) throws(PatronError) -> CustomerIdentity {
            let customer = try required(customer, field)
            var refs = customer.refs?.map { ExternalRef(source: $0.source, id: $0.id) } ?? []
            if let id = customer.id { refs.insert(ExternalRef(source: "", id: id), at: 0) }
            return CustomerIdentity(refs: refs, email: customer.email, phone: customer.phone)
        }
        func lines(_ lines: [NDJSONWire.Line]?, _ currency: CurrencyCode, _ field: String) throws(PatronError)
            -> [OrderLine]
        {
            var result: [OrderLine] = []
            for (index, line) in (lines ?? []).enumerated() {
                result.append(
                    OrderLine(
                        sku: line.sku, name: line.name, quantity: line.quantity,
                        unitPriceMinor: try amount(line.unit_price, currency, "\(field)[\(index)].unit_price")))
            }
            return result
        }
        func total(_ given: NDJSONWire.Amount?, _ lines: [OrderLine], _ currency: CurrencyCode, _ field: String)
            throws(PatronError) -> Int64
        {
            if given != nil { return try amount(given, currency, field) }
            guard !lines.isEmpty else { throw fail(field, "missing field (and no lines to sum)", .malformedInput) }
            let prefix = field.replacingOccurrences(of: ".total", with: ".lines")
            var sum: Int64 = 0
            for (index, line) in lines.enumerated() {
                // Quantities are checked before they are summed, so a negative one is named as such.
                guard line.quantity >= 0 else {
                    throw fail("\(prefix)[\(index)].quantity", "negative quantity \(line.quantity)")
                }
                let (product, o1) = Int64(line.quantity).multipliedReportingOverflow(by: line.unitPriceMinor)
                let (next, o2) = sum.addingReportingOverflow(product)
                guard !o1, !o2, next <= Money.largestMinorUnits else {
                    throw fail(field, "the lines add up to more than the largest amount Patron accepts")
                }
                sum = next
            }
            return sum
        }

        let id = try required(wire.id, "id")
        let typeName = try required(wire.type, "type")
        guard let type = EventType(rawValue: typeName) else {
            let known = EventType.allCases.map(\.rawValue).joined(separator: ", ")
            throw fail("type", "unknown event type '\(typeName)' (known: \(known))", .unknownEventType)
        }
        let source = try required(wire.source, "source")
        let at = try required(try time(wire.at, "at"), "at")

        let kind: IngestEvent.Kind
        switch type {
        case .customerUpserted, .customerErased:
            let customer = try required(wire.customer, "customer")
            let who = try identity(customer, "customer")
            if type == .customerErased {
                kind = .customerErased(who)
            } else {
                kind = .customerUpserted(
                    CustomerUpsert(
                        identity: who, firstName: customer.first_name, lastName: customer.last_name,
                        country: customer.country, timeZone: customer.timezone, birthday: customer.birthday,
                        tags: customer.tags, createdAt: try time(customer.created_at, "customer.created_at")))
            }
        case .orderPlaced, .orderUpdated:
            let order = try required(wire.order, "order")
            let code = try currency(order.currency, "order.currency")
            let orderLines = try lines(order.lines, code, "order.lines")
            let data = OrderData(
                ref: order.id, customer: try identity(order.customer, "order.customer"),
                placedAt: try time(order.placed_at, "order.placed_at") ?? at, currency: code,
                totalMinor: try total(order.total, orderLines, code, "order.total"), lines: orderLines,
                cartRef: order.cart_id, referralCode: order.referral_code)
            kind = type == .orderPlaced ? .orderPlaced(data) : .orderUpdated(data)
        case .orderCancelled:
            kind = .orderCancelled(orderRef: try required(wire.order, "order").id)
        case .orderRefunded:
            let refund = try required(wire.refund, "refund")
            let code = try currency(refund.currency, "refund.currency")
            kind = .orderRefunded(
                RefundData(
                    orderRef: refund.order_id, amountMinor: try amount(refund.amount, code, "refund.amount"),
                    currency: code))
        case .cartUpdated:
            let cart = try required(wire.cart, "cart")
            let code = try currency(cart.currency, "cart.currency")
            let cartLines = try lines(cart.lines, code, "cart.lines")
            guard let status = CartStatus(rawValue: cart.status ?? "open") else {
                throw fail("cart.status", "unknown cart status '\(cart.status ?? "")' (open, converted, deleted)")
            }
            kind = .cartUpdated(
                CartData(
                    ref: cart.id, customer: try identity(cart.customer, "cart.customer"), currency: code,
                    valueMinor: try total(cart.total, cartLines, code, "cart.total"), lines: cartLines, status: status))
        case .consentChanged:
            let consent = try required(wire.consent, "consent")
            let channels = ChannelRegistry.registered
            guard let channel = ConsentChannel(rawValue: consent.channel), channels[channel] != nil else {
                let names = channels.channels.map(\.rawValue)
                let hint = EditDistance.closest(to: consent.channel, in: names, limit: 2).map {
                    "did you mean '\($0)'? "
                }
                throw fail(
                    "consent.channel",
                    "unknown channel '\(consent.channel)' (\(hint ?? "")registered: \(names.joined(separator: ", ")))")
            }
            guard let status = ConsentStatus(rawValue: consent.status) else {
                throw fail(
                    "consent.status",
                    "unknown consent status '\(consent.status)' (\(ConsentStatus.allCases.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            kind = .consentChanged(
                ConsentChange(
                    customer: try identity(consent.customer, "consent.customer"), channel: channel, status: status,
                    evidence: consent.evidence))
        case .contactPointChanged:
            let point = try required(wire.contact_point, "contact_point")
            let channels = ChannelRegistry.registered
            guard let channel = ConsentChannel(rawValue: point.channel), channels[channel]?.address == .contactPoint
            else {
                let names = channels.channels.filter { channels[$0]?.address == .contactPoint }.map(\.rawValue)
                throw fail(
                    "contact_point.channel",
                    "'\(point.channel)' is no channel with contact points (\(names.joined(separator: ", ")))")
            }
            guard ["added", "removed"].contains(point.status) else {
                throw fail("contact_point.status", "expected added or removed, found '\(point.status)'")
            }
            kind = .contactPointChanged(
                ContactPointChange(
                    customer: try identity(point.customer, "contact_point.customer"), channel: channel,
                    address: point.address, added: point.status == "added"))
        case .ticketUpdated:
            let ticket = try required(wire.ticket, "ticket")
            guard let status = TicketStatus(rawValue: ticket.status ?? "open") else {
                throw fail("ticket.status", "unknown ticket status '\(ticket.status ?? "")' (open, pending, closed)")
            }
            kind = .ticketUpdated(
                TicketData(
                    ref: ticket.id, customer: try identity(ticket.customer, "ticket.customer"),
                    subject: ticket.subject ?? "", status: status))
        case .mailReceived:
            let mail = try required(wire.mail, "mail")
            let failed = mail.failed ?? []
            let mailKind: MailMessage.Kind
            switch mail.kind ?? "message" {
            case "message": mailKind = .message
            case "auto_reply": mailKind = .autoReply
            case "bounce": mailKind = .bounce(failed: failed)
            case "complaint": mailKind = .complaint(recipients: failed)
            case let other:
                throw fail("mail.kind", "unknown mail kind '\(other)' (message, auto_reply, bounce, complaint)")
            }
            guard let direction = MailMessage.Direction(rawValue: mail.direction ?? "inbound") else {
                throw fail("mail.direction", "expected inbound or outbound, found '\(mail.direction ?? "")'")
            }
            guard let priority = TicketPriority(rawValue: mail.priority ?? "normal") else {
                throw fail("mail.priority", "unknown priority '\(mail.priority ?? "")' (low, normal, high, urgent)")
            }
            for (index, attachment) in (mail.attachments ?? []).enumerated() where attachment.size < 0 {
                throw fail("mail.attachments[\(index)].size", "negative size")
            }
            kind = .mailReceived(
                MailMessage(
                    messageID: mail.message_id, inReplyTo: mail.in_reply_to ?? [], references: mail.references ?? [],
                    from: mail.from, fromName: mail.from_name, to: mail.to ?? [], subject: mail.subject ?? "",
                    sentAt: try time(mail.sent_at, "mail.sent_at") ?? at, body: mail.body ?? "",
                    attachments: (mail.attachments ?? []).map {
                        MailAttachmentInfo(name: $0.name, type: $0.type, size: $0.size)
                    }, kind: mailKind, direction: direction, priority: priority, warnings: mail.warnings ?? []))
        case .productUpdated:
            kind = .productUpdated(try product(try required(wire.product, "product"), at: location))
        case .productDeleted:
            kind = .productDeleted(productRef: try required(wire.product, "product").id)
        }
        return IngestEvent(id: id, source: source, occurredAt: at, kind: kind, origin: location)
    }
}
