import Foundation

/// A SKU's reviews as a storefront shows them: how many, the average stars, and each review
/// with its stars, words, reviewer's display name and whether it is verified.
public struct ProductReviews: Hashable, Sendable {
    /// One review, as a storefront may publish it: no email, no customer id.
    public struct Review: Hashable, Sendable {
        public var score: Int
        public var text: String?
        /// The first name and the initial of the last (`Ann D.`); `nil` when unknown or erased.
        public var reviewer: String?
        /// Tied to an order of the SKU by the reviewer.
        public var verified: Bool
        public var answeredAt: Int64
    }

    public var sku: String
    public var reviews: [Review]
    public var count: Int { reviews.count }
    /// The mean stars, to two decimals.
    public var average: Double {
        reviews.isEmpty
            ? 0 : (Double(reviews.reduce(0) { $0 + $1.score }) / Double(reviews.count) * 100).rounded() / 100
    }

    /// The export for storefronts, by SKU (then the newest review first): the approved reviews
    /// (and the pending ones with `includePending`, for a shop that does not moderate; hidden ones
    /// never), only `sku`'s, only verified ones with `verifiedOnly`, only those at or above
    /// `minScore` stars. Reviews whose words were erased keep their stars, without words or name.
    public static func export<S: Store>(
        _ store: S, sku: String? = nil, verifiedOnly: Bool = false, minScore: Int = 1, includePending: Bool = false
    )
        throws -> [ProductReviews]
    {
        var bySKU: [String: [(Review, String)]] = [:]
        try store.read { t in
            var names: [CustomerID: String?] = [:]
            try t.forEachFeedbackResponse(.review, from: .min, to: .max) { response in
                guard let reviewed = response.sku, sku == nil || reviewed == sku, response.score >= minScore,
                    response.moderation == .approved || (includePending && response.moderation == .pending),
                    !verifiedOnly || response.orderRef != nil
                else { return }
                if names[response.customerID] == nil {
                    names[response.customerID] = try t.customer(response.customerID).flatMap(Self.reviewer)
                }
                let review = Review(
                    score: response.score, text: response.text, reviewer: names[response.customerID] ?? nil,
                    verified: response.orderRef != nil, answeredAt: response.answeredAt)
                bySKU[reviewed, default: []].append((review, response.key))
            }
        }
        return bySKU.keys.sorted().map { sku in
            ProductReviews(
                sku: sku,
                reviews: bySKU[sku]!.sorted { ($0.0.answeredAt, $0.1) > ($1.0.answeredAt, $1.1) }.map(\.0))
        }
    }

    /// `Ann D.`: a first name and the last name's initial, as reviews are signed.
    static func reviewer(_ customer: CustomerRecord) -> String? {
        guard customer.erasedAt == nil, let first = customer.firstName?.trimmingCharacters(in: .whitespaces),
            !first.isEmpty
        else { return nil }
        guard let initial = customer.lastName?.trimmingCharacters(in: .whitespaces).first else { return first }
        return "\(first) \(initial)."
    }
}

extension ProductReviews {
    /// `{"sku", "count", "average", "reviews": [{"stars", "text", "reviewer", "verified", "date"}]}`.
    public var jsonObject: [String: Any] {
        [
            "sku": sku, "count": count, "average": average,
            "reviews": reviews.map {
                [
                    "stars": $0.score, "text": $0.text ?? NSNull(), "reviewer": $0.reviewer ?? NSNull(),
                    "verified": $0.verified, "date": Timestamp.format($0.answeredAt),
                ] as [String: Any]
            },
        ]
    }

    /// The export as JSON: a list of ``jsonObject``s, by SKU.
    public static func json(_ products: [ProductReviews]) throws -> String {
        try FeedbackResponse.text(products.map(\.jsonObject))
    }

    /// The export as CSV: one row per review, with its SKU's count and average; words and names
    /// guarded against spreadsheet formulas.
    public static func csv(_ products: [ProductReviews]) -> String {
        var out = CSVBuffer()
        out.header(["sku", "count", "average", "stars", "verified", "reviewer", "date", "text"])
        for product in products {
            for review in product.reviews {
                out.text(product.sku)
                out.field(product.count)
                out.decimal(product.average, digits: 2)
                out.field(review.score)
                out.field(review.verified ? "true" : "false")
                out.text(review.reviewer ?? "")
                out.timestamp(review.answeredAt)
                out.text(review.text ?? "")
                out.endRow()
            }
        }
        return String(decoding: out.bytes, as: UTF8.self)
    }
}
