import Foundation
import PatronCore

extension CSVImporter {
    /// One product from its consecutive rows (one per variant): `product.updated` with every
    /// variant, its name, page, image and category from the first row. The event id hashes the
    /// rows, so an unchanged product is a duplicate on re-import.
    func productEvents(_ key: String, _ rows: [(line: Int, fields: [String])]) throws(CSVValue.Refusal)
        -> [IngestEvent]
    {
        let first = rows[0].fields
        let ref = value(first, "product_id") ?? String(key.dropFirst("sku:".count))
        let updatedAt = try on("updated_at") { () throws(CSVValue.Refusal) in
            try value(first, "updated_at").map(CSVValue.instant)
        }
        var variants: [ProductVariant] = []
        var skus: Set<String> = []
        for row in rows {
            let sku = try on("sku") { () throws(CSVValue.Refusal) in
                try CSVValue.identifier(try required(row.fields, "sku"))
            }
            guard skus.insert(sku).inserted else {
                throw CSVValue.Refusal(reason: "duplicate sku: \(sku) twice in product \(ref) (line \(row.line))")
            }
            let currency = try on("currency") { () throws(CSVValue.Refusal) -> CurrencyCode? in
                guard let code = value(row.fields, "currency") else { return settings.currency }
                guard let currency = CurrencyCode(code.uppercased()) else {
                    throw CSVValue.Refusal(reason: "'\(code)' is not an ISO 4217 currency")
                }
                return currency
            }
            var price: String?
            if let text = value(row.fields, "price") {
                // Checked (and normalised to a plain decimal) here, so a bad price names its line.
                let minor = try on("price") { () throws(CSVValue.Refusal) in
                    try CSVValue.amount(
                        text, digits: currency?.minorUnitDigits ?? 2, decimalComma: settings.decimalComma)
                }
                guard minor >= 0 else { throw CSVValue.Refusal(reason: "bad price: negative (line \(row.line))") }
                price = Money.decimalString(minor, digits: currency?.minorUnitDigits ?? 2)
            }
            let inStock = try on("in_stock") { () throws(CSVValue.Refusal) in
                try value(row.fields, "in_stock").map(Self.stock) ?? true
            }
            variants.append(
                ProductVariant(
                    sku: sku, name: value(row.fields, "variant"), price: price, currency: currency, inStock: inStock,
                    imageURL: rows.count > 1 ? value(row.fields, "image_url") : nil,
                    url: rows.count > 1 ? value(row.fields, "url") : nil))
        }
        let name = try on("name") { () throws(CSVValue.Refusal) in try required(first, "name") }
        return [
            IngestEvent(
                // Unchanged rows imported again the same day are duplicates; on another day they
                // state the product again (a stock that went back to an earlier state is taken).
                id: eventID(
                    "product", "\(ref)@\(updatedAt.map(String.init) ?? Day(epochSeconds: settings.now).description)",
                    rows.flatMap(\.fields)),
                source: format.source,
                occurredAt: updatedAt ?? settings.now,
                kind: .productUpdated(
                    ProductData(
                        ref: ref, name: name, url: value(first, "url"), imageURL: value(first, "image_url"),
                        category: value(first, "category"), updatedAt: updatedAt, variants: variants)),
                origin: InputLocation(file: reader.name, line: rows[0].line))
        ]
    }

    /// `true`/`false`, `yes`/`no`, `1`/`0`, WooCommerce's `instock`/`outofstock`/`onbackorder`,
    /// Google's `in stock`/`out of stock`/`preorder`/`backorder`, or a stock count.
    static func stock(_ text: String) throws(CSVValue.Refusal) -> Bool {
        switch text.lowercased() {
        case "true", "yes", "y", "1", "instock", "in stock", "in_stock", "onbackorder", "backorder", "preorder",
            "available":
            return true
        case "false", "no", "n", "0", "outofstock", "out of stock", "out_of_stock", "sold out", "unavailable":
            return false
        default:
            if let count = Int(text) { return count > 0 }
            throw CSVValue.Refusal(reason: "'\(text)' is not a stock state (yes/no, instock/outofstock, a count)")
        }
    }
}
