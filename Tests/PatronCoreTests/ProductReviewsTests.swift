import Foundation
import PatronCore
import Testing

/// The reviews export for storefronts: by SKU, newest first, with the count and average; signed
/// `Ann D.`, never with an email; verified by an order of the SKU; filters; CSV with formulas
/// guarded; an erased reviewer keeps the stars, loses the words and the name.
struct ProductReviewsTests {
    func shop() throws -> (InMemoryStore, ann: CustomerID, bob: CustomerID) {
        let store = InMemoryStore()
        let ann = CustomerIdentity(refs: [ExternalRef(source: "shop", id: "ann")], email: "ann@example.com")
        let bob = CustomerIdentity(refs: [ExternalRef(source: "shop", id: "bob")], email: "bob@example.com")
        try Ingestor(store: store).ingest([
            IngestEvent(
                id: "c1", source: "shop", occurredAt: 0,
                kind: .customerUpserted(CustomerUpsert(identity: ann, firstName: "Ann", lastName: "Dee", createdAt: 0))),
            IngestEvent(
                id: "c2", source: "shop", occurredAt: 0,
                kind: .customerUpserted(CustomerUpsert(identity: bob, firstName: "Bob", createdAt: 0))),
            IngestEvent(
                id: "o1", source: "shop", occurredAt: 100,
                kind: .orderPlaced(
                    OrderData(
                        ref: "1", customer: ann, placedAt: 100, currency: .eur, totalMinor: 1_000,
                        lines: [OrderLine(sku: "MUG", quantity: 1, unitPriceMinor: 1_000)]))),
        ])
        let ids = try store.read { t in
            (try t.customerID(email: "ann@example.com")!, try t.customerID(email: "bob@example.com")!)
        }
        for (customer, sku, score, text, at) in [
            (ids.0, "MUG", 5, "Lovely", Int64(200)), (ids.1, "MUG", 2, "=HYPERLINK(\"x\")", 300),
            (ids.1, "TEA", 4, nil, 400),
        ] as [(CustomerID, String, Int, String?, Int64)] {
            try FeedbackDesk.record(
                store,
                FeedbackResponse(
                    key: FeedbackResponse.reviewKey(customer: customer, sku: sku), customerID: customer, kind: .review,
                    score: score, text: text, sku: sku, channel: "link"),
                at: at)
        }
        // Published by a moderator (until then the export leaves them out; the conformance kit's
        // `feedback` rule holds every store to that).
        try FeedbackDesk.moderate(store, .pending(stars: 1...5, sku: nil), to: .approved)
        return (store, ids.0, ids.1)
    }

    @Test func reviewsAreExportedBySKU() throws {
        let (store, _, _) = try shop()
        let all = try ProductReviews.export(store)
        #expect(all.map(\.sku) == ["MUG", "TEA"])
        #expect(all[0].count == 2 && all[0].average == 3.5)
        #expect(all[0].reviews.map(\.reviewer) == ["Bob", "Ann D."])
        #expect(all[0].reviews.map(\.verified) == [false, true])
        let json = try ProductReviews.json(all)
        #expect(!json.contains("@example.com") && json.contains(#""reviewer":"Ann D.""#), "\(json)")
        #expect(try ProductReviews.export(store, verifiedOnly: true).map { $0.reviews.map(\.score) } == [[5]])
        #expect(try ProductReviews.export(store, minScore: 4).map(\.sku) == ["MUG", "TEA"])
        #expect(try ProductReviews.export(store, sku: "TEA").map(\.count) == [1])
        let csv = ProductReviews.csv(all)
        #expect(csv.hasPrefix("sku,count,average,stars,verified,reviewer,date,text\n"))
        #expect(csv.contains(#"'=HYPERLINK(""x"")"#), "\(csv)")
        #expect(csv.split(separator: "\n").count == 4)
    }

    @Test func anErasedReviewerKeepsTheStarsOnly() throws {
        let (store, ann, _) = try shop()
        try Ingestor(store: store).ingest([
            IngestEvent(
                id: "e", source: "shop", occurredAt: 500,
                kind: .customerErased(CustomerIdentity(refs: [ExternalRef(source: "shop", id: "ann")])))
        ])
        let mug = try #require(try ProductReviews.export(store, sku: "MUG").first)
        let hers = try #require(mug.reviews.first { $0.score == 5 })
        #expect(hers.text == nil && hers.reviewer == nil)
        _ = ann
    }
}
