import Foundation

/// Which records a flow's messages can speak of, by the flow's trigger.
public enum TemplateScope: String, Hashable, Sendable, CaseIterable {
    /// Only the customer (and the shop).
    case customer
    /// The customer and the abandoned cart.
    case cart
    /// The customer and the order that triggered the flow.
    case order
    /// The customer and the SKU that is due again.
    case product
    /// The customer and the survey answer that triggered the flow.
    case feedback
    /// A survey's links and question: in a template a survey step sends, whatever the trigger.
    case survey
}

/// A value a message template can use: `{{customer.first_name}}`, `{{#cart.items}}…{{/cart.items}}`.
public struct TemplateField: Hashable, Sendable {
    /// The dotted name as written in a template.
    public let name: String
    /// The scope that provides it; `customer` fields are always there.
    public let scope: TemplateScope
    public let summary: String
    /// For a list (`cart.items`, `order.items`): the names each item has.
    public let itemFields: [String]

    init(_ name: String, _ scope: TemplateScope, _ summary: String, items: [String] = []) {
        self.name = name
        self.scope = scope
        self.summary = summary
        self.itemFields = items
    }

    /// The names every item of `cart.items` / `order.items` has.
    public static let lineFields = ["sku", "name", "quantity", "price"]

    /// Every field templates can use.
    public static let catalogue: [TemplateField] = [
        TemplateField("shop.name", .customer, "the shop's name (scheduler setting)"),
        TemplateField("customer.first_name", .customer, "first name; empty when unknown"),
        TemplateField("customer.last_name", .customer, "last name; empty when unknown"),
        TemplateField("customer.name", .customer, "first and last name, or empty"),
        TemplateField("customer.email", .customer, "email address"),
        TemplateField("customer.phone", .customer, "phone number (E.164)"),
        TemplateField("customer.country", .customer, "ISO country code"),
        TemplateField("customer.orders_count", .customer, "orders that count"),
        TemplateField("customer.total_spent", .customer, "revenue net of refunds, e.g. 123.45 EUR"),
        TemplateField("customer.last_order_date", .customer, "date of the last order (YYYY-MM-DD)"),
        TemplateField("customer.days_since_last_order", .customer, "whole days since the last order"),
        TemplateField("customer.rfm_segment", .customer, "RFM segment in the newest snapshot"),
        TemplateField("loyalty.points", .customer, "loyalty points spendable now; absent when none"),
        TemplateField("loyalty.pending_points", .customer, "points still inside their order's return window"),
        TemplateField("loyalty.lifetime_points", .customer, "points earned less reversals"),
        TemplateField("loyalty.expiring_points", .customer, "points that expire within 30 days"),
        TemplateField("loyalty.expiring_date", .customer, "the first of those expiries (YYYY-MM-DD); absent when none"),
        TemplateField("loyalty.tier", .customer, "the tier now; absent below the first"),
        TemplateField("loyalty.next_tier", .customer, "the tier after it"),
        TemplateField("loyalty.points_to_next_tier", .customer, "what the qualifying amount still needs for it"),
        TemplateField("loyalty.referral_code", .customer, "the code the customer shares with friends"),
        TemplateField("cart.value", .cart, "the cart's value, e.g. 59.90 EUR"),
        TemplateField("cart.item_count", .cart, "number of items (sum of quantities)"),
        TemplateField("cart.items", .cart, "the cart's lines", items: lineFields),
        TemplateField("cart.updated_at", .cart, "last activity on the cart (YYYY-MM-DD HH:MM UTC)"),
        TemplateField("order.number", .order, "the shop's order reference"),
        TemplateField("order.total", .order, "the order's total, e.g. 80.00 EUR"),
        TemplateField("order.date", .order, "the day it was placed (YYYY-MM-DD)"),
        TemplateField("order.item_count", .order, "number of items (sum of quantities)"),
        TemplateField("order.items", .order, "the order's lines", items: lineFields),
        TemplateField("product.sku", .product, "the run's SKU: due again, or viewed (browse abandonment)"),
        TemplateField("product.name", .product, "its name: the catalogue's, else from the last order of it"),
        TemplateField("product.url", .product, "its page (with the visitor token when links are signed)"),
        TemplateField("product.image_url", .product, "its image; absent when the catalogue has none"),
        TemplateField("product.price", .product, "its price, e.g. 19.99 EUR; absent when unknown"),
        TemplateField(
            "recommendations", .customer,
            "up to 4 products for the customer from the stored model, in stock; empty without a model",
            items: ["sku", "name", "url", "image_url", "price"]),
        TemplateField(
            "has_recommendations", .customer, "present when `recommendations` holds any (for a heading above them)"),
        TemplateField("product.last_bought", .product, "day of the last purchase (YYYY-MM-DD)"),
        TemplateField("product.interval_days", .product, "the interval used to predict the due day"),
        TemplateField("feedback.kind", .feedback, "what was answered: nps, csat or review"),
        TemplateField("feedback.score", .feedback, "the score given"),
        TemplateField("feedback.class", .feedback, "an NPS answer's band: promoter, passive or detractor"),
        TemplateField(
            "feedback.text", .feedback, "the customer's words, as they are when the step runs; absent when none"),
        TemplateField("feedback.sku", .feedback, "the SKU a review is about"),
        TemplateField("survey.link", .survey, "the answer page (NPS, CSAT); signed for the customer, no login"),
        TemplateField(
            "survey.scores", .survey, "one link per score that records it in one click", items: ["score", "link"]),
        TemplateField(
            "survey.items", .survey, "a review survey's SKUs not reviewed yet", items: ["sku", "name", "link"]),
        TemplateField("survey.question", .survey, "the step's follow-up question; absent when none"),
        TemplateField("survey.valid_until", .survey, "the last day answers are taken (YYYY-MM-DD)"),
        TemplateField("survey.range", .survey, "the scores asked for: 0-10 (NPS), 1-5 (CSAT, review)"),
    ]

    static let byName: [String: TemplateField] = Dictionary(uniqueKeysWithValues: catalogue.map { ($0.name, $0) })

    /// The field named `name`, if it exists at all.
    public static func named(_ name: String) -> TemplateField? { byName[name] }

    /// Whether a flow of `scope` can use the field.
    public func isAvailable(in scope: TemplateScope) -> Bool { self.scope == .customer || self.scope == scope }

    /// The closest known name, for "did you mean".
    public static func suggestion(for name: String) -> String? {
        EditDistance.closest(to: name, in: catalogue.map(\.name))
    }
}

/// A value handed to a template: text, a list of items (for sections) or a nested object.
public indirect enum TemplateValue: Hashable, Sendable {
    case text(String)
    case list([[String: TemplateValue]])
    case object([String: TemplateValue])
}
