import Foundation

/// Builds the values a template is rendered with: every ``TemplateField`` of the run's scope.
/// Money is `12.34 EUR`; dates are UTC `YYYY-MM-DD`. A value the store does not have is left
/// out, so `{{#customer.first_name}}…{{/customer.first_name}}` can test for it.
public enum TemplateValues {
    public static func make(
        customer: CustomerRecord, enrollment: Enrollment, records: TemplateRecords?, currency: CurrencyCode?,
        shopName: String, now: Int64
    ) -> [String: TemplateValue] {
        func money(_ minor: Int64, _ code: CurrencyCode) -> TemplateValue {
            .text(Money.decimalString(minor, digits: code.minorUnitDigits) + " " + code.code)
        }
        func day(_ at: Int64) -> TemplateValue { .text(Day(epochSeconds: at).description) }
        func lines(_ lines: [OrderLine], _ code: CurrencyCode) -> TemplateValue {
            .list(
                lines.map {
                    [
                        "sku": .text($0.sku), "name": .text($0.name ?? $0.sku), "quantity": .text(String($0.quantity)),
                        "price": money($0.unitPriceMinor, code),
                    ]
                })
        }
        var person: [String: TemplateValue] = [:]
        person["first_name"] = customer.firstName.map(TemplateValue.text)
        person["last_name"] = customer.lastName.map(TemplateValue.text)
        let full = [customer.firstName, customer.lastName].compactMap { $0 }.joined(separator: " ")
        if !full.isEmpty { person["name"] = .text(full) }
        person["email"] = customer.email.map(TemplateValue.text)
        person["phone"] = customer.phone.map(TemplateValue.text)
        person["country"] = customer.country.map(TemplateValue.text)
        person["orders_count"] = .text(String(customer.aggregates.orderCount))
        if let currency { person["total_spent"] = money(customer.aggregates.revenueMinor, currency) }
        if let last = customer.aggregates.lastOrderAt {
            person["last_order_date"] = day(last)
            person["days_since_last_order"] = .text(String(Day(epochSeconds: now) - Day(epochSeconds: last)))
        }
        person["rfm_segment"] = records?.rfmSegment.map(TemplateValue.text)
        var values: [String: TemplateValue] = ["customer": .object(person), "shop": .object(["name": .text(shopName)])]
        if let points = records?.loyalty {
            // No `points` at 0, so that `{{#loyalty.points}}…{{/loyalty.points}}` shows only with some.
            var loyalty: [String: TemplateValue] = [
                "pending_points": .text(String(points.pending)),
                "lifetime_points": .text(String(points.lifetimeEarned)),
                "expiring_points": .text(String(points.expiringPoints)),
                "referral_code": .text(points.referralCode),
            ]
            if points.balance > 0 { loyalty["points"] = .text(String(points.balance)) }
            loyalty["expiring_date"] = points.expiringFirst.map(day)
            loyalty["tier"] = points.tier.map(TemplateValue.text)
            loyalty["next_tier"] = points.nextTier.map(TemplateValue.text)
            loyalty["points_to_next_tier"] = points.toNextTier.map { .text(String($0)) }
            values["loyalty"] = .object(loyalty)
        }
        if let cart = records?.cart {
            values["cart"] = .object([
                "value": money(cart.valueMinor, cart.currency),
                "item_count": .text(String(cart.lines.reduce(0) { $0 + $1.quantity })),
                "items": lines(cart.lines, cart.currency),
                "updated_at": .text(Timestamp.format(cart.updatedAt)),
            ])
        }
        if let order = records?.order {
            values["order"] = .object([
                "number": .text(order.ref.id), "total": money(order.totalMinor, order.currency),
                "date": day(order.placedAt), "item_count": .text(String(order.lines.reduce(0) { $0 + $1.quantity })),
                "items": lines(order.lines, order.currency),
            ])
        }
        /// A product's page, carrying the visitor token so a click identifies the visitor.
        func page(_ url: String?) -> TemplateValue? {
            guard let url else { return nil }
            guard let token = records?.visitorToken else { return .text(url) }
            // Before a #fragment, so that the page's location.search carries it.
            let (base, fragment) = url.firstIndex(of: "#").map { (String(url[..<$0]), String(url[$0...])) } ?? (url, "")
            return .text(base + (base.contains("?") ? "&" : "?") + "patron=" + token + fragment)
        }
        func productValues(_ product: ProductRecord) -> [String: TemplateValue] {
            var fields: [String: TemplateValue] = ["sku": .text(product.sku), "name": .text(product.name)]
            fields["url"] = page(product.url)
            fields["image_url"] = product.imageURL.map(TemplateValue.text)
            fields["price"] = product.price.map { .text($0.decimalString + " " + $0.currency.code) }
            return fields
        }
        if let sku = enrollment.context.sku {
            var product: [String: TemplateValue] = ["sku": .text(sku), "name": .text(records?.productName ?? sku)]
            if let known = records?.product { product.merge(productValues(known)) { _, catalogue in catalogue } }
            product["last_bought"] = enrollment.context.lastBoughtAt.map(day)
            product["interval_days"] = enrollment.context.intervalDays.map { .text(String($0)) }
            values["product"] = .object(product)
        }
        if !(records?.recommendations ?? []).isEmpty { values["has_recommendations"] = .text("yes") }
        values["recommendations"] = .list(
            (records?.recommendations ?? []).map { item in
                item.product.map(productValues) ?? ["sku": .text(item.sku), "name": .text(item.sku)]
            })
        return values
    }
}
