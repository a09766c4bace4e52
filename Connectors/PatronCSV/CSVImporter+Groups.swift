import Foundation
import PatronCore

/// The formats whose orders span several rows.
extension CSVImporter {
    // MARK: Orders over contiguous rows (order-lines, shopify-orders)

    /// The next event of a format whose orders continue over the following rows: rows are
    /// gathered while their order key stays the same, then turned into the order's events.
    func nextGroup() throws(PatronError) -> IngestEvent? {
        while pending.isEmpty {
            guard let fields = try reader.next() else {
                guard group != nil else { return nil }
                flushGroup()
                continue
            }
            tally.rows += 1
            let key: String?
            switch format {
            case .shopifyOrders: key = value(fields, "name")
            case .products: key = value(fields, "product_id") ?? value(fields, "sku").map { "sku:" + $0 }
            default: key = value(fields, "order_id")
            }
            guard let key else {
                reject(
                    format == .products
                        ? "missing sku: the cell is empty" : "missing order: the order id cell is empty",
                    fields: fields)
                continue
            }
            if key == group?.key {
                group!.rows.append((reader.recordLine, fields))
                continue
            }
            flushGroup()
            if finishedGroups.contains(key) {
                reject(
                    format == .products
                        ? "product apart: earlier variants of product \(key) were not next to this one; sort the file by product_id"
                        : "order apart: earlier lines of order \(key) were not next to this one; sort the file by order",
                    fields: fields)
                continue
            }
            group = (key, [(reader.recordLine, fields)])
        }
        return pending.removeFirst()
    }

    /// Turns the gathered group into events, or rejects all its rows with the reason.
    func flushGroup() {
        guard let current = group else { return }
        group = nil
        finishedGroups.insert(current.key)
        do {
            pending += try groupEvents(current.key, current.rows)
        } catch {
            for row in current.rows {
                if error.skip {
                    tally.skipped[error.reason, default: 0] += 1
                    continue
                }
                tally.reject(line: row.line, reason: error.reason, kind: Self.kind(of: error.reason))
                onReject(CSVRejectedRow(line: row.line, reason: error.reason, fields: row.fields))
            }
        }
    }

    func groupEvents(_ key: String, _ rows: [(line: Int, fields: [String])]) throws(CSVValue.Refusal) -> [IngestEvent] {
        if format == .products { return try productEvents(key, rows) }
        let first = rows[0].fields
        let origin = InputLocation(file: reader.name, line: rows[0].line)
        let hash = Self.hash(rows.flatMap(\.fields))
        let currency = try on("currency") { () throws(CSVValue.Refusal) in
            guard let code = value(first, "currency") else {
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
        let digits = currency.minorUnitDigits
        var lines: [OrderLine] = []
        for row in rows {
            let quantity = try on("quantity") { () throws(CSVValue.Refusal) in
                try CSVValue.integer(try required(row.fields, "quantity"))
            }
            guard quantity > 0 else { throw CSVValue.Refusal(reason: "bad quantity: \(quantity) (line \(row.line))") }
            let price = try on("unit_price") { () throws(CSVValue.Refusal) in
                try CSVValue.amount(
                    try required(row.fields, "unit_price"), digits: digits, decimalComma: settings.decimalComma)
            }
            let sku = value(row.fields, "sku") ?? value(row.fields, "product") ?? ""
            lines.append(
                OrderLine(sku: sku, name: value(row.fields, "product"), quantity: quantity, unitPriceMinor: price))
        }
        var events: [IngestEvent] = []
        let ref: String
        let identity: CustomerIdentity
        let placedAt: Int64
        var total = lines.reduce(Int64(0)) { $0 + Int64($1.quantity) * $1.unitPriceMinor }
        var cancelled = false
        if format == .shopifyOrders {
            // The first row carries the order; the Id column is Shopify's own order id.
            ref = try on("id") { () throws(CSVValue.Refusal) in try value(first, "id").map(CSVValue.identifier) } ?? key
            guard value(first, "email") != nil || value(first, "phone") != nil else {
                throw CSVValue.Refusal(reason: "no customer (neither email nor phone)", skip: true)
            }
            identity = try self.identity(first)
            placedAt = try on("created_at") { () throws(CSVValue.Refusal) in
                try CSVValue.instant(try required(first, "created_at"))
            }
            let gross = try on("total") { () throws(CSVValue.Refusal) in
                try CSVValue.amount(try required(first, "total"), digits: digits, decimalComma: settings.decimalComma)
            }
            // The export has no refund history: the order is imported net of what was refunded,
            // so re-importing a later export sets it rather than adding refunds twice.
            let refunded = try on("refunded") { () throws(CSVValue.Refusal) in
                try value(first, "refunded").map {
                    text throws(CSVValue.Refusal) in
                    try CSVValue.amount(text, digits: digits, decimalComma: settings.decimalComma)
                } ?? 0
            }
            total = max(0, gross - refunded)
            cancelled =
                value(first, "cancelled_at") != nil || value(first, "financial_status")?.lowercased() == "voided"
            var profile = CustomerUpsert(identity: identity, country: value(first, "country"))
            if let name = value(first, "billing_name") {
                let parts = name.split(separator: " ", maxSplits: 1).map(String.init)
                profile.firstName = parts.first
                profile.lastName = parts.count > 1 ? parts[1] : nil
            }
            events.append(
                IngestEvent(
                    id: eventID("customer", ref, first), source: format.source, occurredAt: placedAt,
                    kind: .customerUpserted(profile), origin: origin))
            if let granted = try consent(first, "accepts_email") {
                events.append(
                    IngestEvent(
                        id: eventID("consent-email", ref, first), source: format.source, occurredAt: placedAt,
                        kind: .consentChanged(
                            ConsentChange(customer: identity, channel: .email, status: granted ? .granted : .revoked)),
                        origin: origin))
            }
        } else {
            ref = try on("order_id") { () throws(CSVValue.Refusal) in try CSVValue.identifier(key) }
            identity = try self.identity(first)
            placedAt = try on("placed_at") { () throws(CSVValue.Refusal) in
                try CSVValue.instant(try required(first, "placed_at"))
            }
            if let status = value(first, "status")?.lowercased() {
                cancelled = ["cancelled", "canceled", "voided"].contains(status)
            }
        }
        events.append(
            IngestEvent(
                id: "\(format.source):order:\(ref):\(hash)", source: format.source, occurredAt: placedAt,
                kind: .orderPlaced(
                    OrderData(
                        ref: ref, customer: identity, placedAt: placedAt, currency: currency, totalMinor: total,
                        lines: lines)),
                origin: origin))
        if cancelled {
            events.append(
                IngestEvent(
                    id: "\(format.source):cancel:\(ref):\(hash)", source: format.source, occurredAt: placedAt,
                    kind: .orderCancelled(orderRef: ref), origin: origin))
        }
        return events
    }

    // MARK: Online Retail

    /// One invoice being gathered.
    struct Invoice {
        var customer: String
        var country: String?
        var placedAt: Int64
        var lines: [OrderLine] = []
        var rows: [[String]] = []
        var line: Int
    }

    /// Online Retail lines arrive in any order (the published subsets are samples), so invoices
    /// are gathered in memory first — about 200 bytes a line — then emitted in file order.
    func nextInvoice() throws(PatronError) -> IngestEvent? {
        if grouped == nil {
            grouped = try gatherInvoices().reversed()
            gatheredTotal = grouped?.count
        }
        return grouped?.popLast()
    }

    func gatherInvoices() throws(PatronError) -> [IngestEvent] {
        var invoices: [String: Invoice] = [:]
        var order: [String] = []
        let currency = settings.currency ?? CurrencyCode("GBP")!
        let digits = currency.minorUnitDigits
        while let fields = try reader.next() {
            tally.rows += 1
            if tally.rows % 512 == 0 { onGathering(tally.rows) }
            do throws(CSVValue.Refusal) {
                let invoice = try on("invoice") { () throws(CSVValue.Refusal) in
                    try CSVValue.identifier(try required(fields, "invoice"))
                }
                guard let customerText = value(fields, "retail_customer") else {
                    tally.skipped["no customer id", default: 0] += 1
                    continue
                }
                if invoice.uppercased().hasPrefix("C") {
                    tally.skipped["cancellation or return (C invoice)", default: 0] += 1
                    continue
                }
                let customer = try on("customer_id") { () throws(CSVValue.Refusal) in
                    try CSVValue.identifier(customerText)
                }
                let quantity = try on("quantity") { () throws(CSVValue.Refusal) in
                    try CSVValue.integer(try required(fields, "quantity"))
                }
                guard quantity > 0 else {
                    throw CSVValue.Refusal(reason: "bad quantity: \(quantity) on an invoice that is not a C invoice")
                }
                let price = try on("unit_price") { () throws(CSVValue.Refusal) in
                    try CSVValue.amount(
                        try required(fields, "unit_price"), digits: digits, decimalComma: settings.decimalComma)
                }
                guard price >= 0 else { throw CSVValue.Refusal(reason: "bad unit_price: negative") }
                let at = try on("invoice_date") { () throws(CSVValue.Refusal) in
                    try CSVValue.instant(try required(fields, "invoice_date"))
                }
                let sku = try required(fields, "stock_code")
                if invoices[invoice] == nil {
                    order.append(invoice)
                    invoices[invoice] = Invoice(
                        customer: customer, country: value(fields, "country"), placedAt: at, line: reader.recordLine)
                }
                guard invoices[invoice]!.customer == customer else {
                    throw CSVValue.Refusal(
                        reason:
                            "bad customer_id: invoice \(invoice) already belongs to customer \(invoices[invoice]!.customer)"
                    )
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
                        id: "\(format.source):customer:\(invoice.customer):\(Self.hash([country]))",
                        source: format.source,
                        occurredAt: invoice.placedAt,
                        kind: .customerUpserted(CustomerUpsert(identity: identity, country: country)), origin: origin))
            }
            let total = invoice.lines.reduce(Int64(0)) { $0 + Int64($1.quantity) * $1.unitPriceMinor }
            events.append(
                IngestEvent(
                    id: "\(format.source):order:\(ref):\(Self.hash(invoice.rows.flatMap { $0 }))",
                    source: format.source,
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
