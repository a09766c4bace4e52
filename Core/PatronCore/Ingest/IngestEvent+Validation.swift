import Foundation

extension IngestEvent {
    /// Checks the rules every source must keep, whatever its format: ids present, no negative
    /// quantity or amount, a customer named where one is needed. Throws with the event's origin.
    public func validate() throws(PatronError) {
        func fail(_ field: String, _ message: String) -> PatronError {
            PatronError(.invalidValue, message, at: (origin ?? InputLocation()).with(field: field))
        }
        guard !id.isEmpty else { throw fail("id", "event id is empty") }
        if let field = firstTextField(where: { $0.utf8.contains(0) }, bodies: true) {
            throw fail(field, "contains a NUL character")
        }
        if let field = firstTextField(where: { $0.utf8.count > Self.maxTextBytes }, bodies: false) {
            throw fail(field, "is longer than \(Self.maxTextBytes) bytes")
        }
        guard !source.isEmpty, !source.utf8.contains(UInt8(ascii: ":")), !source.hasPrefix(IdentityKey.reservedPrefix)
        else {
            throw fail("source", "source must be a non-empty name without ':' that does not start with 'patron.'")
        }
        func checkAmount(_ value: Int64, _ field: String) throws(PatronError) {
            guard value <= Money.largestMinorUnits else {
                throw fail(field, "amount is larger than Patron accepts (10^15 minor units)")
            }
        }
        func checkLines(_ lines: [OrderLine], _ prefix: String) throws(PatronError) {
            for (index, line) in lines.enumerated() {
                guard line.quantity >= 0 else {
                    throw fail("\(prefix).lines[\(index)].quantity", "negative quantity \(line.quantity)")
                }
                guard line.quantity <= Money.largestQuantity else {
                    throw fail(
                        "\(prefix).lines[\(index)].quantity", "quantity \(line.quantity) is larger than Patron accepts")
                }
                guard line.unitPriceMinor >= 0 else {
                    throw fail("\(prefix).lines[\(index)].unit_price", "negative unit price")
                }
                try checkAmount(line.unitPriceMinor, "\(prefix).lines[\(index)].unit_price")
                guard !line.sku.isEmpty else { throw fail("\(prefix).lines[\(index)].sku", "sku is empty") }
            }
        }
        func checkCustomer(_ identity: CustomerIdentity, _ field: String) throws(PatronError) {
            for (index, ref) in identity.refs.enumerated() {
                guard !ref.id.isEmpty else {
                    throw fail(index == 0 ? "\(field).id" : "\(field).refs", "customer id is empty")
                }
                guard !ref.source.hasPrefix(IdentityKey.reservedPrefix) else {
                    throw fail("\(field).refs", "ref source '\(ref.source)' is reserved")
                }
            }
            guard !identity.isEmpty else {
                throw fail(field, "no customer identity (give an id, a valid email or an E.164 phone)")
            }
        }
        switch kind {
        case .customerUpserted(let upsert):
            try checkCustomer(upsert.identity, "customer")
            if let birthday = upsert.birthday, !Self.isBirthday(birthday) {
                throw fail("customer.birthday", "birthday '\(birthday)' is not YYYY-MM-DD or --MM-DD")
            }
        case .orderPlaced(let order), .orderUpdated(let order):
            guard !order.ref.isEmpty else { throw fail("order.id", "order id is empty") }
            try checkCustomer(order.customer, "order.customer")
            guard order.totalMinor >= 0 else { throw fail("order.total", "negative order total") }
            try checkAmount(order.totalMinor, "order.total")
            try checkLines(order.lines, "order")
        case .orderCancelled(let ref):
            guard !ref.isEmpty else { throw fail("order.id", "order id is empty") }
        case .orderRefunded(let refund):
            guard !refund.orderRef.isEmpty else { throw fail("refund.order_id", "order id is empty") }
            guard refund.amountMinor > 0 else { throw fail("refund.amount", "refund amount must be positive") }
            try checkAmount(refund.amountMinor, "refund.amount")
        case .cartUpdated(let cart):
            guard !cart.ref.isEmpty else { throw fail("cart.id", "cart id is empty") }
            try checkCustomer(cart.customer, "cart.customer")
            guard cart.valueMinor >= 0 else { throw fail("cart.total", "negative cart value") }
            try checkAmount(cart.valueMinor, "cart.total")
            try checkLines(cart.lines, "cart")
        case .consentChanged(let change):
            try checkCustomer(change.customer, "consent.customer")
        case .contactPointChanged(let change):
            try checkCustomer(change.customer, "contact_point.customer")
            guard !change.address.isEmpty else { throw fail("contact_point.address", "the address is empty") }
            guard change.address.utf8.count <= 4_096 else {
                throw fail("contact_point.address", "the address is longer than 4,096 bytes")
            }
        case .customerErased(let identity):
            try checkCustomer(identity, "customer")
        case .ticketUpdated(let ticket):
            guard !ticket.ref.isEmpty else { throw fail("ticket.id", "ticket id is empty") }
            try checkCustomer(ticket.customer, "ticket.customer")
        case .mailReceived(let mail):
            guard !mail.messageID.isEmpty else { throw fail("mail.message_id", "the message id is empty") }
            guard mail.messageID.utf8.count <= 998 else {
                throw fail("mail.message_id", "the message id is longer than a header line (998 bytes)")
            }
        case .productUpdated(let product):
            guard !product.ref.isEmpty else { throw fail("product.id", "product id is empty") }
            guard !product.variants.isEmpty else { throw fail("product.variants", "a product needs a variant") }
            var seen: Set<String> = []
            for (index, variant) in product.variants.enumerated() {
                guard !variant.sku.isEmpty else { throw fail("product.variants[\(index)].sku", "sku is empty") }
                guard seen.insert(variant.sku).inserted else {
                    throw fail("product.variants[\(index)].sku", "SKU '\(variant.sku)' is listed twice")
                }
            }
        case .productDeleted(let ref):
            guard !ref.isEmpty else { throw fail("product.id", "product id is empty") }
        }
    }

    static func isBirthday(_ text: String) -> Bool {
        if text.hasPrefix("--") { return Day(iso: "2000" + text.dropFirst(1)) != nil && text.count == 7 }
        return Day(iso: text) != nil
    }

    /// The longest text an id, a name, an address, a tag, a URL or a subject may be: 4,096 bytes
    /// of UTF-8. A mail's body is not bounded here (the mail reader bounds the message).
    public static let maxTextBytes = 4_096

    /// The first text field for which `bad` holds: U+0000, which no id, name or address
    /// legitimately has and SQLite's C interface would cut off, or text over ``maxTextBytes``.
    /// `bodies`: whether a mail's body is looked at.
    func firstTextField(where isBad: (String) -> Bool, bodies: Bool) -> String? {
        func bad(_ text: String?) -> Bool { text.map(isBad) ?? false }
        func identity(_ who: CustomerIdentity, _ field: String) -> String? {
            if who.refs.contains(where: { bad($0.id) || bad($0.source) }) { return "\(field).id" }
            if bad(who.email) { return "\(field).email" }
            if bad(who.phone) { return "\(field).phone" }
            return nil
        }
        func lines(_ lines: [OrderLine], _ field: String) -> String? {
            for (index, line) in lines.enumerated() where bad(line.sku) || bad(line.name) {
                return "\(field).lines[\(index)]"
            }
            return nil
        }
        if bad(id) { return "id" }
        if bad(source) { return "source" }
        switch kind {
        case .customerUpserted(let u):
            if let field = identity(u.identity, "customer") { return field }
            for (name, value) in [
                ("first_name", u.firstName), ("last_name", u.lastName), ("country", u.country),
                ("timezone", u.timeZone), ("birthday", u.birthday),
            ] where bad(value) { return "customer.\(name)" }
            if u.tags?.contains(where: { bad($0) }) ?? false { return "customer.tags" }
        case .orderPlaced(let o), .orderUpdated(let o):
            if bad(o.ref) || bad(o.cartRef) { return "order.id" }
            if bad(o.referralCode) { return "order.referral_code" }
            return identity(o.customer, "order.customer") ?? lines(o.lines, "order")
        case .orderCancelled(let ref):
            if bad(ref) { return "order.id" }
        case .orderRefunded(let r):
            if bad(r.orderRef) { return "refund.order_id" }
        case .cartUpdated(let c):
            if bad(c.ref) { return "cart.id" }
            return identity(c.customer, "cart.customer") ?? lines(c.lines, "cart")
        case .consentChanged(let c):
            return identity(c.customer, "consent.customer")
        case .contactPointChanged(let c):
            if bad(c.address) { return "contact_point.address" }
            return identity(c.customer, "contact_point.customer")
        case .customerErased(let who):
            return identity(who, "customer")
        case .ticketUpdated(let t):
            if bad(t.ref) { return "ticket.id" }
            if bad(t.subject) { return "ticket.subject" }
            return identity(t.customer, "ticket.customer")
        case .mailReceived(let m):
            if bad(m.messageID) { return "mail.message_id" }
            if bad(m.from) || bad(m.fromName) || m.to.contains(where: bad) { return "mail.from" }
            if bad(m.subject) { return "mail.subject" }
            if bodies, bad(m.body) { return "mail.body" }
        case .productUpdated(let p):
            if bad(p.ref) { return "product.id" }
            if bad(p.name) || bad(p.url) || bad(p.imageURL) || bad(p.category) { return "product" }
            for (index, v) in p.variants.enumerated()
            where bad(v.sku) || bad(v.name) || bad(v.price) || bad(v.url) || bad(v.imageURL) {
                return "product.variants[\(index)]"
            }
        case .productDeleted(let ref):
            if bad(ref) { return "product.id" }
        }
        return nil
    }
}
