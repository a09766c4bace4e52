import Foundation

extension Ingestor.Batch {
    /// `product.updated`: the product's variants become exactly those listed (a variant no longer
    /// listed leaves the catalogue), unless the store holds a newer state of the product or it was
    /// deleted at or after this update's time. A variant whose SKU another product listed more
    /// recently stays with that product. A price is read in the variant's currency, else the
    /// store's; with neither it stays unknown.
    mutating func updateProduct(_ product: ProductData, source: String, at: Int64) throws {
        let updatedAt = product.updatedAt ?? at
        let stored = try transaction.products(source: source, productRef: product.ref)
        guard !stored.contains(where: { $0.updatedAt > updatedAt }) else { return }
        if let deleted = try transaction.productDeletedAt(source: source, productRef: product.ref),
            deleted >= updatedAt
        {
            return
        }
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
        // A SKU that moved to another product by a newer update stays there.
        let elsewhere = try transaction.products(skus: records.map(\.sku)).values.filter {
            ($0.source != source || $0.productRef != product.ref) && $0.updatedAt > updatedAt
        }
        let moved = Set(elsewhere.map(\.sku))
        try transaction.saveProducts(records.filter { !moved.contains($0.sku) })
    }

    /// `product.deleted` at `at`: every variant of the product leaves the catalogue, and updates
    /// stamped at or before `at` that arrive later change nothing. A deletion older than the
    /// stored state of the product (it was restored or updated since) removes nothing.
    mutating func deleteProduct(ref: String, source: String, at: Int64) throws {
        let stored = try transaction.products(source: source, productRef: ref)
        if !stored.contains(where: { $0.updatedAt > at }) {
            try transaction.removeProducts(skus: stored.map(\.sku))
        }
        try transaction.markProductDeleted(source: source, productRef: ref, at: at)
    }
}
