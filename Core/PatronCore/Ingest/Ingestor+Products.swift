import Foundation

extension Ingestor.Batch {
    /// `product.updated`: the product's variants become exactly those listed (a variant no longer
    /// listed leaves the catalogue), unless the store holds a newer state of the product. A price
    /// is read in the variant's currency, else the store's; with neither it stays unknown.
    mutating func updateProduct(_ product: ProductData, source: String, at: Int64) throws {
        let updatedAt = product.updatedAt ?? at
        let stored = try transaction.products(source: source, productRef: product.ref)
        guard !stored.contains(where: { $0.updatedAt > updatedAt }) else { return }
        if !currencyLoaded {
            currency = try transaction.reportingCurrency()
            currencyLoaded = true
        }
        var records: [ProductRecord] = []
        for (index, variant) in product.variants.enumerated() {
            var priceMinor: Int64?
            let priceCurrency = variant.currency ?? currency
            if let text = variant.price, !text.isEmpty, let priceCurrency {
                do {
                    priceMinor = try Money.parseMinorUnits(text, digits: priceCurrency.minorUnitDigits)
                } catch {
                    throw PatronError(
                        .invalidValue, "'\(text)' is not an amount in \(priceCurrency)",
                        at: InputLocation(field: "product.variants[\(index)].price"))
                }
                guard let minor = priceMinor, minor >= 0, minor <= Money.largestMinorUnits else {
                    throw PatronError(
                        .invalidValue, "price '\(text)' is negative or larger than Patron accepts",
                        at: InputLocation(field: "product.variants[\(index)].price"))
                }
            }
            let variantName = variant.name.flatMap { $0.isEmpty || $0 == "Default Title" ? nil : $0 }
            records.append(
                ProductRecord(
                    sku: variant.sku, source: source, productRef: product.ref,
                    name: variantName.map { product.name.isEmpty ? $0 : "\(product.name) — \($0)" } ?? product.name,
                    url: variant.url ?? product.url, imageURL: variant.imageURL ?? product.imageURL,
                    priceMinor: priceMinor, currency: priceMinor == nil ? nil : priceCurrency,
                    category: product.category, inStock: variant.inStock, updatedAt: updatedAt))
        }
        let kept = Set(records.map(\.sku))
        try transaction.removeProducts(skus: stored.map(\.sku).filter { !kept.contains($0) })
        try transaction.saveProducts(records)
    }

    /// `product.deleted`: every variant of the product leaves the catalogue.
    mutating func deleteProduct(ref: String, source: String) throws {
        try transaction.removeProducts(skus: try transaction.products(source: source, productRef: ref).map(\.sku))
    }
}
