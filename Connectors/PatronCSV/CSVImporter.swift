import Foundation
import PatronCore

/// The CSV layouts `patron import` reads.
public enum CSVImportFormat: String, CaseIterable, Sendable {
    /// One customer per row: id and/or email/phone, names, country, created date, tags, consent.
    case customers
    /// One order per row: order id, customer id and/or email, date, total (and currency, status).
    case orders
    /// One order line per row, grouped into orders by order id (the lines of an order together).
    case orderLines = "order-lines"
    /// Shopify's customers export (the admin's CSV, also after a spreadsheet).
    case shopifyCustomers = "shopify-customers"
    /// Shopify's orders export: extra line items continue on the following rows.
    case shopifyOrders = "shopify-orders"
    /// UCI Online Retail invoice lines: grouped into orders by invoice (GBP).
    case onlineRetail = "online-retail"
    /// The catalogue: one variant per row (SKU, name, price, stock, page, image), the variants
    /// of a product on consecutive rows with its `product_id` (a row without one is a product
    /// of its own). A product's rows are all its variants: one no longer listed is removed.
    case products

    /// Whether rows are customers (not orders).
    public var isCustomers: Bool { self == .customers || self == .shopifyCustomers }

    /// The event source of the imported records (their refs live under it).
    public var source: String {
        switch self {
        case .onlineRetail: "online-retail"
        case .shopifyCustomers, .shopifyOrders: "shopify"
        default: "csv"
        }
    }

    /// The fields this format reads, each with the header names accepted for it (lower case).
    var fields: [String: [String]] {
        switch self {
        case .customers, .shopifyCustomers:
            return [
                "customer_id": [
                    "customer_id", "customer id", "customerid", "customer", "client_id", "client id", "id",
                ],
                "email": ["email", "e-mail", "email address", "email *", "mail"],
                "phone": ["phone", "telephone", "mobile", "phone number", "default address phone"],
                "first_name": ["first_name", "first name", "firstname", "first name *", "given name"],
                "last_name": ["last_name", "last name", "lastname", "last name *", "surname"],
                "country": ["country_code", "country code", "country"],
                "created_at": ["created_at", "created at", "created", "registration date", "signup date"],
                "tags": ["tags", "tag"],
                "accepts_email": [
                    "accepts_email_marketing", "accepts email marketing", "accepts_marketing",
                    "accepts marketing", "newsletter", "email_consent",
                ],
                "accepts_sms": ["accepts_sms_marketing", "accepts sms marketing", "sms_consent"],
            ]
        case .orders, .orderLines:
            var fields = [
                "order_id": ["order_id", "order id", "order", "order number", "order_number", "number"],
                "customer_id": ["customer_id", "customer id", "customerid", "customer", "client_id"],
                "email": ["email", "e-mail", "email address", "customer email"],
                "phone": ["phone", "telephone", "customer phone"],
                "placed_at": [
                    "placed_at", "created_at", "created at", "order date", "date", "processed at", "ordered_at",
                ],
                "currency": ["currency"],
                "status": ["status", "financial status", "order status"],
            ]
            if self == .orders {
                fields["total"] = ["total", "order total", "amount", "total_price", "grand total"]
            } else {
                fields["sku"] = ["sku", "product sku", "item sku", "product_id", "product id"]
                fields["product"] = ["product", "product name", "item", "item name", "title", "description"]
                fields["quantity"] = ["quantity", "qty", "units"]
                fields["unit_price"] = ["unit_price", "unit price", "price", "item price"]
            }
            return fields
        case .shopifyOrders:
            return [
                "name": ["name"], "email": ["email"], "phone": ["phone"], "financial_status": ["financial status"],
                "accepts_email": ["accepts marketing"], "currency": ["currency"], "total": ["total"],
                "created_at": ["created at"], "quantity": ["lineitem quantity"], "product": ["lineitem name"],
                "unit_price": ["lineitem price"], "sku": ["lineitem sku"], "billing_name": ["billing name"],
                "country": ["billing country"], "cancelled_at": ["cancelled at"], "refunded": ["refunded amount"],
                "id": ["id"],
            ]
        case .products:
            return [
                "sku": ["sku", "variant sku", "product sku", "item sku"],
                "product_id": ["product_id", "product id", "parent_id", "parent id", "handle", "group"],
                "name": ["name", "title", "product", "product name"],
                "variant": ["variant", "variant name", "variant title", "option"],
                "url": ["url", "link", "permalink", "product url", "page"],
                "image_url": ["image_url", "image url", "image", "image src", "picture"],
                "price": ["price", "unit_price", "unit price", "variant price"],
                "currency": ["currency"],
                "category": ["category", "product type", "type", "categories"],
                "in_stock": ["in_stock", "in stock", "available", "availability", "stock_status", "stock status"],
                "updated_at": ["updated_at", "updated at", "modified", "last modified"],
            ]
        case .onlineRetail:
            return [
                "invoice": ["invoiceno", "invoice"], "stock_code": ["stockcode"], "description": ["description"],
                "quantity": ["quantity"], "invoice_date": ["invoicedate"], "unit_price": ["unitprice", "price"],
                "retail_customer": ["customerid", "customer id"], "country": ["country"],
            ]
        }
    }

    /// Groups of fields of which at least one column must be present.
    var required: [[String]] {
        switch self {
        case .customers, .shopifyCustomers: [["customer_id", "email", "phone"]]
        case .orders: [["order_id"], ["customer_id", "email", "phone"], ["placed_at"], ["total"]]
        case .orderLines:
            [["order_id"], ["customer_id", "email", "phone"], ["placed_at"], ["sku"], ["quantity"], ["unit_price"]]
        case .shopifyOrders:
            [["name"], ["email"], ["created_at"], ["total"], ["quantity"], ["unit_price"], ["currency"]]
        case .onlineRetail:
            [["invoice"], ["stock_code"], ["quantity"], ["invoice_date"], ["unit_price"], ["retail_customer"]]
        case .products: [["sku"], ["name"]]
        }
    }
}

/// How to read values.
public struct CSVImportSettings: Sendable {
    /// The currency of amounts without their own currency column (`nil`: such rows are rejected).
    public var currency: CurrencyCode?
    /// `1.234,56` rather than `1,234.56`.
    public var decimalComma: Bool

    /// When a catalogue row without `updated_at` was stated (the import's time by default), so
    /// that it replaces what webhooks stored before.
    public var now: Int64

    public init(currency: CurrencyCode?, decimalComma: Bool = false, now: Int64? = nil) {
        self.currency = currency
        self.decimalComma = decimalComma
        self.now = now ?? Int64(Date().timeIntervalSince1970)
    }
}

/// A row that was not imported: where, why, and what it held.
public struct CSVRejectedRow: Sendable, Hashable {
    public var line: Int
    public var reason: String
    public var fields: [String]
}

/// What an import did with every row.
public struct CSVImportTally: Sendable, Hashable, CustomStringConvertible {
    /// Data rows read (the header not counted).
    public var rows = 0
    /// Rows skipped on purpose, by reason (Online Retail lines without a customer …).
    public var skipped: [String: Int] = [:]
    /// Rows refused for a bad value, by reason.
    public var rejected: [String: Int] = [:]
    /// The first refused row: its line and the whole reason.
    public var firstRejection: (line: Int, reason: String)? {
        first.map { ($0.line, $0.reason) }
    }
    private var first: CSVRejectedRow?

    /// Counts a refused row under its kind of reason, keeping the first one whole.
    mutating func reject(line: Int, reason: String, kind: String) {
        rejected[kind, default: 0] += 1
        if first == nil { first = CSVRejectedRow(line: line, reason: reason, fields: []) }
    }

    /// How many rows were refused.
    public var rejectedCount: Int { rejected.values.reduce(0, +) }

    /// What to try for a reason, when the reason points at a reading option: a decimal comma,
    /// a spreadsheet's scientific notation, or text read in the wrong encoding.
    public static func hint(for reason: String) -> String? {
        if reason.contains("precision lost") {
            return "a spreadsheet saved the ids as numbers (precision lost): export those columns as text"
        }
        if reason.contains("is not an amount"), let quote = reason.firstIndex(of: "'") {
            let value = reason[reason.index(after: quote)...].prefix { $0 != "'" }
            if value.contains(",") { return "amounts with a decimal comma (1.234,56)? pass --decimal-comma" }
        }
        if reason.contains("\u{FFFD}") || reason.contains("Ã") || reason.contains("â€") {
            return "the text looks misread: pass --encoding (latin-1, windows-1252, utf-16le …)"
        }
        return nil
    }

    public var description: String {
        func list(_ counts: [String: Int]) -> String {
            counts.isEmpty
                ? "0"
                : "\(counts.values.reduce(0, +)) ("
                    + counts.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
                    .joined(separator: "; ") + ")"
        }
        return "\(rows) rows read, skipped \(list(skipped)), rejected \(list(rejected))"
    }
}

/// Turns CSV rows into ingest events, one format at a time; a `SourceConnector`'s worth of work
/// for files. Column names are matched case-insensitively against each field's aliases.
public final class CSVImporter {
    public let format: CSVImportFormat
    public let reader: CSVReader
    public let settings: CSVImportSettings
    public internal(set) var tally = CSVImportTally()
    /// Called with every rejected row (for `--rejects`).
    public var onReject: (CSVRejectedRow) -> Void = { _ in }
    /// Called every 512 rows while a format that gathers the whole file first (Online Retail)
    /// reads it, with the rows read so far (for progress).
    public var onGathering: (Int) -> Void = { _ in }

    /// For a format that gathers the whole file before its first event: how many events it
    /// gathered and how many are still to come (`nil` while reading, and for other formats).
    public var gatheredEvents: (total: Int, remaining: Int)? {
        guard let grouped, let total = gatheredTotal else { return nil }
        return (total, grouped.count)
    }
    var gatheredTotal: Int?

    let columns: [String: Int]
    var pending: [IngestEvent] = []
    var grouped: [IngestEvent]?
    /// The group (order) being gathered: its key and rows with their lines.
    var group: (key: String, rows: [(line: Int, fields: [String])])?
    /// Keys of groups already emitted (to catch an order whose lines are apart).
    var finishedGroups = Set<String>()

    /// `mapping` names the column of any field the aliases do not find (`["order_id":
    /// "Bestellnummer"]`); it wins over the aliases.
    public init(
        reader: CSVReader, format: CSVImportFormat, settings: CSVImportSettings, mapping: [String: String] = [:]
    ) throws(PatronError) {
        self.reader = reader
        self.format = format
        self.settings = settings
        let header = reader.header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var columns: [String: Int] = [:]
        var taken = Set<Int>()
        for (field, column) in mapping.sorted(by: { $0.key < $1.key }) {
            guard format.fields[field] != nil else {
                throw PatronError(
                    .invalidArgument,
                    "mapping: '\(format.rawValue)' has no field '\(field)' (fields: \(format.fields.keys.sorted().joined(separator: ", ")))"
                )
            }
            guard let index = header.firstIndex(of: column.trimmingCharacters(in: .whitespaces).lowercased()) else {
                throw PatronError(
                    .invalidArgument, "mapping: the header has no column '\(column)' (for \(field))",
                    at: InputLocation(file: reader.name, line: reader.recordLine))
            }
            columns[field] = index
            taken.insert(index)
        }
        // The most specific names first: a column serves one field only ("id" is the customer's
        // id in a customers file, never an order's).
        for (field, names) in format.fields.sorted(by: { $0.key < $1.key }) where columns[field] == nil {
            if let index = names.lazy.compactMap({ name in header.firstIndex(of: name) }).first(where: {
                !taken.contains($0)
            }) {
                columns[field] = index
                taken.insert(index)
            }
        }
        for anyOf in format.required where !anyOf.contains(where: { columns[$0] != nil }) {
            let names = anyOf.flatMap { format.fields[$0] ?? [] }
            let hint = Self.delimiterThatMatches(header, read: reader.delimiter, format: format).map {
                "; the header matches when split by \($0) (pass --delimiter \($0 == "tab" ? "tab" : "'\($0)'"))"
            }
            throw PatronError(
                .malformedInput,
                "no \(anyOf.joined(separator: " or ")) column for '\(format.rawValue)' (accepted: \(names.joined(separator: ", ")))"
                    + (hint ?? ""), at: InputLocation(file: reader.name, line: reader.recordLine))
        }
        self.columns = columns
    }

    /// The other delimiter (`,` `;` or `tab`) under which the header, read with `delimiter`, would
    /// have every column `format` requires; `nil` when none would.
    static func delimiterThatMatches(_ header: [String], read delimiter: UInt8, format: CSVImportFormat) -> String? {
        let line = header.joined(separator: String(UnicodeScalar(delimiter)))
        for (candidate, name) in [(",", ","), (";", ";"), ("\t", "tab")] where candidate.utf8.first != delimiter {
            let names = line.components(separatedBy: candidate).map {
                $0.trimmingCharacters(in: CharacterSet(charactersIn: " \"")).lowercased()
            }
            guard names.count > 1 else { continue }
            let satisfied = format.required.allSatisfy { anyOf in
                anyOf.contains { field in (format.fields[field] ?? []).contains { names.contains($0) } }
            }
            if satisfied { return name }
        }
        return nil
    }

    /// The next event, or `nil` when the file is done.
    public func next() throws(PatronError) -> IngestEvent? {
        switch format {
        case .onlineRetail: return try nextInvoice()
        case .orderLines, .shopifyOrders, .products: return try nextGroup()
        default: break
        }
        while pending.isEmpty {
            guard let fields = try reader.next() else { return nil }
            tally.rows += 1
            do {
                pending = try events(fields, line: reader.recordLine)
            } catch let refusal {
                reject(refusal.reason, fields: fields)
            }
        }
        return pending.removeFirst()
    }

    func reject(_ reason: String, fields: [String]) {
        tally.reject(line: reader.recordLine, reason: reason, kind: Self.kind(of: reason))
        onReject(CSVRejectedRow(line: reader.recordLine, reason: reason, fields: fields))
    }

    /// The reason without its particulars, for counting (`'abc' is not an amount` → `bad total`).
    static func kind(of reason: String) -> String {
        if let colon = reason.firstIndex(of: ":") { return String(reason[..<colon]) }
        return reason
    }

    func value(_ fields: [String], _ field: String) -> String? {
        guard let index = columns[field], index < fields.count else { return nil }
        let text = CSVValue.clean(fields[index])
        return text.isEmpty ? nil : text
    }

    func required(_ fields: [String], _ field: String) throws(CSVValue.Refusal) -> String {
        guard let text = value(fields, field) else {
            throw CSVValue.Refusal(reason: "missing \(field): the cell is empty")
        }
        return text
    }

    /// `field: reason`, so the tally counts by field.
    func on<T>(_ field: String, _ body: () throws(CSVValue.Refusal) -> T) throws(CSVValue.Refusal) -> T {
        do {
            return try body()
        } catch {
            throw CSVValue.Refusal(reason: "bad \(field): \(error.reason)")
        }
    }

    /// A stable event id: the record's key and a hash of the row, so an unchanged row is a
    /// duplicate on re-import and a changed one an update.
    func eventID(_ kind: String, _ key: String, _ fields: [String]) -> String {
        "\(format.source):\(kind):\(key):\(Self.hash(fields))"
    }

    static func hash(_ fields: [String]) -> String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for field in fields {
            for byte in field.utf8 {
                h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            }
            h = (h ^ 0x1F) &* 0x0000_0100_0000_01B3
        }
        return String(h, radix: 16)
    }

    /// A yes/no consent cell: `nil` when empty.
    func consent(_ fields: [String], _ field: String) throws(CSVValue.Refusal) -> Bool? {
        guard let text = value(fields, field)?.lowercased() else { return nil }
        if ["yes", "true", "1", "y", "granted", "subscribed"].contains(text) { return true }
        if ["no", "false", "0", "n", "revoked", "unsubscribed", "not_subscribed"].contains(text) { return false }
        throw CSVValue.Refusal(reason: "bad \(field): '\(text)' is neither yes nor no")
    }

    func identity(_ fields: [String]) throws(CSVValue.Refusal) -> CustomerIdentity {
        let id = try on("customer_id") { () throws(CSVValue.Refusal) in
            try value(fields, "customer_id").map(CSVValue.identifier)
        }
        let phone = try on("phone") { () throws(CSVValue.Refusal) in
            try value(fields, "phone").map { text throws(CSVValue.Refusal) in
                guard !CSVValue.isScientific(text) else {
                    throw CSVValue.Refusal(
                        reason: "precision lost: '\(text)' is a number a spreadsheet turned into scientific notation")
                }
                return text
            }
        }
        let identity = CustomerIdentity(
            refs: id.map { [ExternalRef(source: "", id: $0)] } ?? [], email: value(fields, "email"), phone: phone)
        guard !identity.refs.isEmpty || identity.email != nil || identity.phone != nil else {
            throw CSVValue.Refusal(reason: "no customer: customer id, email and phone are all empty")
        }
        return identity
    }

    private func events(_ fields: [String], line: Int) throws(CSVValue.Refusal) -> [IngestEvent] {
        let origin = InputLocation(file: reader.name, line: line)
        switch format {
        case .customers, .shopifyCustomers:
            let identity = try identity(fields)
            let created = try on("created_at") { () throws(CSVValue.Refusal) in
                try value(fields, "created_at").map(CSVValue.instant)
            }
            let key = identity.refs.first?.id ?? identity.email ?? identity.phone ?? ""
            let tags = value(fields, "tags").map {
                $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            }
            let at = created ?? 0
            var events = [
                IngestEvent(
                    id: eventID("customer", key, fields), source: format.source, occurredAt: at,
                    kind: .customerUpserted(
                        CustomerUpsert(
                            identity: identity, firstName: value(fields, "first_name"),
                            lastName: value(fields, "last_name"),
                            country: value(fields, "country"), tags: tags, createdAt: created)),
                    origin: origin)
            ]
            for (field, channel) in [("accepts_email", ConsentChannel.email), ("accepts_sms", ConsentChannel("sms"))] {
                guard let granted = try consent(fields, field) else { continue }
                events.append(
                    IngestEvent(
                        id: eventID("consent-\(channel.rawValue)", key, fields), source: format.source, occurredAt: at,
                        kind: .consentChanged(
                            ConsentChange(customer: identity, channel: channel, status: granted ? .granted : .revoked)),
                        origin: origin))
            }
            return events
        case .orders:
            let ref = try on("order_id") { () throws(CSVValue.Refusal) in
                try CSVValue.identifier(try required(fields, "order_id"))
            }
            let identity = try identity(fields)
            let placedAt = try on("placed_at") { () throws(CSVValue.Refusal) in
                try CSVValue.instant(try required(fields, "placed_at"))
            }
            let currency = try on("currency") { () throws(CSVValue.Refusal) in
                guard let code = value(fields, "currency") else {
                    guard let currency = settings.currency else {
                        throw CSVValue.Refusal(reason: "missing currency: no currency column or cell; pass --currency")
                    }
                    return currency
                }
                guard let currency = CurrencyCode(code.uppercased()) else {
                    throw CSVValue.Refusal(reason: "'\(code)' is not an ISO 4217 currency")
                }
                return currency
            }
            let total = try on("total") { () throws(CSVValue.Refusal) in
                try CSVValue.amount(
                    try required(fields, "total"), digits: currency.minorUnitDigits, decimalComma: settings.decimalComma
                )
            }
            guard total >= 0 else { throw CSVValue.Refusal(reason: "bad total: negative (a refund is not an order)") }
            var events = [
                IngestEvent(
                    id: eventID("order", ref, fields), source: format.source, occurredAt: placedAt,
                    kind: .orderPlaced(
                        OrderData(
                            ref: ref, customer: identity, placedAt: placedAt, currency: currency, totalMinor: total)),
                    origin: origin)
            ]
            if let status = value(fields, "status")?.lowercased(), ["cancelled", "canceled", "voided"].contains(status)
            {
                events.append(
                    IngestEvent(
                        id: eventID("cancel", ref, fields), source: format.source, occurredAt: placedAt,
                        kind: .orderCancelled(orderRef: ref), origin: origin))
            }
            return events
        case .onlineRetail, .orderLines, .shopifyOrders, .products:
            return []
        }
    }
}
