import Foundation
import PatronCore
import PatronWebhooks
import Testing

/// A discount code (Shopify) or coupon (WooCommerce) that is a Patron referral code becomes the
/// order's referral code; other codes are discounts and name nobody.
@Suite struct ReferralCodeWebhookTests {
    init() { TestChannels.register() }

    static func order(_ outcome: WebhookOutcome) -> OrderData? {
        guard case .events(let events) = outcome, case .orderPlaced(let order) = events.first?.kind else { return nil }
        return order
    }

    @Test func shopifyDiscountCodes() throws {
        let code = ReferralCode.code(for: CustomerID(42))
        func body(_ codes: String) -> Data {
            Data(
                #"{"id":1001,"email":"jon@example.com","created_at":"2024-01-01T10:00:00Z","currency":"USD","total_price":"20.00","line_items":[],"discount_codes":[\#(codes)]}"#
                    .utf8)
        }
        let referred = try ShopifyWebhook.outcome(
            topic: "orders/create", body: body(#"{"code":"SUMMER10"},{"code":"\#(code.lowercased())"}"#),
            deliveryID: "d1", at: 0)
        #expect(Self.order(referred)?.referralCode == code.lowercased())
        let plain = try ShopifyWebhook.outcome(
            topic: "orders/create", body: body(#"{"code":"SUMMER10","amount":"2.00"}"#), deliveryID: "d2", at: 0)
        #expect(Self.order(plain) != nil && Self.order(plain)?.referralCode == nil)
    }

    @Test func wooCommerceCoupons() throws {
        guard
            var object = try WooCommerceAndGenericWebhookTests.resource("order")
                .flatMap({ try JSONSerialization.jsonObject(with: $0) as? [String: Any] })
        else { return }
        let code = ReferralCode.code(for: CustomerID(7))
        object["coupon_lines"] = [["id": 1, "code": "WELCOME5"], ["id": 2, "code": code]]
        let outcome = try WooCommerceWebhook.outcome(
            topic: "order.created", body: try JSONSerialization.data(withJSONObject: object), deliveryID: "w1", at: 0)
        #expect(Self.order(outcome)?.referralCode == code)
        #expect(ReferralCode.customer(fromCode: Self.order(outcome)?.referralCode ?? "") == CustomerID(7))
    }
}
