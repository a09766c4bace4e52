import Foundation

/// Reads the NDJSON lines most senders write — and the customer, order, cart, consent and
/// ticket lines Patron writes — without Foundation's `JSONDecoder`, which took about half of
/// `patron ingest`'s time.
///
/// It answers only where it is sure to agree with `JSONDecoder`: one JSON object of known
/// fields with the expected types (unknown fields are skipped), strings whose `\u` escapes
/// name characters (a lone surrogate does not), integers that fit, no field given twice,
/// nothing but whitespace after the object, and no `mail` or `product` (rare in bulk;
/// `JSONDecoder` reads them). On anything else it answers
/// `nil` and ``NDJSONCodec`` decodes the line with `JSONDecoder`, which also words the errors;
/// so a malformed line costs both, and a well-formed one costs this alone. Whoever changes the
/// wire structs (``NDJSONWire``) changes this too; the property test in `NDJSONFastDecoderTests`
/// and the `ndjson` fuzz target compare the two on every line they make.
struct NDJSONFastDecoder {
    /// The line is not one this decoder is sure of.
    struct Bail: Error {}

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var depth = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// The line's event as `JSONDecoder` would decode it, or `nil` when this decoder is not sure.
    static func decode(_ line: some StringProtocol) -> NDJSONWire.Event? {
        var text = String(line)
        return text.withUTF8 { buffer -> NDJSONWire.Event? in
            var decoder = NDJSONFastDecoder(buffer)
            do throws(Bail) {
                let event = try decoder.event()
                decoder.skipSpace()
                return decoder.index == buffer.count ? event : nil
            } catch {
                return nil
            }
        }
    }

    // MARK: The wire structs

    private mutating func event() throws(Bail) -> NDJSONWire.Event {
        var event = NDJSONWire.Event()
        var seen: UInt32 = 0
        try object { (d: inout Self, key: String) throws(Bail) in
            switch key {
            case "id": event.id = try d.optionalString(once: 0, &seen)
            case "type": event.type = try d.optionalString(once: 1, &seen)
            case "source": event.source = try d.optionalString(once: 2, &seen)
            case "at": event.at = try d.optionalString(once: 3, &seen)
            case "customer": event.customer = try d.optional(once: 4, &seen) { d throws(Bail) in try d.customer() }
            case "order": event.order = try d.optional(once: 5, &seen) { d throws(Bail) in try d.order() }
            case "refund": event.refund = try d.optional(once: 6, &seen) { d throws(Bail) in try d.refund() }
            case "cart": event.cart = try d.optional(once: 7, &seen) { d throws(Bail) in try d.cart() }
            case "consent": event.consent = try d.optional(once: 8, &seen) { d throws(Bail) in try d.consent() }
            case "contact_point":
                event.contact_point = try d.optional(once: 9, &seen) { d throws(Bail) in try d.contactPoint() }
            case "ticket": event.ticket = try d.optional(once: 10, &seen) { d throws(Bail) in try d.ticket() }
            case "mail", "product": throw Bail()
            default: try d.skipValue()
            }
        }
        return event
    }

    private mutating func customer() throws(Bail) -> NDJSONWire.Customer {
        var customer = NDJSONWire.Customer()
        var seen: UInt32 = 0
        try object { (d: inout Self, key: String) throws(Bail) in
            switch key {
            case "id": customer.id = try d.optionalString(once: 0, &seen)
            case "refs": customer.refs = try d.optional(once: 1, &seen) { d throws(Bail) in try d.refs() }
            case "email": customer.email = try d.optionalString(once: 2, &seen)
            case "phone": customer.phone = try d.optionalString(once: 3, &seen)
            case "first_name": customer.first_name = try d.optionalString(once: 4, &seen)
            case "last_name": customer.last_name = try d.optionalString(once: 5, &seen)
            case "country": customer.country = try d.optionalString(once: 6, &seen)
            case "timezone": customer.timezone = try d.optionalString(once: 7, &seen)
            case "birthday": customer.birthday = try d.optionalString(once: 8, &seen)
            case "tags": customer.tags = try d.optional(once: 9, &seen) { d throws(Bail) in try d.strings() }
            case "created_at": customer.created_at = try d.optionalString(once: 10, &seen)
            default: try d.skipValue()
            }
        }
        return customer
    }

    private mutating func refs() throws(Bail) -> [NDJSONWire.Ref] {
        var refs: [NDJSONWire.Ref] = []
        try array { (d: inout Self) throws(Bail) in
            var source: String?
            var id: String?
            var seen: UInt32 = 0
            try d.object { (d: inout Self, key: String) throws(Bail) in
                switch key {
                case "source": source = try d.requiredString(once: 0, &seen)
                case "id": id = try d.requiredString(once: 1, &seen)
                default: try d.skipValue()
                }
            }
            guard let source, let id else { throw Bail() }
            refs.append(NDJSONWire.Ref(source: source, id: id))
        }
        return refs
    }

    private mutating func lines() throws(Bail) -> [NDJSONWire.Line] {
        var lines: [NDJSONWire.Line] = []
        try array { (d: inout Self) throws(Bail) in
            var sku: String?
            var name: String?
            var quantity: Int?
            var price: NDJSONWire.Amount?
            var seen: UInt32 = 0
            try d.object { (d: inout Self, key: String) throws(Bail) in
                switch key {
                case "sku": sku = try d.requiredString(once: 0, &seen)
                case "name": name = try d.optionalString(once: 1, &seen)
                case "quantity":
                    try d.once(2, &seen)
                    guard let value = Int(exactly: try d.integer()) else { throw Bail() }
                    quantity = value
                case "unit_price":
                    try d.once(3, &seen)
                    price = try d.amount()
                default: try d.skipValue()
                }
            }
            guard let sku, let quantity, let price else { throw Bail() }
            lines.append(NDJSONWire.Line(sku: sku, name: name, quantity: quantity, unit_price: price))
        }
        return lines
    }

    private mutating func order() throws(Bail) -> NDJSONWire.Order {
        var id: String?
        var order = NDJSONWire.Order(id: "")
        var seen: UInt32 = 0
        try object { (d: inout Self, key: String) throws(Bail) in
            switch key {
            case "id": id = try d.requiredString(once: 0, &seen)
            case "customer": order.customer = try d.optional(once: 1, &seen) { d throws(Bail) in try d.customer() }
            case "placed_at": order.placed_at = try d.optionalString(once: 2, &seen)
            case "currency": order.currency = try d.optionalString(once: 3, &seen)
            case "total": order.total = try d.optional(once: 4, &seen) { d throws(Bail) in try d.amount() }
            case "lines": order.lines = try d.optional(once: 5, &seen) { d throws(Bail) in try d.lines() }
            case "cart_id": order.cart_id = try d.optionalString(once: 6, &seen)
            case "referral_code": order.referral_code = try d.optionalString(once: 7, &seen)
            default: try d.skipValue()
            }
        }
        guard let id else { throw Bail() }
        order.id = id
        return order
    }

    private mutating func refund() throws(Bail) -> NDJSONWire.Refund {
        var orderID: String?
        var amount: NDJSONWire.Amount?
        var currency: String?
        var seen: UInt32 = 0
        try object { (d: inout Self, key: String) throws(Bail) in
            switch key {
            case "order_id": orderID = try d.requiredString(once: 0, &seen)
            case "amount":
                try d.once(1, &seen)
                amount = try d.amount()
            case "currency": currency = try d.requiredString(once: 2, &seen)
            default: try d.skipValue()
            }
        }
        guard let orderID, let amount, let currency else { throw Bail() }
        return NDJSONWire.Refund(order_id: orderID, amount: amount, currency: currency)
    }

    private mutating func cart() throws(Bail) -> NDJSONWire.Cart {
        var id: String?
        var customer: NDJSONWire.Customer?
        var currency: String?
        var total: NDJSONWire.Amount?
        var lines: [NDJSONWire.Line]?
        var status: String?
        var seen: UInt32 = 0
        try object { (d: inout Self, key: String) throws(Bail) in
            switch key {
            case "id": id = try d.requiredString(once: 0, &seen)
            case "customer":
                try d.once(1, &seen)
                customer = try d.customer()
            case "currency": currency = try d.requiredString(once: 2, &seen)
            case "total": total = try d.optional(once: 3, &seen) { d throws(Bail) in try d.amount() }
            case "lines": lines = try d.optional(once: 4, &seen) { d throws(Bail) in try d.lines() }
            case "status": status = try d.optionalString(once: 5, &seen)
            default: try d.skipValue()
            }
        }
        guard let id, let customer, let currency else { throw Bail() }
        return NDJSONWire.Cart(
            id: id, customer: customer, currency: currency, total: total, lines: lines, status: status)
    }

    /// A consent change's or contact point's fields: customer, channel, status and one more string.
    private mutating func customerChannelStatus(other: String) throws(Bail) -> (
        customer: NDJSONWire.Customer, channel: String, status: String, other: String??
    ) {
        var customer: NDJSONWire.Customer?
        var channel: String?
        var status: String?
        var otherValue: String??
        var seen: UInt32 = 0
        try object { (d: inout Self, key: String) throws(Bail) in
            switch key {
            case "customer":
                try d.once(0, &seen)
                customer = try d.customer()
            case "channel": channel = try d.requiredString(once: 1, &seen)
            case "status": status = try d.requiredString(once: 2, &seen)
            case other: otherValue = .some(try d.optionalString(once: 3, &seen))
            default: try d.skipValue()
            }
        }
        guard let customer, let channel, let status else { throw Bail() }
        return (customer, channel, status, otherValue)
    }

    private mutating func consent() throws(Bail) -> NDJSONWire.Consent {
        let fields = try customerChannelStatus(other: "evidence")
        return NDJSONWire.Consent(
            customer: fields.customer, channel: fields.channel, status: fields.status, evidence: fields.other ?? nil)
    }

    private mutating func contactPoint() throws(Bail) -> NDJSONWire.ContactPointWire {
        let fields = try customerChannelStatus(other: "address")
        // The address is required: missing or null is JSONDecoder's error.
        guard case .some(.some(let address)) = fields.other else { throw Bail() }
        return NDJSONWire.ContactPointWire(
            customer: fields.customer, channel: fields.channel, address: address, status: fields.status)
    }

    private mutating func ticket() throws(Bail) -> NDJSONWire.Ticket {
        var id: String?
        var customer: NDJSONWire.Customer?
        var subject: String?
        var status: String?
        var seen: UInt32 = 0
        try object { (d: inout Self, key: String) throws(Bail) in
            switch key {
            case "id": id = try d.requiredString(once: 0, &seen)
            case "customer":
                try d.once(1, &seen)
                customer = try d.customer()
            case "subject": subject = try d.optionalString(once: 2, &seen)
            case "status": status = try d.optionalString(once: 3, &seen)
            default: try d.skipValue()
            }
        }
        guard let id, let customer else { throw Bail() }
        return NDJSONWire.Ticket(id: id, customer: customer, subject: subject, status: status)
    }

    /// An amount as a string, or as an integer (`JSONDecoder` reads it as `Int64` and spells it
    /// back); a fraction or exponent goes through `Decimal` there, so it is not read here.
    private mutating func amount() throws(Bail) -> NDJSONWire.Amount {
        skipSpace()
        guard index < bytes.count else { throw Bail() }
        if bytes[index] == UInt8(ascii: "\"") { return NDJSONWire.Amount(try string()) }
        return NDJSONWire.Amount(String(try integer()))
    }

    // MARK: Fields

    /// Fails on a field given twice (which of the two `JSONDecoder` keeps is its business).
    private func once(_ bit: UInt32, _ seen: inout UInt32) throws(Bail) {
        guard seen & (1 << bit) == 0 else { throw Bail() }
        seen |= 1 << bit
    }

    private mutating func optional<T>(
        once bit: UInt32, _ seen: inout UInt32, _ read: (inout Self) throws(Bail) -> T
    ) throws(Bail) -> T? {
        try once(bit, &seen)
        if try null() { return nil }
        return try read(&self)
    }

    private mutating func optionalString(once bit: UInt32, _ seen: inout UInt32) throws(Bail) -> String? {
        try optional(once: bit, &seen) { (d: inout Self) throws(Bail) in try d.stringValue() }
    }

    private mutating func requiredString(once bit: UInt32, _ seen: inout UInt32) throws(Bail) -> String {
        try once(bit, &seen)
        return try stringValue()
    }

    private mutating func strings() throws(Bail) -> [String] {
        var strings: [String] = []
        try array { (d: inout Self) throws(Bail) in strings.append(try d.stringValue()) }
        return strings
    }

    // MARK: JSON

    private mutating func skipSpace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    /// The next byte after whitespace, consumed; fails at the end.
    private mutating func nextByte() throws(Bail) -> UInt8 {
        skipSpace()
        guard index < bytes.count else { throw Bail() }
        defer { index += 1 }
        return bytes[index]
    }

    /// Whether the next value is `null` (then consumed).
    private mutating func null() throws(Bail) -> Bool {
        skipSpace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "n") else { return false }
        try literal("null")
        return true
    }

    private mutating func literal(_ word: StaticString) throws(Bail) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw Bail() }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { throw Bail() }
        index += count
    }

    /// `{ "key": value, … }`: `field` is called with each key and reads its value.
    private mutating func object(_ field: (inout Self, String) throws(Bail) -> Void) throws(Bail) {
        guard try nextByte() == UInt8(ascii: "{") else { throw Bail() }
        depth += 1
        guard depth <= 32 else { throw Bail() }
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
        } else {
            while true {
                let key = try stringValue()
                guard try nextByte() == UInt8(ascii: ":") else { throw Bail() }
                try field(&self, key)
                let byte = try nextByte()
                if byte == UInt8(ascii: "}") { break }
                guard byte == UInt8(ascii: ",") else { throw Bail() }
            }
        }
        depth -= 1
    }

    /// `[ value, … ]`: `element` reads each value.
    private mutating func array(_ element: (inout Self) throws(Bail) -> Void) throws(Bail) {
        guard try nextByte() == UInt8(ascii: "[") else { throw Bail() }
        depth += 1
        guard depth <= 32 else { throw Bail() }
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
        } else {
            while true {
                try element(&self)
                let byte = try nextByte()
                if byte == UInt8(ascii: "]") { break }
                guard byte == UInt8(ascii: ",") else { throw Bail() }
            }
        }
        depth -= 1
    }

    private mutating func stringValue() throws(Bail) -> String {
        skipSpace()
        return try string()
    }

    /// A string starting at the cursor, its escapes read.
    private mutating func string() throws(Bail) -> String {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw Bail() }
        index += 1
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { return try escapedString(from: start) }
            guard byte >= 0x20 else { throw Bail() }
            index += 1
        }
        throw Bail()
    }

    private mutating func escapedString(from start: Int) throws(Bail) -> String {
        var text = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: text, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { throw Bail() }
                let escaped = bytes[index]
                index += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(escaped)
                case UInt8(ascii: "b"): text.append(0x08)
                case UInt8(ascii: "f"): text.append(0x0C)
                case UInt8(ascii: "n"): text.append(0x0A)
                case UInt8(ascii: "r"): text.append(0x0D)
                case UInt8(ascii: "t"): text.append(0x09)
                case UInt8(ascii: "u"): UTF8.encode(try unicodeEscape()) { text.append($0) }
                default: throw Bail()
                }
            case 0..<0x20:
                throw Bail()
            default:
                text.append(byte)
            }
        }
        throw Bail()
    }

    /// The character a `\u` escape of four hex digits names (the cursor after the `u`), a
    /// surrogate pair read as one; a lone or reversed surrogate is left to `JSONDecoder`.
    private mutating func unicodeEscape() throws(Bail) -> Unicode.Scalar {
        let first = try hexQuad()
        var value = first
        if (0xD800...0xDBFF).contains(first) {
            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
            else { throw Bail() }
            index += 2
            let second = try hexQuad()
            guard (0xDC00...0xDFFF).contains(second) else { throw Bail() }
            value = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
        }
        guard let scalar = Unicode.Scalar(value) else { throw Bail() }
        return scalar
    }

    private mutating func hexQuad() throws(Bail) -> UInt32 {
        guard index + 4 <= bytes.count else { throw Bail() }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw Bail()
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    /// An integer with no fraction or exponent that fits 64 bits.
    private mutating func integer() throws(Bail) -> Int64 {
        skipSpace()
        let negative = index < bytes.count && bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        let start = index
        var value: Int64 = 0
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
            let digit = Int64(bytes[index] - UInt8(ascii: "0"))
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) =
                negative ? times10.subtractingReportingOverflow(digit) : times10.addingReportingOverflow(digit)
            guard !o1, !o2 else { throw Bail() }
            value = next
            index += 1
        }
        let digits = index - start
        guard digits > 0, digits == 1 || bytes[start] != UInt8(ascii: "0") else { throw Bail() }
        if index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): throw Bail()
            default: break
            }
        }
        return value
    }

    /// Skips an unknown field's value: any JSON value, but numbers only as plain integers or
    /// decimals of up to 20 characters.
    private mutating func skipValue() throws(Bail) {
        skipSpace()
        guard index < bytes.count else { throw Bail() }
        switch bytes[index] {
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "{"): try object { (d: inout Self, _: String) throws(Bail) in try d.skipValue() }
        case UInt8(ascii: "["): try array { (d: inout Self) throws(Bail) in try d.skipValue() }
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try skipNumber()
        default: throw Bail()
        }
    }

    private mutating func skipNumber() throws(Bail) {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        let integerStart = index
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
        let digits = index - integerStart
        guard digits > 0, digits == 1 || bytes[integerStart] != UInt8(ascii: "0") else { throw Bail() }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let fractionStart = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                index += 1
            }
            guard index > fractionStart else { throw Bail() }
        }
        guard index - start <= 20 else { throw Bail() }
        if index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "e"), UInt8(ascii: "E"): throw Bail()
            default: break
            }
        }
    }
}
