import Foundation
import PatronCore

/// The CSV layouts `patron import` reads.
public enum CSVImportFormat: String, CaseIterable, Sendable {
    /// One customer per row: id and/or email/phone, names, country, created date, tags, consent.
    case customers
    /// One order per row: order id, customer id and/or email, date, total (and currency, status).
    case orders
    /// UCI Online Retail invoice lines: grouped into orders by invoice (GBP).
    case onlineRetail = "online-retail"

    /// The event source of the imported records (their refs live under it).
    public var source: String { self == .onlineRetail ? "online-retail" : "csv" }
}

/// How to read values.
public struct CSVImportSettings: Sendable {
    /// The currency of amounts without their own currency column (`nil`: such rows are rejected).
    public var currency: CurrencyCode?
    /// `1.234,56` rather than `1,234.56`.
    public var decimalComma: Bool

    public init(currency: CurrencyCode?, decimalComma: Bool = false) {
        self.currency = currency
        self.decimalComma = decimalComma
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

    public var description: String {
        func list(_ counts: [String: Int]) -> String {
            counts.isEmpty
                ? "0" : "\(counts.values.reduce(0, +)) (" + counts.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
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
    public private(set) var tally = CSVImportTally()
    /// Called with every rejected row (for `--rejects`).
    public var onReject: (CSVRejectedRow) -> Void = { _ in }

    private let columns: [String: Int]
    private var pending: [IngestEvent] = []
    private var grouped: [IngestEvent]?

    /// The fields each format reads, with the header names accepted for them.
    static let aliases: [String: [String]] = [
        "customer_id": ["customer_id", "customer id", "customerid", "customer", "client_id", "client id", "id"],
        "email": ["email", "e-mail", "email address", "email *", "mail"],
        "phone": ["phone", "telephone", "mobile", "phone number"],
        "first_name": ["first_name", "first name", "firstname", "first name *", "given name"],
        "last_name": ["last_name", "last name", "lastname", "last name *", "surname"],
        "country": ["country", "country code", "country_code"],
        "created_at": ["created_at", "created at", "created", "registration date", "signup date"],
        "tags": ["tags", "tag"],
        "accepts_email": ["accepts_email_marketing", "accepts email marketing", "accepts_marketing", "newsletter",
            "email_consent"],
        "order_id": ["order_id", "order id", "order", "order number", "name", "invoice", "invoiceno"],
        "placed_at": ["placed_at", "created_at", "order date", "date", "processed at", "invoicedate"],
        "total": ["total", "order total", "amount", "total_price", "grand total"],
        "currency": ["currency"],
        "status": ["status", "financial status"],
        // Online Retail.
        "invoice": ["invoiceno", "invoice"],
        "stock_code": ["stockcode"],
        "description": ["description"],
        "quantity": ["quantity"],
        "invoice_date": ["invoicedate"],
        "unit_price": ["unitprice", "price"],
        "retail_customer": ["customerid", "customer id"],
    ]

    static let required: [CSVImportFormat: [[String]]] = [
        .customers: [["customer_id", "email", "phone"]],
        .orders: [["order_id"], ["customer_id", "email"], ["placed_at"], ["total"]],
        .onlineRetail: [["invoice"], ["stock_code"], ["quantity"], ["invoice_date"], ["unit_price"], ["retail_customer"]],
    ]

    public init(reader: CSVReader, format: CSVImportFormat, settings: CSVImportSettings) throws(PatronError) {
        self.reader = reader
        self.format = format
        self.settings = settings
        let header = reader.header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var columns: [String: Int] = [:]
        for (field, names) in Self.aliases {
            // Generic formats must not take Online Retail's columns for their own and vice versa.
            if format == .onlineRetail
                ? !["invoice", "stock_code", "description", "quantity", "invoice_date", "unit_price", "retail_customer",
                    "country"].contains(field) : ["invoice", "stock_code", "description", "quantity", "invoice_date",
                    "unit_price", "retail_customer"].contains(field)
            {
                continue
            }
            if let index = names.lazy.compactMap({ header.firstIndex(of: $0) }).first { columns[field] = index }
        }
        // A generic orders file's customer id must not be its order id's column.
        if format == .orders, columns["customer_id"] == columns["order_id"] { columns["customer_id"] = nil }
        if format == .customers { columns["placed_at"] = nil }
        for anyOf in Self.required[format] ?? [] where !anyOf.contains(where: { columns[$0] != nil }) {
            let names = anyOf.flatMap { Self.aliases[$0] ?? [] }
            throw PatronError(
                .malformedInput,
                "no \(anyOf.joined(separator: " or ")) column for '\(format.rawValue)' (accepted: \(names.joined(separator: ", ")))",
                at: InputLocation(file: reader.name, line: reader.recordLine))
        }
        self.columns = columns
    }

    /// The next event, or `nil` when the file is done.
    public func next() throws(PatronError) -> IngestEvent? {
        if format == .onlineRetail { return try nextGrouped() }
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

    private func reject(_ reason: String, fields: [String]) {
        tally.rejected[Self.kind(of: reason), default: 0] += 1
        onReject(CSVRejectedRow(line: reader.recordLine, reason: reason, fields: fields))
    }

    /// The reason without its particulars, for counting (`'abc' is not an amount` → `bad total`).
    static func kind(of reason: String) -> String {
        if let colon = reason.firstIndex(of: ":") { return String(reason[..<colon]) }
        return reason
    }

    private func value(_ fields: [String], _ field: String) -> String? {
        guard let index = columns[field], index < fields.count else { return nil }
        let text = CSVValue.clean(fields[index])
        return text.isEmpty ? nil : text
    }

    private func required(_ fields: [String], _ field: String) throws(CSVValue.Refusal) -> String {
        guard let text = value(fields, field) else { throw CSVValue.Refusal(reason: "missing \(field): the cell is empty") }
        return text
    }

    /// `field: reason`, so the tally counts by field.
    private func on<T>(_ field: String, _ body: () throws(CSVValue.Refusal) -> T) throws(CSVValue.Refusal) -> T {
        do {
            return try body()
        } catch {
            throw CSVValue.Refusal(reason: "bad \(field): \(error.reason)")
        }
    }

    /// A stable event id: the record's key and a hash of the row, so an unchanged row is a
    /// duplicate on re-import and a changed one an update.
    private func eventID(_ kind: String, _ key: String, _ fields: [String]) -> String {
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

    private func identity(_ fields: [String]) throws(CSVValue.Refusal) -> CustomerIdentity {
        let id = try on("customer_id") { () throws(CSVValue.Refusal) in try value(fields, "customer_id").map(CSVValue.identifier) }
        let identity = CustomerIdentity(
            refs: id.map { [ExternalRef(source: "", id: $0)] } ?? [], email: value(fields, "email"),
            phone: value(fields, "phone"))
        guard !identity.refs.isEmpty || identity.email != nil || identity.phone != nil else {
            throw CSVValue.Refusal(reason: "no customer: customer id, email and phone are all empty")
        }
        return identity
    }

    private func events(_ fields: [String], line: Int) throws(CSVValue.Refusal) -> [IngestEvent] {
        let origin = InputLocation(file: reader.name, line: line)
        switch format {
        case .customers:
            let identity = try identity(fields)
            let created = try on("created_at") { () throws(CSVValue.Refusal) in try value(fields, "created_at").map(CSVValue.instant) }
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
                            identity: identity, firstName: value(fields, "first_name"), lastName: value(fields, "last_name"),
                            country: value(fields, "country"), tags: tags, createdAt: created)),
                    origin: origin)
            ]
            if let consent = value(fields, "accepts_email") {
                let yes = ["yes", "true", "1", "y", "granted", "subscribed"].contains(consent.lowercased())
                let no = ["no", "false", "0", "n", "revoked", "unsubscribed", "not_subscribed"].contains(consent.lowercased())
                guard yes || no else {
                    throw CSVValue.Refusal(reason: "bad accepts_email: '\(consent)' is neither yes nor no")
                }
                events.append(
                    IngestEvent(
                        id: eventID("consent", key, fields), source: format.source, occurredAt: at,
                        kind: .consentChanged(
                            ConsentChange(customer: identity, channel: .email, status: yes ? .granted : .revoked)),
                        origin: origin))
            }
            return events
        case .orders:
            let ref = try on("order_id") { () throws(CSVValue.Refusal) in try CSVValue.identifier(try required(fields, "order_id")) }
            let identity = try identity(fields)
            let placedAt = try on("placed_at") { () throws(CSVValue.Refusal) in try CSVValue.instant(try required(fields, "placed_at")) }
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
                    try required(fields, "total"), digits: currency.minorUnitDigits, decimalComma: settings.decimalComma)
            }
            guard total >= 0 else { throw CSVValue.Refusal(reason: "bad total: negative (a refund is not an order)") }
            var events = [
                IngestEvent(
                    id: eventID("order", ref, fields), source: format.source, occurredAt: placedAt,
                    kind: .orderPlaced(
                        OrderData(ref: ref, customer: identity, placedAt: placedAt, currency: currency, totalMinor: total)),
                    origin: origin)
            ]
            if let status = value(fields, "status")?.lowercased(), ["cancelled", "canceled", "voided"].contains(status) {
                events.append(
                    IngestEvent(
                        id: eventID("cancel", ref, fields), source: format.source, occurredAt: placedAt,
                        kind: .orderCancelled(orderRef: ref), origin: origin))
            }
            return events
        case .onlineRetail:
            return []
        }
    }

    // MARK: Online Retail

    /// One invoice being gathered.
    private struct Invoice {
        var customer: String
        var country: String?
        var placedAt: Int64
        var lines: [OrderLine] = []
        var rows: [[String]] = []
        var line: Int
    }

    /// Online Retail lines arrive in any order (the published subsets are samples), so invoices
    /// are gathered in memory first — about 200 bytes a line — then emitted in file order.
    private func nextGrouped() throws(PatronError) -> IngestEvent? {
        if grouped == nil { grouped = try gatherInvoices().reversed() }
        return grouped?.popLast()
    }

    private func gatherInvoices() throws(PatronError) -> [IngestEvent] {
        var invoices: [String: Invoice] = [:]
        var order: [String] = []
        let currency = settings.currency ?? CurrencyCode("GBP")!
        let digits = currency.minorUnitDigits
        while let fields = try reader.next() {
            tally.rows += 1
            do throws(CSVValue.Refusal) {
                let invoice = try on("invoice") { () throws(CSVValue.Refusal) in try CSVValue.identifier(try required(fields, "invoice")) }
                guard let customerText = value(fields, "retail_customer") else {
                    tally.skipped["no customer id", default: 0] += 1
                    continue
                }
                if invoice.uppercased().hasPrefix("C") {
                    tally.skipped["cancellation or return (C invoice)", default: 0] += 1
                    continue
                }
                let customer = try on("customer_id") { () throws(CSVValue.Refusal) in try CSVValue.identifier(customerText) }
                let quantity = try on("quantity") { () throws(CSVValue.Refusal) in try CSVValue.integer(try required(fields, "quantity")) }
                guard quantity > 0 else {
                    throw CSVValue.Refusal(reason: "bad quantity: \(quantity) on an invoice that is not a C invoice")
                }
                let price = try on("unit_price") { () throws(CSVValue.Refusal) in
                    try CSVValue.amount(try required(fields, "unit_price"), digits: digits, decimalComma: settings.decimalComma)
                }
                guard price >= 0 else { throw CSVValue.Refusal(reason: "bad unit_price: negative") }
                let at = try on("invoice_date") { () throws(CSVValue.Refusal) in try CSVValue.instant(try required(fields, "invoice_date")) }
                let sku = try required(fields, "stock_code")
                if invoices[invoice] == nil {
                    order.append(invoice)
                    invoices[invoice] = Invoice(
                        customer: customer, country: value(fields, "country"), placedAt: at, line: reader.recordLine)
                }
                guard invoices[invoice]!.customer == customer else {
                    throw CSVValue.Refusal(
                        reason: "bad customer_id: invoice \(invoice) already belongs to customer \(invoices[invoice]!.customer)")
                }
                invoices[invoice]!.placedAt = min(invoices[invoice]!.placedAt, at)
                invoices[invoice]!.lines.append(
                    OrderLine(sku: sku, name: value(fields, "description"), quantity: quantity, unitPriceMinor: price))
                invoices[invoice]!.rows.append(fields)
            } catch let refusal {
                reject(refusal.reason, fields: fields)
            }
        }
        var events: [IngestEvent] = []
        var profiled = Set<String>()
        for ref in order {
            let invoice = invoices[ref]!
            let identity = CustomerIdentity(refs: [ExternalRef(source: "", id: invoice.customer)])
            let origin = InputLocation(file: reader.name, line: invoice.line)
            if let country = invoice.country, profiled.insert(invoice.customer).inserted {
                events.append(
                    IngestEvent(
                        id: "\(format.source):customer:\(invoice.customer):\(Self.hash([country]))", source: format.source,
                        occurredAt: invoice.placedAt,
                        kind: .customerUpserted(CustomerUpsert(identity: identity, country: country)), origin: origin))
            }
            let total = invoice.lines.reduce(Int64(0)) { $0 + Int64($1.quantity) * $1.unitPriceMinor }
            events.append(
                IngestEvent(
                    id: "\(format.source):order:\(ref):\(Self.hash(invoice.rows.flatMap { $0 }))", source: format.source,
                    occurredAt: invoice.placedAt,
                    kind: .orderPlaced(
                        OrderData(
                            ref: ref, customer: identity, placedAt: invoice.placedAt, currency: currency,
                            totalMinor: total, lines: invoice.lines)),
                    origin: origin))
        }
        return events
    }
}
