import Foundation
import PatronCore

extension StoreConformance {
    /// The catalogue: products back exactly as saved (optional fields absent and present, SKUs
    /// compared as bytes, pages in byte order); `product.updated` makes a product's variants
    /// exactly those listed, an older update changes nothing, `product.deleted` removes every
    /// variant and an update stamped before it that comes late changes nothing, a SKU another
    /// product listed more recently stays with it, a failed batch leaves the catalogue before; the catalogue version changes with
    /// every committed change and not with a rolled-back one, and a snapshot reads it whole;
    /// recommendations then suggest only what is in stock and never another variant of a product
    /// bought, from the store or from a held snapshot alike.
    static func catalogue<S: Store>(_ store: S) throws {
        let rule = "catalogue"
        try require(
            try store.read { try $0.productCount() == 0 && $0.products(after: nil, limit: 5).isEmpty }, rule,
            "a new store has products")
        let full = ProductRecord(
            sku: "MUG-B é", source: "shop", productRef: "1", name: "Mug — Blue", url: "https://s.example/mug",
            imageURL: "https://s.example/mug.png", priceMinor: 1_250, currency: .usd, category: "Kitchen",
            inStock: false, updatedAt: at(1))
        let bare = ProductRecord(sku: "MUG-R", source: "shop", productRef: "1", name: "Mug", updatedAt: at(1))
        let lower = ProductRecord(sku: "a-spoon", source: "other", productRef: "9", name: "Spoon", updatedAt: at(2))
        let versionBefore = try store.read { try $0.catalogueVersion() }
        try store.write { try $0.saveProducts([full, bare, lower]) }
        let versionAfterSave = try store.read { try $0.catalogueVersion() }
        try require(
            versionAfterSave != versionBefore, rule, "saving products left the catalogue version \(versionBefore)")
        do {
            try store.write { t -> Void in
                try t.removeProducts(skus: ["MUG-R"])
                throw ConformanceFailure(rule: rule, detail: "rolled back")
            }
        } catch is ConformanceFailure {}
        try require(
            try store.read { try $0.catalogueVersion() } == versionAfterSave, rule,
            "a rolled-back removal changed the catalogue version")
        let held = try store.read { try CatalogueSnapshot.load(in: $0, pageSize: 2) }
        try require(
            held.version == versionAfterSave && held.products.keys.sorted() == ["MUG-B é", "MUG-R", "a-spoon"].sorted()
                && held.products["MUG-B é"] == full, rule,
            "the catalogue held in memory (pages of 2): \(held.products.keys.sorted()) at \(held.version)")
        let (bySKU, ofProduct, page, rest, count) = try store.read { t in
            (
                try t.products(skus: ["MUG-B é", "MUG-R", "NONE"]), try t.products(source: "shop", productRef: "1"),
                try t.products(after: nil, limit: 2), try t.products(after: "MUG-R", limit: 10), try t.productCount()
            )
        }
        try require(
            bySKU == ["MUG-B é": full, "MUG-R": bare] && ofProduct == [full, bare] && count == 3, rule,
            "back: \(bySKU), product 1: \(ofProduct.map(\.sku)), count \(count)")
        try require(
            page.map(\.sku) == ["MUG-B é", "MUG-R"] && rest.map(\.sku) == ["a-spoon"], rule,
            "pages in byte order: \(page.map(\.sku)) then \(rest.map(\.sku))")
        var replaced = bare
        replaced.inStock = false
        replaced.priceMinor = 900
        replaced.currency = .usd
        try store.write { t in
            try t.saveProducts([replaced])
            try t.removeProducts(skus: ["a-spoon", "NONE"])
        }
        try require(
            try store.read { try $0.products(skus: ["MUG-R", "a-spoon"]) } == ["MUG-R": replaced], rule,
            "after a replacement and a removal")
        try require(
            try store.read { try $0.catalogueVersion() } != versionAfterSave, rule,
            "a replacement and a removal left the catalogue version")

        // Through the ingestor: variants are what the latest update lists.
        func update(_ id: String, day: Int, _ variants: [ProductVariant], ref: String = "42") -> IngestEvent {
            IngestEvent(
                id: id, source: "shop", occurredAt: at(day),
                kind: .productUpdated(
                    ProductData(ref: ref, name: "Kettle", url: "https://s.example/kettle", variants: variants)))
        }
        try Ingestor(store: store).ingest([
            update("k1", day: 3, [.init(sku: "K-1", name: "Steel", price: "30.00", currency: .usd), .init(sku: "K-2")])
        ])
        try Ingestor(store: store).ingest([
            update("k2", day: 5, [.init(sku: "K-2", price: "31.5", currency: .usd, inStock: false)]),
            update("k-old", day: 4, [.init(sku: "K-9")]),
        ])
        let kettle = try store.read { try $0.products(source: "shop", productRef: "42") }
        try require(
            kettle.map(\.sku) == ["K-2"] && kettle.first?.priceMinor == 3_150 && kettle.first?.inStock == false
                && kettle.first?.name == "Kettle" && kettle.first?.updatedAt == at(5)
                && kettle.first?.url == "https://s.example/kettle", rule,
            "after an update and an older one: \(kettle)")
        do {
            try Ingestor(store: store).ingest([
                IngestEvent(id: "kd", source: "shop", occurredAt: at(6), kind: .productDeleted(productRef: "42")),
                update("bad", day: 6, [.init(sku: "K-3", price: "lots", currency: .usd)], ref: "43"),
            ])
            throw ConformanceFailure(rule: rule, detail: "a bad price was taken")
        } catch is PatronError {}
        try require(
            try store.read { try $0.products(skus: ["K-2", "K-3"]).keys.sorted() } == ["K-2"], rule,
            "a failed batch left the catalogue changed")
        try Ingestor(store: store).ingest([
            IngestEvent(id: "kd", source: "shop", occurredAt: at(6), kind: .productDeleted(productRef: "42"))
        ])
        try require(try store.read { try $0.products(skus: ["K-2"]).isEmpty }, rule, "a deleted product stayed")
        // A late update stamped before the deletion changes nothing; a later one brings it back.
        try Ingestor(store: store).ingest([update("k-late", day: 5, [.init(sku: "K-5")])])
        try require(
            try store.read { t in
                try t.products(skus: ["K-5"]).isEmpty && t.productDeletedAt(source: "shop", productRef: "42") == at(6)
            }, rule,
            "an update stamped before the deletion brought the product back")
        try Ingestor(store: store).ingest([update("k-back", day: 7, [.init(sku: "K-7")])])
        try require(
            try store.read { try $0.products(skus: ["K-7"]).keys.sorted() } == ["K-7"], rule,
            "an update after the deletion did not bring the product back")
        // A deletion older than the product's stored state removes nothing.
        try Ingestor(store: store).ingest([
            IngestEvent(id: "kd-late", source: "shop", occurredAt: at(6), kind: .productDeleted(productRef: "42"))
        ])
        try require(
            try store.read { t in
                try t.products(skus: ["K-7"]).keys.sorted() == ["K-7"]
                    && t.productDeletedAt(source: "shop", productRef: "42") == at(6)
            }, rule,
            "a deletion older than the product's update removed it")
        // A SKU listed by another product more recently stays with it.
        try Ingestor(store: store).ingest([
            update("m-a", day: 10, [.init(sku: "MOVE-1")], ref: "50"),
            update("m-b-old", day: 9, [.init(sku: "MOVE-1"), .init(sku: "MOVE-2")], ref: "51"),
        ])
        let afterOld = try store.read { try $0.products(skus: ["MOVE-1", "MOVE-2"]) }
        try require(
            afterOld["MOVE-1"]?.productRef == "50" && afterOld["MOVE-2"]?.productRef == "51", rule,
            "an older update of another product took a SKU: \(afterOld.mapValues(\.productRef))")
        try Ingestor(store: store).ingest([update("m-b-new", day: 11, [.init(sku: "MOVE-1")], ref: "51")])
        try require(
            try store.read { try $0.products(skus: ["MOVE-1"])["MOVE-1"]?.productRef } == "51", rule,
            "a newer update of another product did not take the SKU")

        // Recommendations keep to the catalogue: in stock, not a variant of what was bought.
        let (a, b, c) = (who("ca", email: "ca@x.com"), who("cb", email: "cb@x.com"), who("cc", email: "cc@x.com"))
        try Ingestor(store: store).ingest([
            basket("c1", a, day: 7, ["TEA", "CUP-W", "CUP-B"]), basket("c2", b, day: 7, ["TEA", "CUP-B", "POT"]),
            basket("c3", c, day: 8, ["TEA"]),
        ])
        try store.write { t in
            try t.saveProducts([
                ProductRecord(sku: "TEA", source: "shop", productRef: "tea", name: "Tea", updatedAt: at(7)),
                ProductRecord(sku: "CUP-W", source: "shop", productRef: "cup", name: "Cup W", updatedAt: at(7)),
                ProductRecord(sku: "CUP-B", source: "shop", productRef: "cup", name: "Cup B", updatedAt: at(7)),
                ProductRecord(
                    sku: "POT", source: "shop", productRef: "pot", name: "Pot", inStock: false, updatedAt: at(7)),
            ])
        }
        let customer = try store.read { try $0.customerID(email: "cc@x.com")! }
        let list = try RecommendationDesk.forCustomer(store, customer, n: 5, at: at(9), from: .learnNow(.init()))
        try require(
            list.map(\.sku) == ["CUP-B"] && list.first?.product?.name == "Cup B", rule,
            "a list for a tea buyer: \(list.map(\.sku)) (CUP-B, bought with tea twice, and no other cup; POT is "
                + "out of stock)")
        let fromHeld = try RecommendationDesk.forCustomer(
            store, customer, n: 5, at: at(9), from: .learnNow(.init()),
            catalogue: try store.read { try CatalogueSnapshot.load(in: $0) })
        try require(fromHeld == list, rule, "with the catalogue held in memory: \(fromHeld.map(\.sku))")
        var blended = CoPurchaseModel.Options()
        blended.popularityBlend = 1
        let blendedFromStore = try RecommendationDesk.forCustomer(
            store, customer, n: 5, at: at(9), from: .learnNow(blended))
        let blendedFromHeld = try RecommendationDesk.forCustomer(
            store, customer, n: 5, at: at(9), from: .learnNow(blended),
            catalogue: try store.read { try CatalogueSnapshot.load(in: $0) })
        try require(
            blendedFromHeld == blendedFromStore && !blendedFromStore.isEmpty, rule,
            "blended with popularity, held \(blendedFromHeld.map(\.sku)) vs from the store \(blendedFromStore.map(\.sku))"
        )
        let also = try RecommendationDesk.alsoBought(store, sku: "CUP-W", n: 5, at: at(9), from: .learnNow(.init()))
        try require(also.map(\.sku) == ["TEA"], rule, "also bought with CUP-W (not CUP-B, its variant): \(also)")
    }
}
