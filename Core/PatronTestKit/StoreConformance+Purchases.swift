import Foundation
import PatronCore

extension StoreConformance {
    /// Purchases: `forEachPurchase` streams every line of every counting order placed before the
    /// bound — not a cancelled order's — in customer, time, SKU order; the recommendations a
    /// store's purchases teach are the same as those of the same lines from memory.
    static func purchases<S: Store>(_ store: S) throws {
        let rule = "purchases"
        let (a, b, c) = (who("pa", email: "pa@x.com"), who("pb", email: "pb@x.com"), who("pc", email: "pc@x.com"))
        func order(_ ref: String, _ customer: CustomerIdentity, day: Int, _ skus: [String]) -> IngestEvent {
            IngestEvent(
                id: "p-\(ref)", source: "shop", occurredAt: at(day),
                kind: .orderPlaced(
                    OrderData(
                        ref: ref, customer: customer, placedAt: at(day), currency: .usd, totalMinor: 100,
                        lines: skus.map { OrderLine(sku: $0, quantity: 1, unitPriceMinor: 100 / Int64(skus.count)) })))
        }
        try Ingestor(store: store).ingest([
            order("p1", b, day: 3, ["TEA", "MUG"]), order("p2", a, day: 1, ["MUG", "TEA", "CUP"]),
            order("p3", a, day: 5, ["SPOON"]), order("p4", c, day: 2, ["MUG"]), order("p5", c, day: 4, ["PLATE"]),
            order("p6", b, day: 9, ["BOWL"]),
            IngestEvent(id: "p-cancel", source: "shop", occurredAt: at(6), kind: .orderCancelled(orderRef: "p5")),
        ])
        let ids = try store.read { t in
            try ["pa@x.com", "pb@x.com", "pc@x.com"].map { try t.customerID(email: $0)! }
        }
        var streamed: [PurchaseLine] = []
        try store.forEachPurchase(before: at(9)) { streamed.append($0) }
        let expected = [
            (0, 1, "CUP"), (0, 1, "MUG"), (0, 1, "TEA"), (0, 5, "SPOON"), (1, 3, "MUG"), (1, 3, "TEA"),
            (2, 2, "MUG"),
        ].map { PurchaseLine(customerID: ids[$0.0], sku: $0.2, placedAt: at($0.1)) }
            .sorted(by: PurchaseLine.streamOrder)
        try require(
            streamed == expected, rule,
            "streamed \(streamed.map { "\($0.customerID.rawValue)/\($0.sku)@\($0.placedAt)" }) instead of "
                + "\(expected.map { "\($0.customerID.rawValue)/\($0.sku)@\($0.placedAt)" })")
        let fromStore = try CoPurchaseModel.build(store, asOf: at(9))
        let fromMemory = try CoPurchaseModel.build(asOf: at(9)) { body in try expected.forEach(body) }
        try require(
            fromStore.neighbours == fromMemory.neighbours && fromStore.buyers == fromMemory.buyers
                && fromStore.neighbours["MUG"]?.first?.sku == "TEA", rule,
            "the model from the store: \(fromStore.neighbours)")
    }
}
